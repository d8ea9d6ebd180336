/** The browser leg's encodings: JSON in unpadded base64url (the ACS may pad what it sends back). */

export function toBase64Url(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/** JSON from (possibly padded) base64url, or undefined when it is not that. */
export function fromBase64Url(text: string): unknown {
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(text)) return undefined;
  try {
    return JSON.parse(Buffer.from(text.replace(/=+$/, ''), 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}
