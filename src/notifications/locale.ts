import { IANAZone } from 'luxon';

/** Languages the notification emails are translated into. */
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
 * Reads a BCP 47 tag (the OIDC `locale` claim). Some identity providers send POSIX-style
 * `fr_FR`, so underscores are accepted. Returns undefined for anything Intl rejects or for a
 * language we have no translation for.
 */
function parseLocale(value: string | null | undefined): ResolvedLocale | undefined {
  if (typeof value !== 'string') return undefined;
  const raw = value.trim().replace(/_/g, '-');
  if (raw === '' || raw.length > 64) return undefined;
  try {
    const tag = Intl.getCanonicalLocales(raw)[0];
    if (!tag) return undefined;
    const language = new Intl.Locale(tag).language.toLowerCase();
    if (!isEmailLanguage(language)) return undefined;
    // A region ICU does not know (e.g. `de-XX`) still formats fine, ICU falls back to `de`.
    return { language, formatLocale: tag };
  } catch {
    return undefined;
  }
}

/** The owner's language if we have it, else the default locale's, else English. */
export function resolveLocale(locale: string | null | undefined, defaultLocale: string): ResolvedLocale {
  return parseLocale(locale) ?? parseLocale(defaultLocale) ?? { language: 'en', formatLocale: 'en' };
}

function isValidZone(zone: string | null | undefined): zone is string {
  return typeof zone === 'string' && zone.trim() !== '' && IANAZone.isValidZone(zone.trim());
}

/** ICU's spelling of the zone (`utc` -> `UTC`), so emails show a tidy name. */
function canonicalZone(zone: string): string {
  return new Intl.DateTimeFormat('en', { timeZone: zone }).resolvedOptions().timeZone;
}

/** The owner's IANA zone if valid, else the default zone, else UTC. */
export function resolveTimezone(zone: string | null | undefined, defaultZone: string): string {
  if (isValidZone(zone)) return canonicalZone(zone.trim());
  if (isValidZone(defaultZone)) return canonicalZone(defaultZone.trim());
  return 'UTC';
}
