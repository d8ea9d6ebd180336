/**
 * Every word on the 3-D Secure pages, in English and Norwegian Bokmål, picked from the web view's
 * Accept-Language. Plain strings only: the templates escape them.
 */
import type { PageProblem } from './page-problem.js';

export type Language = 'en' | 'nb';

export interface Texts {
  brand: string;
  title: string;
  checking: string;
  continue: string;
  acsIntro: string;
  merchant: string;
  amount: string;
  cancel: string;
  continueToBank: string;
  bankFrame: string;
  back: string;
  expiresAt: (time: string) => string;
  footer: string;
  retry: string;
  closeHint: string;
  problems: Record<PageProblem, { title: string; message: string }>;
}

const en: Texts = {
  brand: 'Secure payment',
  title: 'Confirm your payment',
  checking: 'Your card issuer is checking the payment. This takes a moment.',
  continue: 'Continue',
  acsIntro: 'Your card issuer needs to confirm that it is you.',
  merchant: 'To',
  amount: 'Amount',
  cancel: 'Cancel payment',
  continueToBank: 'Continue to your bank',
  bankFrame: 'Your bank’s verification',
  back: 'Back to Vipps',
  expiresAt: (time) => `Confirm before ${time}.`,
  footer: '3-D Secure verification by the shop’s payment provider.',
  retry: 'Back to the verification',
  closeHint: 'You can close this page and return to the Vipps app.',
  problems: {
    UNKNOWN_SESSION: {
      title: 'Verification not found',
      message: 'This link is not valid. Return to Vipps and try the payment again.',
    },
    FORGED_FORM: {
      title: 'This page is out of date',
      message: 'The form was not accepted: it is out of date or did not come from us. Nothing was changed.',
    },
    BAD_FORM: {
      title: 'We could not read the form',
      message: 'The page sent something we could not read. Try again. Nothing was changed.',
    },
    FORM_IN_QUERY: {
      title: 'Continue from the verification page',
      message: 'The verification cannot be sent in a link. Nothing was sent or changed.',
    },
    UNUSABLE_SESSION: {
      title: 'We could not start the verification',
      message: 'Something went wrong on our side. Nothing was charged. Return to Vipps and try again.',
    },
    STALE_NOTIFICATION: {
      title: 'Not expected',
      message: 'This message does not belong to a verification in progress. Nothing was changed.',
    },
    METHOD_NOT_ALLOWED: {
      title: 'Not available',
      message: 'This address only accepts the verification form. Nothing was changed.',
    },
    INTERNAL: {
      title: 'Something went wrong',
      message: 'Nothing was changed. Please try again in a moment.',
    },
  },
};

const nb: Texts = {
  brand: 'Sikker betaling',
  title: 'Bekreft betalingen',
  checking: 'Kortutstederen din sjekker betalingen. Dette tar et øyeblikk.',
  continue: 'Fortsett',
  acsIntro: 'Kortutstederen din må bekrefte at det er deg.',
  merchant: 'Til',
  amount: 'Beløp',
  cancel: 'Avbryt betalingen',
  continueToBank: 'Gå videre til banken',
  bankFrame: 'Bekreftelse fra banken din',
  back: 'Tilbake til Vipps',
  expiresAt: (time) => `Bekreft før kl. ${time}.`,
  footer: '3-D Secure-bekreftelse fra butikkens betalingsleverandør.',
  retry: 'Tilbake til bekreftelsen',
  closeHint: 'Du kan lukke siden og gå tilbake til Vipps-appen.',
  problems: {
    UNKNOWN_SESSION: {
      title: 'Fant ikke bekreftelsen',
      message: 'Lenken er ikke gyldig. Gå tilbake til Vipps og prøv betalingen på nytt.',
    },
    FORGED_FORM: {
      title: 'Siden er utdatert',
      message: 'Skjemaet ble ikke godtatt: det er utdatert eller kom ikke fra oss. Ingenting er endret.',
    },
    BAD_FORM: {
      title: 'Vi kunne ikke lese skjemaet',
      message: 'Siden sendte noe vi ikke kunne lese. Prøv igjen. Ingenting er endret.',
    },
    FORM_IN_QUERY: {
      title: 'Fortsett fra bekreftelsessiden',
      message: 'Bekreftelsen kan ikke sendes i en lenke. Ingenting er sendt eller endret.',
    },
    UNUSABLE_SESSION: {
      title: 'Vi kunne ikke starte bekreftelsen',
      message: 'Noe gikk galt hos oss. Ingenting er belastet. Gå tilbake til Vipps og prøv igjen.',
    },
    STALE_NOTIFICATION: {
      title: 'Ikke forventet',
      message: 'Meldingen hører ikke til en pågående bekreftelse. Ingenting er endret.',
    },
    METHOD_NOT_ALLOWED: {
      title: 'Ikke tilgjengelig',
      message: 'Denne adressen tar bare imot bekreftelsesskjemaet. Ingenting er endret.',
    },
    INTERNAL: {
      title: 'Noe gikk galt',
      message: 'Ingenting er endret. Prøv igjen om litt.',
    },
  },
};

const TEXTS: Record<Language, Texts> = { en, nb };

export function textsFor(language: Language): Texts {
  return TEXTS[language];
}

/** The best of our languages for an Accept-Language header (Norwegian variants → nb); English otherwise. */
export function pickLanguage(acceptLanguage: string | undefined): Language {
  if (!acceptLanguage) return 'en';
  const ranked = acceptLanguage
    .split(',')
    .map((entry, index) => {
      const [tag = '', ...params] = entry.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      const weight = q ? Number(q.slice(2)) : 1;
      return {
        primary: tag.trim().toLowerCase().split('-')[0] ?? '',
        weight: Number.isFinite(weight) ? weight : 0,
        index,
      };
    })
    .filter((e) => e.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.index - b.index);
  for (const { primary } of ranked) {
    if (primary === 'nb' || primary === 'no' || primary === 'nn') return 'nb';
    if (primary === 'en') return 'en';
  }
  return 'en';
}
