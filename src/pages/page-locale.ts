import { DateTime } from 'luxon';
import { EMAIL_LANGUAGES, resolveLocale, type ResolvedLocale } from '../notifications/locale';
import { canonicalLocale } from '../util/intl';

/**
 * The page's language from `Accept-Language` (the tags in order of preference, as Express's
 * req.acceptsLanguages() lists them): the first one we have a translation for, with its full
 * tag for dates (`fr-BE` formats like Belgians write); else DEFAULT_LOCALE, else English.
 */
export function pageLocale(accepted: readonly string[], defaultLocale: string): ResolvedLocale {
  for (const raw of accepted) {
    const tag = raw === '*' ? null : canonicalLocale(raw);
    if (!tag) continue;
    const language = new Intl.Locale(tag).language.toLowerCase();
    if ((EMAIL_LANGUAGES as readonly string[]).includes(language)) return resolveLocale(tag, defaultLocale);
  }
  return resolveLocale(null, defaultLocale);
}

export interface FormattedMoment {
  date: string;
  time: string;
  /** "Europe/Paris (UTC+02:00)" or "UTC". */
  zone: string;
  iso: string;
}

/** A moment as the page writes it, in `zone` and the viewer's language. */
export function formatMoment(moment: Date, zone: string, formatLocale: string): FormattedMoment {
  let dt = DateTime.fromJSDate(moment, { zone }).setLocale(formatLocale);
  if (!dt.isValid) dt = DateTime.fromJSDate(moment, { zone: 'UTC' }).setLocale(formatLocale);
  const utc = dt.zoneName === 'UTC' || dt.zoneName === 'Etc/UTC';
  return {
    date: dt.toLocaleString(DateTime.DATE_HUGE),
    time: dt.toLocaleString(DateTime.TIME_SIMPLE),
    zone: utc ? 'UTC' : `${dt.zoneName} (UTC${dt.toFormat('ZZ')})`,
    iso: moment.toISOString(),
  };
}
