import { formatMoment, zoneLabel, type EmailDefaults, type RenderedEmail } from './email-layout';
import { ownerEmail, type OwnerEmailInput } from './owner-email';

export interface ExpiryReminderEmailInput extends OwnerEmailInput {
  /** When the recording expires and its files are deleted. */
  expiresAt: Date;
  /** `{RECORDING_DOWNLOAD_BASE_URL}/{id}`, as in the "recording saved" email. */
  url: string;
  /** RECORDING_ALLOW_PERMANENT: the email says the owner can keep the recording. */
  canKeep: boolean;
}

/**
 * The reminder an owner gets before a recording expires: when it will be deleted (date and
 * time in the owner's zone), the link, and, where the operator allows permanent recordings,
 * that the owner can keep it. Same languages, fallbacks and layout as the "recording saved" email.
 */
export function renderExpiryReminderEmail(input: ExpiryReminderEmailInput, defaults: EmailDefaults): RenderedEmail {
  const { t, room, zoned, render } = ownerEmail(input, defaults);
  const expiresAt = zoned(input.expiresAt);
  const expiry = formatMoment(expiresAt);
  const recorded = formatMoment(zoned(input.recordedAt));
  return render({
    subject: t('reminderSubject', { room, date: expiry.date }),
    preheader: t('reminderPreheader'),
    intro: t('reminderIntro', { room, date: expiry.date, time: expiry.time }),
    details: [
      [t('room'), room],
      [t('reminderRecorded'), t('reminderMoment', { date: recorded.date, time: recorded.time })],
      [t('reminderExpires'), t('reminderMoment', { date: expiry.date, time: expiry.time })],
      // The offset in force at the expiry, the date this email is about.
      [t('timeZone'), zoneLabel(expiresAt)],
    ],
    linkLead: t('reminderLinkLead'),
    buttonLabel: t('reminderButton'),
    url: input.url,
    notes: input.canKeep ? [t('reminderKeep')] : [],
  });
}
