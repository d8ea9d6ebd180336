import { describe, expect, it } from 'vitest';
import { ipv6Groups, isForbiddenAddress } from '../../lambdas/adapters/webhooks/address-guard.js';
import { HttpWebhookPoster, urlRefusal } from '../../lambdas/adapters/webhooks/http-poster.js';

describe('webhook SSRF guard', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fe80::1',
    'fc00::1',
    'fd00:ec2::254',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:169.254.169.254',
    '::ffff:a9fe:a9fe',
    '64:ff9b::a9fe:a9fe',
    '[::1]',
    'not-an-address',
  ])('refuses %s', (address) => {
    expect(isForbiddenAddress(address)).toBe(true);
  });

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700::1111', '::ffff:8.8.8.8'])(
    'allows the public address %s',
    (address) => {
      expect(isForbiddenAddress(address)).toBe(false);
    },
  );

  it('reads compressed and dotted IPv6 forms alike', () => {
    expect(ipv6Groups('::ffff:127.0.0.1')).toEqual(ipv6Groups('0:0:0:0:0:ffff:7f00:0001'));
  });

  it('outside the local stage: https only, and no literal private address', () => {
    expect(urlRefusal(new URL('http://shop.example/hooks'), false)).toMatch(/https/);
    expect(urlRefusal(new URL('https://169.254.169.254/latest'), false)).toMatch(/may not reach/);
    expect(urlRefusal(new URL('https://[::ffff:10.0.0.1]/'), false)).toMatch(/may not reach/);
    expect(urlRefusal(new URL('https://shop.example/hooks'), false)).toBeUndefined();
    expect(urlRefusal(new URL('http://127.0.0.1:8080/hooks'), true)).toBeUndefined();
  });
});

describe('the poster outside the local stage', () => {
  const poster = new HttpWebhookPoster({ allowPrivateNetwork: false });
  const post = (url: string) => poster.post({ url, headers: {}, body: '{}', timeoutMs: 2_000 });

  it('resolves the name itself and refuses one that points at loopback, before connecting', async () => {
    const result = await post('https://localhost:9/hooks');
    expect(result).toMatchObject({ kind: 'failed' });
    expect(result.kind === 'failed' && result.error).toMatch(
      /localhost resolves to .* which webhooks may not reach/,
    );
  });

  it('refuses a literal metadata address and plain http without any network call', async () => {
    expect(await post('https://169.254.169.254/latest/meta-data')).toMatchObject({
      kind: 'failed',
      error: expect.stringMatching(/may not reach/),
      latencyMs: 0,
    });
    expect(await post('http://shop.example/hooks')).toMatchObject({
      kind: 'failed',
      error: expect.stringMatching(/https/),
    });
  });
});
