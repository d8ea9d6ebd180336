/**
 * Legacy ENCRYPTEDCARD `cardData`: `{CardNumber},{YYMM},{SessionId}` encrypted with RSA-OAEP
 * (SHA-256 by default, as DESIGN.md configures our KMS key) under the PSP's public key, base64
 * encoded: 344 characters for a 2048-bit key (256 bytes).
 */
import { constants, publicEncrypt, randomBytes } from 'node:crypto';

export function encryptCardData(
  publicKeyPem: string,
  card: { pan: string; yymm: string; sessionId?: string },
  oaepHash: 'sha256' | 'sha1' = 'sha256',
): string {
  const sessionId = card.sessionId ?? randomBytes(8).toString('hex');
  const plaintext = Buffer.from(`${card.pan},${card.yymm},${sessionId}`, 'utf8');
  return publicEncrypt(
    { key: publicKeyPem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash },
    plaintext,
  ).toString('base64');
}
