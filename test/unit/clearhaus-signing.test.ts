/**
 * Clearhaus request signing against the known-answer vector Clearhaus publishes
 * (gateway-api-docs, getting_started/rsa_signature): that key, that body, that signature.
 */
import { describe, expect, it } from 'vitest';
import { signatureHeader } from '../../lambdas/adapters/acquirer/clearhaus/signing.js';

const SIGNING_API_KEY = '4390aec7-f76a-4c2f-8597-c87c2d06cb4f';
const PRIVATE_KEY = `-----BEGIN RSA PRIVATE KEY-----
MIIBOwIBAAJBALYK0zmwuYkH3YWcFNLLddx5cwDxEY7Gi1xITuQqRrU4yD3uSw+J
WYKknb4Tbndb6iEHY+e6gIGD+49TojnNeIUCAwEAAQJARyuYRRe4kcBHdPL+mSL+
Y0IAGkAlUyKAXYXPghidKD/v/oLrFaZWALGM2clv6UoYYpPnInSgbcud4sTcfeUm
QQIhAN2JZ2qv0WGcbIopBpwpQ5jDxMGVkmkVVUEWWABGF8+pAiEA0lySxTELZm8b
Gx9UEDRghN+Qv/OuIKFldu1Ba4f8W30CIQCaQFIBtunTTVdF28r+cLzgYW9eWwbW
pEP4TdZ4WlW6AQIhAMDCTUdeUpjxlH/87BXROORozAXocBW8bvJUI486U5ctAiAd
InviQqJd1KTGRDmWIGrE5YACVmW2JSszD9t5VKxkAA==
-----END RSA PRIVATE KEY-----`;
const BODY =
  'amount=2050&currency=EUR&ip=1.1.1.1&card[pan]=4111111111111111&card[expire_month]=06&card[expire_year]=2022&card[csc]=123';
const EXPECTED =
  '4390aec7-f76a-4c2f-8597-c87c2d06cb4f RS256-hex 7ae0e14d35b2a15a7ff812a1899d7f0a5d28063f0c276081876a51fc3773f499459f944f8b57c6e0e76b47c218b20ebaad7c6250dcd1804dd19c87fb7f1216ba';

describe('Clearhaus request signing', () => {
  it('gives the Signature header of Clearhaus’ published known-answer vector', () => {
    expect(signatureHeader({ signingApiKey: SIGNING_API_KEY, privateKeyPem: PRIVATE_KEY }, BODY)).toBe(
      EXPECTED,
    );
  });

  it('signs the exact bytes sent: one character more is another signature', () => {
    const other = signatureHeader({ signingApiKey: SIGNING_API_KEY, privateKeyPem: PRIVATE_KEY }, `${BODY}4`);
    expect(other).not.toBe(EXPECTED);
  });
});
