/**
 * Vipps' design guidelines, as attributes of its official web component
 * (`<vipps-mobilepay-button>`, loaded from CHECKOUT_BUTTON_SCRIPT_URL). We never draw the button:
 * the component draws Vipps' own artwork, font, colour and radius; we only choose what the
 * guidelines let a merchant choose. See docs/branding.md.
 */
import type { Language } from '../three-ds/pages/texts.js';

/** Vipps' official component script (the default of CHECKOUT_BUTTON_SCRIPT_URL). */
export const OFFICIAL_BUTTON_SCRIPT_URL =
  'https://checkout.vipps.no/checkout-button/v1/vipps-checkout-button.js';

export type ButtonBrand = 'vipps' | 'mobilepay';

export interface ButtonAttributes {
  brand: ButtonBrand;
  /** The component's language codes: `no` for Norwegian, `en` for English. */
  language: 'no' | 'en';
  /** "Betal med Vipps" / "Pay with Vipps": the approved wording for a payment. */
  verb: 'pay';
  /** Orange, the default: white or black only where the background needs them for contrast. */
  variant: 'primary';
  /** As wide as the column, so no other option can be larger. */
  stretched: 'true';
}

/**
 * The local brand for the market: Vipps in Norway and Sweden, MobilePay in Denmark and Finland.
 * The currency tells the market (we take NOK only today; the rule is written out for when we don't).
 */
export function brandForCurrency(currency: string): ButtonBrand {
  return currency === 'DKK' || currency === 'EUR' ? 'mobilepay' : 'vipps';
}

export function buttonAttributes(currency: string, language: Language): ButtonAttributes {
  return {
    brand: brandForCurrency(currency),
    language: language === 'nb' ? 'no' : 'en',
    verb: 'pay',
    variant: 'primary',
    stretched: 'true',
  };
}

/** The brand's name as the guidelines spell it (capital V; capital M and P), never all capitals. */
export const BRAND_NAME: Record<ButtonBrand, string> = { vipps: 'Vipps', mobilepay: 'MobilePay' };

/** The approved wording, shown by the component and used as its accessible fallback text. */
export function approvedWording(brand: ButtonBrand, language: Language): string {
  return language === 'nb' ? `Betal med ${BRAND_NAME[brand]}` : `Pay with ${BRAND_NAME[brand]}`;
}
