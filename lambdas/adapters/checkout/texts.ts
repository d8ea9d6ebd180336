/**
 * Every word on the hosted checkout, in English and Norwegian Bokmål. "Vipps" and "MobilePay" are
 * spelled as Vipps' design guidelines spell them (test/unit/checkout-page.test.ts checks each text).
 */
import type { CheckoutProblem } from '../../core/use-cases/show-checkout.js';
import type { Language } from '../three-ds/pages/texts.js';

export interface CheckoutTexts {
  brand: string;
  title: string;
  to: string;
  amount: string;
  noCardData: string;
  back: (merchant: string) => string;
  problems: Record<CheckoutProblem, { title: string; message: string }>;
}

const en: CheckoutTexts = {
  brand: 'Secure payment',
  title: 'Pay',
  to: 'To',
  amount: 'Amount',
  noCardData: 'You approve the payment in the Vipps app. No card details are entered on this page.',
  back: (merchant) => `Cancel and return to ${merchant}`,
  problems: {
    TAMPERED_LINK: {
      title: 'This payment link is not valid',
      message: 'The link has been changed or is incomplete. Go back to the shop and start the payment again.',
    },
    EXPIRED_LINK: {
      title: 'This payment link has expired',
      message: 'Payment links work for a short time only. Go back to the shop and start the payment again.',
    },
    UNKNOWN_PAYMENT: {
      title: 'Payment not found',
      message: 'We could not find this payment. Go back to the shop and start the payment again.',
    },
    PAYMENT_CLOSED: {
      title: 'This payment can no longer be paid',
      message:
        'It was cancelled, failed or timed out. Nothing was charged. Go back to the shop to try again.',
    },
    NOT_READY: {
      title: 'The payment is not ready yet',
      message: 'Wait a moment and reload this page. Nothing was charged.',
    },
  },
};

const nb: CheckoutTexts = {
  brand: 'Sikker betaling',
  title: 'Betal',
  to: 'Til',
  amount: 'Beløp',
  noCardData: 'Du godkjenner betalingen i Vipps-appen. Du skriver ikke inn kortopplysninger på denne siden.',
  back: (merchant) => `Avbryt og gå tilbake til ${merchant}`,
  problems: {
    TAMPERED_LINK: {
      title: 'Betalingslenken er ikke gyldig',
      message: 'Lenken er endret eller ufullstendig. Gå tilbake til butikken og start betalingen på nytt.',
    },
    EXPIRED_LINK: {
      title: 'Betalingslenken er utløpt',
      message:
        'Betalingslenker virker bare en kort stund. Gå tilbake til butikken og start betalingen på nytt.',
    },
    UNKNOWN_PAYMENT: {
      title: 'Fant ikke betalingen',
      message: 'Vi fant ikke denne betalingen. Gå tilbake til butikken og start betalingen på nytt.',
    },
    PAYMENT_CLOSED: {
      title: 'Betalingen kan ikke lenger betales',
      message:
        'Den er avbrutt, feilet eller tidsavbrutt. Ingenting er belastet. Gå tilbake til butikken for å prøve igjen.',
    },
    NOT_READY: {
      title: 'Betalingen er ikke klar ennå',
      message: 'Vent litt og last inn siden på nytt. Ingenting er belastet.',
    },
  },
};

const TEXTS: Record<Language, CheckoutTexts> = { en, nb };

export function checkoutTexts(language: Language): CheckoutTexts {
  return TEXTS[language];
}

/** Every text the checkout can show, for the spelling check. */
export const allCheckoutTexts = (): string[] =>
  Object.values(TEXTS).flatMap((t) => [
    t.brand,
    t.title,
    t.to,
    t.amount,
    t.noCardData,
    t.back('X'),
    ...Object.values(t.problems).flatMap((p) => [p.title, p.message]),
  ]);
