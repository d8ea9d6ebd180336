/** Lambda entry: the Merchant API's TOKEN authorizer. */

import { entryDependencies, lambdaEntry } from './lambda-entry.js';
import { createMerchantAuthorizer } from './merchant-authorizer/authorizer.js';

const deps = entryDependencies();

export const handler = lambdaEntry(deps, createMerchantAuthorizer(deps));
