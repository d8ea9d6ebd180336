/** Lambda entry: the Merchant API's TOKEN authorizer. */
import { merchants } from '../wiring/storage.js';
import { entryDependencies, lambdaEntry } from './lambda-entry.js';
import { createMerchantAuthorizer } from './merchant-authorizer/authorizer.js';

const deps = entryDependencies({ merchants });

export const handler = lambdaEntry(deps, createMerchantAuthorizer(deps));
