/**
 * Clearhaus' documented parameter rules for what we send (gateway API: authorizations, method
 * `token`, method `card`, 3-D Secure v2, captures, refunds). A request that breaks one is
 * refused with 40000 "General input error", as the real gateway does.
 * Source: clearhaus/gateway-api-docs, website/content/gateway/ — api_reference/authorizations
 * (amount, currency, reference ≤ 30 printable ASCII), authorizations_methods/token.md
 * (`token[tan|expire_month|expire_year|eci|tav]`, eci 05/07, 28-character TAV),
 * authentications/3dsecure_v2.md, and the transaction status codes table (40000).
 */
export type Form = URLSearchParams;

const rules: Record<string, RegExp> = {
  amount: /^(0|[1-9][0-9]{0,8})$/,
  currency: /^[A-Z]{3}$/,
  reference: /^[\x20-\x7E]{1,30}$/,
  'token[tan]': /^[0-9]{12,19}$/,
  'token[expire_month]': /^[0-9]{2}$/,
  'token[expire_year]': /^20[0-9]{2}$/,
  'token[eci]': /^0[57]$/,
  'token[tav]': /^(?=.{28}$)[A-Za-z0-9+/]+={0,2}$/,
  'card[pan]': /^[0-9]{12,19}$/,
  'card[expire_month]': /^[0-9]{2}$/,
  'card[expire_year]': /^20[0-9]{2}$/,
  credential_on_file: /^(store|use)$/,
};

/** The first problem with an authorisation form, or undefined when Clearhaus would take it. */
export function authorisationProblem(form: Form): string | undefined {
  for (const [key, value] of form) {
    const rule = rules[key];
    if (rule && !rule.test(value)) return `${key} is invalid`;
  }
  for (const required of ['amount', 'currency']) if (!form.has(required)) return `${required} is missing`;
  const methods = ['token', 'card'].filter((m) => [...form.keys()].some((k) => k.startsWith(`${m}[`)));
  if (methods.length !== 1) return 'exactly one payment method must be used';
  const method = methods[0]!;
  const needed =
    method === 'token'
      ? ['token[tan]', 'token[expire_month]', 'token[expire_year]', 'token[tav]']
      : ['card[pan]', 'card[expire_month]', 'card[expire_year]'];
  for (const key of needed) if (!form.has(key)) return `${key} is missing`;
  if (method === 'token') {
    const tan = form.get('token[tan]')!;
    if (tan.startsWith('4') && !form.has('token[eci]')) return 'token[eci] is required for Visa CITs';
    if (/^[25]/.test(tan) && !/^[A-P]/.test(form.get('token[tav]')!))
      return 'token[tav] must be a DSRP cryptogram (starting with A-P) for Mastercard';
  }
  return threeDsProblem(form, method);
}

function threeDsProblem(form: Form, method: string): string | undefined {
  const rreq = form.get(`${method}[3dsecure][v2][rreq]`);
  const ares = form.get(`${method}[3dsecure][v2][ares]`);
  if (rreq && ares) return '[3dsecure][v2][ares] cannot be present with [rreq]';
  const message = rreq ?? ares;
  if (message === null) return undefined;
  try {
    const parsed = JSON.parse(message) as Record<string, unknown>;
    for (const field of ['authenticationValue', 'eci', 'dsTransID']) {
      if (typeof parsed[field] !== 'string' || !parsed[field]) return `[3dsecure][v2] ${field} is missing`;
    }
  } catch {
    return '[3dsecure][v2] must be JSON';
  }
  return undefined;
}

export function has3dsResult(form: Form): boolean {
  return [...form.keys()].some((k) => k.includes('[3dsecure][v2]'));
}

export function amountProblem(form: Form): string | undefined {
  const amount = form.get('amount');
  if (amount !== null && !/^[1-9][0-9]{0,8}$/.test(amount)) return 'amount is invalid';
  return undefined;
}
