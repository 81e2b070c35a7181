import { IANAZone } from 'luxon';

/**
 * The one check of language tags and time zones, for settings (DEFAULT_LOCALE,
 * DEFAULT_TIMEZONE), JWT claims (`locale`, `zoneinfo`) and emails alike.
 */

/** A BCP 47 tag in canonical form (`fr_fr` and `fr-fr` give `fr-FR`), or null when Intl rejects it. */
export function canonicalLocale(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const raw = value.trim().replace(/_/g, '-');
  if (raw === '' || raw.length > 35) return null;
  try {
    return Intl.getCanonicalLocales(raw)[0] ?? null;
  } catch {
    return null;
  }
}

/** An IANA zone in ICU's spelling (`utc` gives `UTC`), or null when it is not one. */
export function canonicalZone(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const zone = value.trim();
  if (zone === '' || zone.length > 64 || !IANAZone.isValidZone(zone)) return null;
  return new Intl.DateTimeFormat('en', { timeZone: zone }).resolvedOptions().timeZone;
}
