/**
 * Clearhaus request signing (gateway API "Signing requests"): every POST carries
 * `Signature: <signing API key> RS256-hex <hex RSASSA-PKCS1-v1_5 SHA-256 signature of the body>`.
 * The signature covers the exact bytes sent, so the body is built once and signed as sent.
 */
import { createPrivateKey, sign } from 'node:crypto';

export interface ClearhausSigningKey {
  /** The partner's signing API key (a UUID) that tells Clearhaus which public key to use. */
  signingApiKey: string;
  /** The matching RSA private key, PEM (PKCS#1 or PKCS#8). */
  privateKeyPem: string;
}

export function signatureHeader(key: ClearhausSigningKey, body: string): string {
  const signature = sign('sha256', Buffer.from(body, 'utf8'), createPrivateKey(key.privateKeyPem));
  return `${key.signingApiKey} RS256-hex ${signature.toString('hex')}`;
}
