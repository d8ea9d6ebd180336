/** The Adyen Checkout acquirer and its webhook verifier (separate, so only Adyen's bundles carry the library). */
import type { Acquirer } from '../core/ports.js';
import { ConfigError } from '../config.js';

export function adyenAcquirer(): Acquirer {
  throw new ConfigError(['ACQUIRER: adyen is not wired yet']);
}
