import { canonicalLocale, canonicalZone } from '../util/intl';

/** Languages the emails and pages are translated into. */
export const EMAIL_LANGUAGES = ['en', 'fr', 'de', 'nl'] as const;
export type EmailLanguage = (typeof EMAIL_LANGUAGES)[number];

export interface ResolvedLocale {
  /** The translation language, e.g. `fr`. */
  language: EmailLanguage;
  /** The full tag used to format dates and times, e.g. `fr-FR` (or `fr-BE`, ...). */
  formatLocale: string;
}

function isEmailLanguage(value: string): value is EmailLanguage {
  return (EMAIL_LANGUAGES as readonly string[]).includes(value);
}

/**
 * Reads a BCP 47 tag (the OIDC `locale` claim; POSIX-style `fr_FR` too). Undefined for
 * anything Intl rejects or for a language we have no translation for.
 */
function parseLocale(value: string | null | undefined): ResolvedLocale | undefined {
  const tag = canonicalLocale(value);
  if (!tag) return undefined;
  const language = new Intl.Locale(tag).language.toLowerCase();
  // A region ICU does not know (e.g. `de-XX`) still formats fine, ICU falls back to `de`.
  return isEmailLanguage(language) ? { language, formatLocale: tag } : undefined;
}

/** The user's language if we have it, else the default locale's, else English. */
export function resolveLocale(locale: string | null | undefined, defaultLocale: string): ResolvedLocale {
  return parseLocale(locale) ?? parseLocale(defaultLocale) ?? { language: 'en', formatLocale: 'en' };
}

/** The user's IANA zone if valid, else the default zone, else UTC. */
export function resolveTimezone(zone: string | null | undefined, defaultZone: string): string {
  return canonicalZone(zone) ?? canonicalZone(defaultZone) ?? 'UTC';
}
