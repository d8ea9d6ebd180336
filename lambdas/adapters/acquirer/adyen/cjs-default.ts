/**
 * Adyen's library is CommonJS with `exports.default`: Node's ESM import gives the exports object,
 * bundlers and vitest give the default itself. This takes whichever arrived.
 */
export function cjsDefault<T>(imported: T): T {
  return (imported as { default?: T }).default ?? imported;
}
