/**
 * Issue 14 items 5-6: the Vipps design-guideline rules our code decides (docs/branding.md) — the
 * local brand by market, the approved wording by language, the names spelled as the guidelines
 * spell them on every text we show — and the checkout link's signature and expiry.
 */
import { describe, expect, it } from 'vitest';
import { renderCheckoutPage, renderCheckoutProblem } from '../../lambdas/adapters/checkout/checkout-page.js';
import { allCheckoutTexts } from '../../lambdas/adapters/checkout/texts.js';
import {
  approvedWording,
  brandForCurrency,
  buttonAttributes,
} from '../../lambdas/adapters/checkout/vipps-button.js';
import { orderPage, problemPage, shopPage } from '../../local/simulators/demo-shop/pages.js';
import { renderErrorPage } from '../../lambdas/adapters/three-ds/pages/error-page.js';
import { textsFor } from '../../lambdas/adapters/three-ds/pages/texts.js';
import { signCheckoutToken, verifyCheckoutToken } from '../../lambdas/core/checkout-token.js';
import { returnUrlWithPaymentId } from '../../lambdas/core/return-url.js';

/** Every way of writing the names that is not the guidelines' own: VIPPS, vipps, Mobilepay, Mobile Pay… */
function misspelled(text: string): string[] {
  // Style sheets, tag names and attributes are code (`vipps-mobilepay-button`), not text we show.
  const visible = text.replace(/<style[^>]*>[^<]*<\/style>/g, ' ').replace(/<[^>]*>/g, ' ');
  const names = visible.match(/vipps|mobile\s*pay/gi) ?? [];
  return names.filter((name) => name !== 'Vipps' && name !== 'MobilePay');
}

function threeDsTexts(): string[] {
  return (['en', 'nb'] as const).flatMap((language) => {
    const t = textsFor(language);
    return [
      ...Object.values(t).filter((v): v is string => typeof v === 'string'),
      t.expiresAt('12:00'),
      ...Object.values(t.problems).flatMap((p) => [p.title, p.message]),
    ];
  });
}

describe('names as the guidelines spell them', () => {
  it('the check itself catches every other spelling', () => {
    expect(misspelled('Betal med VIPPS, vipps eller Mobilepay / Mobile Pay')).toEqual([
      'VIPPS',
      'vipps',
      'Mobilepay',
      'Mobile Pay',
    ]);
  });

  it('every text of the checkout and the 3-D Secure pages, in both languages', () => {
    const texts = [...allCheckoutTexts(), ...threeDsTexts()];
    expect(texts.filter((t) => /vipps/i.test(t)).length).toBeGreaterThan(3);
    expect(texts.flatMap(misspelled)).toEqual([]);
  });

  it('every page the checkout renders', () => {
    const view = {
      merchantName: 'Sokker AS',
      amount: 10_000,
      currency: 'NOK' as const,
      paymentText: 'Socks',
      vippsRedirectUrl: 'https://api.vipps.no/landing?token=x',
      returnUrl: 'https://shop.example/?pspTransactionId=a',
    };
    const pages = (['en', 'nb'] as const).flatMap((language) => [
      renderCheckoutPage(view, { language, nonce: 'n', buttonScriptUrl: 'https://checkout.vipps.no/b.js' }),
      ...(['TAMPERED_LINK', 'EXPIRED_LINK', 'UNKNOWN_PAYMENT', 'PAYMENT_CLOSED', 'NOT_READY'] as const).map(
        (p) => renderCheckoutProblem(p, { language, nonce: 'n' }),
      ),
      renderErrorPage('UNKNOWN_SESSION', { language }).html,
    ]);
    expect(pages.flatMap(misspelled)).toEqual([]);
  });

  it('every page of the demo shop', () => {
    const order = {
      orderId: 'order-1',
      lines: [],
      total: 10_036,
      status: 'paid' as const,
      version: 2,
      events: [
        { id: 'msg_1', type: 'payment.reserved', at: '2026-11-30T10:00:00Z', verified: true as const },
      ],
    };
    const pages = [
      shopPage(
        [{ productId: 'wool', name: 'Wool socks', price: 14_900, quantity: 1 }],
        [order],
        'not registered',
      ),
      orderPage(order),
      problemPage('Not found', '/x'),
    ];
    expect(pages.join('')).toContain('Wool socks');
    expect(pages.flatMap(misspelled)).toEqual([]);
  });
});

describe('the button', () => {
  it('local brand by market: Vipps for NOK and SEK, MobilePay for DKK and EUR', () => {
    expect(['NOK', 'SEK', 'DKK', 'EUR'].map(brandForCurrency)).toEqual([
      'vipps',
      'vipps',
      'mobilepay',
      'mobilepay',
    ]);
  });

  it('approved wording by the shopper’s language', () => {
    expect(approvedWording('vipps', 'nb')).toBe('Betal med Vipps');
    expect(approvedWording('vipps', 'en')).toBe('Pay with Vipps');
    expect(approvedWording('mobilepay', 'en')).toBe('Pay with MobilePay');
    expect(buttonAttributes('NOK', 'nb')).toEqual({
      brand: 'vipps',
      language: 'no',
      verb: 'pay',
      variant: 'primary',
      stretched: 'true',
    });
  });
});

describe('the checkout link', () => {
  const key = new Uint8Array(32).fill(7);
  const now = new Date('2026-11-30T10:00:00Z');
  const token = signCheckoutToken(key, 'abc123', new Date('2026-11-30T10:15:00Z'));

  it('is accepted until it expires, then refused as expired', () => {
    expect(verifyCheckoutToken(key, token, now)).toEqual({ ok: true, pspTransactionId: 'abc123' });
    expect(verifyCheckoutToken(key, token, new Date('2026-11-30T10:15:00Z'))).toEqual({
      ok: false,
      problem: 'EXPIRED_LINK',
    });
  });

  it('is refused as tampered with another key, payment id or expiry', () => {
    const [id, seconds, mac] = token.split('.');
    for (const forged of [
      signCheckoutToken(new Uint8Array(32).fill(8), 'abc123', new Date('2026-11-30T10:15:00Z')),
      `abc124.${seconds}.${mac}`,
      `${id}.${Number(seconds) - 1000}.${mac}`,
      `${id}.${seconds}`,
      '',
    ]) {
      expect(verifyCheckoutToken(key, forged, now)).toEqual({ ok: false, problem: 'TAMPERED_LINK' });
    }
  });
});

describe('the return URL', () => {
  it('adds our payment id to a web URL, keeping its query; leaves an app-switch URL alone', () => {
    expect(returnUrlWithPaymentId('https://shop.example/done?o=1', 'p1')).toBe(
      'https://shop.example/done?o=1&pspTransactionId=p1',
    );
    expect(returnUrlWithPaymentId('myshop://done', 'p1')).toBe('myshop://done');
  });
});
