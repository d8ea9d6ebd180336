import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../lambdas/adapters/observability/logger.js';
import { redact } from '../../lambdas/adapters/observability/redaction.js';

const TOKEN = '4895370013193500';
const PAN = '5413330089010442';
const CRYPTOGRAM = 'AlhlvxmN2ZKuAAESNFZ4GoABFA==';
const MAKE_PAYMENT_TOKEN = 'q7wq8e9r0t1y2u3i4o5p6a7s8d9f0g1h2j3k4l5z6x7';

/** Powertools writes info/debug to stdout and warn/error to stderr: capture both. */
function captureOutput() {
  const lines: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  };
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation(capture),
    vi.spyOn(process.stderr, 'write').mockImplementation(capture),
  ];
  return { lines, restore: () => spies.forEach((s) => s.mockRestore()) };
}

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('log redaction', () => {
  it('never writes a network token, PAN, cryptogram or makePaymentToken, however they reach the logger', () => {
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'DEBUG');
    const out = captureOutput();
    const logger = createLogger('redaction-test');
    logger.info('makePayment received', {
      pspTransactionId: 'abc123',
      relatedPayment: '1aaee1234567890123456ff',
      networkToken: { number: TOKEN, cryptogram: CRYPTOGRAM, eci: '07' },
      request: { number: TOKEN, cryptogram: CRYPTOGRAM, cardData: 'c2VjcmV0' },
      authorization: MAKE_PAYMENT_TOKEN,
    });
    logger.warn(`card ${PAN} slipped into a message`);
    logger.error('acquirer failed', { error: new Error(`declined for ${PAN}`) });
    logger.debug('headers', { headers: { Authorization: `Bearer ${MAKE_PAYMENT_TOKEN}` } });
    out.restore();

    const written = out.lines.join('');
    expect(out.lines.length).toBe(4);
    for (const secret of [TOKEN, PAN, CRYPTOGRAM, MAKE_PAYMENT_TOKEN]) expect(written).not.toContain(secret);
    expect(written).toContain('abc123'); // what ops need stays readable
    expect(written).toContain('1aaee1234567890123456ff'); // a hex id with a long digit run is an id, not a card
    expect(written).toContain('************0442'); // last four digits only
    expect(written).toContain('[REDACTED]');
  });

  it('redacts values recorded outside the logger', () => {
    expect(redact({ cavv: 'AAABBB', amount: 10_000, text: `token ${TOKEN}` })).toEqual({
      cavv: '[REDACTED]',
      amount: 10_000,
      text: 'token ************3500',
    });
  });
});
