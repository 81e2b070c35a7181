import { emailTranslator } from './i18n';
import { formatMoment, optionalText, renderEmail, singleLine, toZoned, zoneLabel, type EmailDefaults, type RenderedEmail } from './email-layout';
import { resolveLocale, resolveTimezone } from './locale';

export interface ExpiryReminderEmailInput {
  /** The owner's BCP 47 locale (OIDC `locale`), e.g. `fr-FR`. */
  locale?: string | null;
  /** The owner's IANA zone (OIDC `zoneinfo`), e.g. `Europe/Paris`. */
  timezone?: string | null;
  recipientName?: string | null;
  room: string;
  recordedAt: Date;
  /** When the recording expires and its files are deleted. */
  expiresAt: Date;
  /** `{RECORDING_DOWNLOAD_BASE_URL}/{id}`, as in the "recording saved" email. */
  url: string;
  /** RECORDING_ALLOW_PERMANENT: the email says the owner can keep the recording. */
  canKeep: boolean;
  brandName: string;
  supportEmail?: string | null;
}

/**
 * The reminder an owner gets before a recording expires: when it will be deleted (date and
 * time in the owner's zone), the link, and, where the operator allows permanent recordings,
 * that the owner can keep it. Same languages, fallbacks and layout as the "recording saved" email.
 */
export function renderExpiryReminderEmail(input: ExpiryReminderEmailInput, defaults: EmailDefaults): RenderedEmail {
  const { language, formatLocale } = resolveLocale(input.locale, defaults.locale);
  const timezone = resolveTimezone(input.timezone, defaults.timezone);
  const t = emailTranslator(language);

  const expiresAt = toZoned(input.expiresAt, timezone, formatLocale);
  const expiry = formatMoment(expiresAt);
  const recorded = formatMoment(toZoned(input.recordedAt, timezone, formatLocale));
  const room = singleLine(input.room);
  const name = optionalText(input.recipientName);
  const supportEmail = optionalText(input.supportEmail);
  const brand = singleLine(input.brandName);
  const subject = t('reminderSubject', { room, date: expiry.date });
  const { text, html } = renderEmail(
    {
      language,
      subject,
      preheader: t('reminderPreheader'),
      greeting: name ? t('greeting', { name }) : t('greetingNoName'),
      intro: t('reminderIntro', { room, date: expiry.date, time: expiry.time }),
      details: [
        [t('room'), room],
        [t('reminderRecorded'), t('reminderMoment', { date: recorded.date, time: recorded.time })],
        [t('reminderExpires'), t('reminderMoment', { date: expiry.date, time: expiry.time })],
        // The offset in force at the expiry, the date this email is about.
        [t('timeZone'), zoneLabel(expiresAt)],
      ],
      labelSeparator: t('labelSeparator'),
      linkLead: t('reminderLinkLead'),
      buttonLabel: t('reminderButton'),
      linkFallback: t('downloadLinkFallback'),
      url: input.url.trim(),
      notes: input.canKeep ? [t('reminderKeep')] : [],
      support: supportEmail ? { sentence: (marker) => t('support', { email: marker }), email: supportEmail } : undefined,
      signature: t('signature', { brand }),
      footer: t('footer'),
    },
    brand,
  );
  return { subject, text, html, locale: language, timezone, formatLocale };
}
