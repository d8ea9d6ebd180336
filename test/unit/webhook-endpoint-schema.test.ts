import { describe, expect, it } from 'vitest';
import { createEndpointSchema } from '../../lambdas/handlers/merchant-api/webhook-schemas.js';

const deployed = createEndpointSchema({ allowHttp: false });
const local = createEndpointSchema({ allowHttp: true });
const message = (result: ReturnType<typeof deployed.safeParse>) => result.error?.issues[0]?.message;

describe('webhook endpoint URL, outside the local stage', () => {
  it('accepts an https URL and defaults to every event type', () => {
    expect(deployed.parse({ url: 'https://shop.example/hooks' })).toEqual({
      url: 'https://shop.example/hooks',
    });
  });

  it.each([
    ['http://shop.example/hooks', /https/],
    ['https://169.254.169.254/latest/meta-data', /private, loopback or link-local/],
    ['https://10.0.0.5/hooks', /private/],
    ['https://[::1]/hooks', /private/],
    ['https://[::ffff:127.0.0.1]/hooks', /private/],
    ['https://localhost/hooks', /localhost/],
    ['https://user:pw@shop.example/hooks', /credentials/],
    ['https://user@shop.example/hooks', /credentials/],
    ['https://:pw@shop.example/hooks', /credentials/],
    ['https://api.localhost/hooks', /localhost/],
    ['not a url', /absolute URL/],
  ])('refuses %s', (url, why) => {
    expect(message(deployed.safeParse({ url }))).toMatch(why);
  });

  it.each([
    'https://93.184.216.34/hooks',
    'https://[2a00:1450:4001:80b::200e]/hooks',
    'https://1password-hooks.example/hooks',
    'https://hooks.shop1/in',
  ])('accepts the public address %s', (url) => {
    expect(deployed.safeParse({ url })).toMatchObject({ success: true, data: { url } });
  });
});

describe('webhook endpoint URL, on the local stage', () => {
  it('accepts http on the laptop (a receiver on 127.0.0.1) and https', () => {
    expect(local.safeParse({ url: 'http://127.0.0.1:4000/hooks' }).success).toBe(true);
    expect(local.safeParse({ url: 'https://shop.example/hooks' }).success).toBe(true);
  });

  it('refuses other schemes and credentials there too', () => {
    expect(message(local.safeParse({ url: 'ftp://127.0.0.1/hooks' }))).toBe('url must be http(s)');
    expect(message(local.safeParse({ url: 'http://u:p@127.0.0.1/hooks' }))).toBe(
      'url must not carry credentials',
    );
  });
});

describe('webhook endpoint events and fields', () => {
  it('refuses unknown event types and unknown fields', () => {
    expect(deployed.safeParse({ url: 'https://shop.example/h', events: ['payment.nope'] }).success).toBe(
      false,
    );
    expect(deployed.safeParse({ url: 'https://shop.example/h', secret: 'mine' }).success).toBe(false);
  });
});
