import { Duration } from 'luxon';
import { emailTranslator } from './i18n';
import { formatMoment, optionalText, renderEmail, singleLine, toZoned, zoneLabel, type EmailDefaults, type RenderedEmail } from './email-layout';
import { resolveLocale, resolveTimezone } from './locale';

/** A duration as words in the reader's language ("6 minutes, 12 seconds"), zero units left out. */
function spokenDuration(seconds: number, locale: string): string {
  const parts = Duration.fromMillis(Math.round(seconds) * 1000).shiftTo('hours', 'minutes', 'seconds').toObject();
  const shown = Object.fromEntries(Object.entries(parts).filter(([, n]) => n !== undefined && n > 0));
  return Duration.fromObject(Object.keys(shown).length ? shown : { seconds: 0 }, { locale }).toHuman();
}

export type { EmailDefaults, RenderedEmail } from './email-layout';

export interface RecordingSavedEmailInput {
  /** The owner's BCP 47 locale (OIDC `locale`), e.g. `fr-FR`. */
  locale?: string | null;
  /** The owner's IANA zone (OIDC `zoneinfo`), e.g. `Europe/Paris`. */
  timezone?: string | null;
  recipientName?: string | null;
  room: string;
  recordedAt: Date;
  downloadUrl: string;
  expiresAt: Date | null;
  /** Recorded time in seconds, for a recording that was paused (its segments summed); else absent. */
  recordedSeconds?: number | null;
  brandName: string;
  supportEmail?: string | null;
}

/**
 * The "recording saved" email for one owner: in the owner's language (falling back to the
 * default locale, then English) with dates in the owner's zone (falling back to the default).
 */
export function renderRecordingSavedEmail(input: RecordingSavedEmailInput, defaults: EmailDefaults): RenderedEmail {
  const { language, formatLocale } = resolveLocale(input.locale, defaults.locale);
  const timezone = resolveTimezone(input.timezone, defaults.timezone);
  const t = emailTranslator(language);

  const recordedAt = toZoned(input.recordedAt, timezone, formatLocale);
  const recorded = formatMoment(recordedAt);
  const room = singleLine(input.room);
  const name = optionalText(input.recipientName);
  const expiry = input.expiresAt ? formatMoment(toZoned(input.expiresAt, timezone, formatLocale)) : undefined;
  const supportEmail = optionalText(input.supportEmail);
  const brand = singleLine(input.brandName);
  const subject = t('subject', { room });
  const { text, html } = renderEmail(
    {
      language,
      subject,
      preheader: t('preheader', { room }),
      greeting: name ? t('greeting', { name }) : t('greetingNoName'),
      intro: t('intro', { room }),
      details: [
        [t('room'), room],
        [t('date'), recorded.date],
        [t('time'), recorded.time],
        [t('timeZone'), zoneLabel(recordedAt)],
        ...(input.recordedSeconds ? [[t('recordedDuration'), spokenDuration(input.recordedSeconds, formatLocale)] as [string, string]] : []),
      ],
      labelSeparator: t('labelSeparator'),
      linkLead: t('downloadLinkLead'),
      buttonLabel: t('downloadButton'),
      linkFallback: t('downloadLinkFallback'),
      url: input.downloadUrl.trim(),
      notes: expiry ? [t('expiry', { date: expiry.date, time: expiry.time })] : [],
      support: supportEmail ? { sentence: (marker) => t('support', { email: marker }), email: supportEmail } : undefined,
      signature: t('signature', { brand }),
      footer: t('footer'),
    },
    brand,
  );
  return { subject, text, html, locale: language, timezone, formatLocale };
}
