import i18next, { type i18n } from 'i18next';
import type { EmailLanguage } from '../locale';
import { de } from './de';
import { en, type EmailMessageKey } from './en';
import { fr } from './fr';
import { nl } from './nl';

const NAMESPACE = 'email';

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
      en: { [NAMESPACE]: en },
      fr: { [NAMESPACE]: fr },
      de: { [NAMESPACE]: de },
      nl: { [NAMESPACE]: nl },
    },
    lng: 'en',
    fallbackLng: 'en',
    supportedLngs: ['en', 'fr', 'de', 'nl'],
    ns: [NAMESPACE],
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
