import { Duration } from 'luxon';
import { formatMoment, zoneLabel, type EmailDefaults, type RenderedEmail } from './email-layout';
import { ownerEmail, type OwnerEmailInput } from './owner-email';

/** A duration as words in the reader's language ("6 minutes, 12 seconds"), zero units left out. */
function spokenDuration(seconds: number, locale: string): string {
  const parts = Duration.fromMillis(Math.round(seconds) * 1000).shiftTo('hours', 'minutes', 'seconds').toObject();
  const shown = Object.fromEntries(Object.entries(parts).filter(([, n]) => n !== undefined && n > 0));
  return Duration.fromObject(Object.keys(shown).length ? shown : { seconds: 0 }, { locale }).toHuman();
}

export type { EmailDefaults, RenderedEmail } from './email-layout';

export interface RecordingSavedEmailInput extends OwnerEmailInput {
  downloadUrl: string;
  expiresAt: Date | null;
  /** Recorded time in seconds, for a recording that was paused (its segments summed); else absent. */
  recordedSeconds?: number | null;
}

/**
 * The "recording saved" email for one owner: in the owner's language (falling back to the
 * default locale, then English) with dates in the owner's zone (falling back to the default).
 */
export function renderRecordingSavedEmail(input: RecordingSavedEmailInput, defaults: EmailDefaults): RenderedEmail {
  const { t, formatLocale, room, zoned, render } = ownerEmail(input, defaults);
  const recordedAt = zoned(input.recordedAt);
  const recorded = formatMoment(recordedAt);
  const expiry = input.expiresAt ? formatMoment(zoned(input.expiresAt)) : undefined;
  return render({
    subject: t('subject', { room }),
    preheader: t('preheader', { room }),
    intro: t('intro', { room }),
    details: [
      [t('room'), room],
      [t('date'), recorded.date],
      [t('time'), recorded.time],
      [t('timeZone'), zoneLabel(recordedAt)],
      ...(input.recordedSeconds ? [[t('recordedDuration'), spokenDuration(input.recordedSeconds, formatLocale)] as [string, string]] : []),
    ],
    linkLead: t('downloadLinkLead'),
    buttonLabel: t('downloadButton'),
    url: input.downloadUrl,
    notes: expiry ? [t('expiry', { date: expiry.date, time: expiry.time })] : [],
  });
}
