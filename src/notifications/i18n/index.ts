import i18next, { type i18n } from 'i18next';
import type { EmailLanguage } from '../locale';
import { de } from './de';
import { en, type EmailMessageKey } from './en';
import { fr } from './fr';
import { nl } from './nl';
import { pageDe } from './page/de';
import { pageEn, type PageMessageKey } from './page/en';
import { pageFr } from './page/fr';
import { pageNl } from './page/nl';

const NAMESPACE = 'email';
/** The recording page's texts (src/pages/). */
const PAGE_NAMESPACE = 'page';

export type Translate = (key: EmailMessageKey, values?: Record<string, string>) => string;

let instance: i18n | undefined;

/**
 * A private i18next instance (never the library's global one), initialised once and
 * synchronously: the resources are bundled, so there is nothing to wait for.
 * Escaping is off here on purpose: the renderer escapes the whole translated string for
 * the HTML part, and the text part must stay unescaped.
 */
function translator(): i18n {
  if (instance) return instance;
  const created = i18next.createInstance();
  void created.init({
    initAsync: false,
    resources: {
      en: { [NAMESPACE]: en, [PAGE_NAMESPACE]: pageEn },
      fr: { [NAMESPACE]: fr, [PAGE_NAMESPACE]: pageFr },
      de: { [NAMESPACE]: de, [PAGE_NAMESPACE]: pageDe },
      nl: { [NAMESPACE]: nl, [PAGE_NAMESPACE]: pageNl },
    },
    lng: 'en',
    fallbackLng: 'en',
    supportedLngs: ['en', 'fr', 'de', 'nl'],
    ns: [NAMESPACE, PAGE_NAMESPACE],
    defaultNS: NAMESPACE,
    keySeparator: false,
    nsSeparator: false,
    returnNull: false,
    interpolation: { escapeValue: false, skipOnVariables: true },
  });
  instance = created;
  return created;
}

/** The translate function of one language, bound to the email namespace. */
export function emailTranslator(language: EmailLanguage): Translate {
  const t = translator().getFixedT(language, NAMESPACE);
  return (key, values) => String(t(key, values ?? {}));
}

export type PageTranslate = (key: PageMessageKey, values?: Record<string, string>) => string;

/** The translate function of one language, bound to the page namespace (the page's renderer escapes every string). */
export function pageTranslator(language: EmailLanguage): PageTranslate {
  const t = translator().getFixedT(language, PAGE_NAMESPACE);
  return (key, values) => String(t(key, values ?? {}));
}
