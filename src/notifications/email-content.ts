import { DateTime } from 'luxon';
import { escapeHtml } from './html-escape';
import { emailTranslator, type Translate } from './i18n';
import { resolveLocale, resolveTimezone, type EmailLanguage } from './locale';

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
  brandName: string;
  supportEmail?: string | null;
}

export interface EmailDefaults {
  /** DEFAULT_LOCALE */
  locale: string;
  /** DEFAULT_TIMEZONE */
  timezone: string;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
  /** The language the email is written in (`en`, `fr`, `de`, `nl`). */
  locale: EmailLanguage;
  /** The IANA zone the dates are shown in. */
  timezone: string;
  /** The full tag dates were formatted with, e.g. `fr-FR`. */
  formatLocale: string;
}

interface FormattedMoment {
  date: string;
  time: string;
}

/** Drops control characters (CR/LF above all) that user input could smuggle into a header or layout. */
function singleLine(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim();
}

function optionalText(value: string | null | undefined): string | undefined {
  if (typeof value !== 'string') return undefined;
  const v = singleLine(value);
  return v === '' ? undefined : v;
}

function toZoned(moment: Date, zone: string, formatLocale: string): DateTime {
  const dt = DateTime.fromJSDate(moment, { zone }).setLocale(formatLocale);
  if (!dt.isValid) throw new TypeError('renderRecordingSavedEmail: invalid date');
  return dt;
}

function formatMoment(dt: DateTime): FormattedMoment {
  return { date: dt.toLocaleString(DateTime.DATE_HUGE), time: dt.toLocaleString(DateTime.TIME_SIMPLE) };
}

/** "Europe/Paris (UTC+02:00)", or just "UTC": the zone name plus the offset in force at that moment. */
function zoneLabel(dt: DateTime): string {
  if (dt.zoneName === 'UTC' || dt.zoneName === 'Etc/UTC') return 'UTC';
  return `${dt.zoneName} (UTC${dt.toFormat('ZZ')})`;
}

interface EmailParts {
  t: Translate;
  language: EmailLanguage;
  room: string;
  name: string | undefined;
  recorded: FormattedMoment;
  zone: string;
  expiry: FormattedMoment | undefined;
  downloadUrl: string;
  brand: string;
  supportEmail: string | undefined;
}

function greeting(p: EmailParts): string {
  return p.name ? p.t('greeting', { name: p.name }) : p.t('greetingNoName');
}

function details(p: EmailParts): [string, string][] {
  return [
    [p.t('room'), p.room],
    [p.t('date'), p.recorded.date],
    [p.t('time'), p.recorded.time],
    [p.t('timeZone'), p.zone],
  ];
}

function renderText(p: EmailParts): string {
  const sep = p.t('labelSeparator');
  const lines: string[] = [greeting(p), '', p.t('intro', { room: p.room }), ''];
  for (const [label, value] of details(p)) lines.push(`${label}${sep}${value}`);
  lines.push('', p.t('downloadLinkLead'), p.downloadUrl, '');
  if (p.expiry) lines.push(p.t('expiry', { date: p.expiry.date, time: p.expiry.time }), '');
  if (p.supportEmail) lines.push(p.t('support', { email: p.supportEmail }), '');
  lines.push(p.t('signature', { brand: p.brand }), '', '-- ', p.t('footer'));
  return lines.join('\n') + '\n';
}

const LINK_MARKER = '\u0000';
const FONT = 'font-family:Arial,Helvetica,sans-serif;';
const PARAGRAPH = `margin:0 0 16px 0;${FONT}font-size:15px;line-height:22px;color:#1f2328;`;

/**
 * Table layout with inline styles only: what email clients (Outlook included) render
 * reliably. Every translated string and value goes through escapeHtml, translations included.
 */
function renderHtml(p: EmailParts, subject: string): string {
  const e = escapeHtml;
  const href = e(p.downloadUrl);
  const rows = details(p)
    .map(
      ([label, value]) =>
        `<tr><td style="padding:4px 16px 4px 0;${FONT}font-size:14px;color:#57606a;vertical-align:top;">${e(label)}</td>` +
        `<td style="padding:4px 0;${FONT}font-size:14px;color:#1f2328;font-weight:bold;">${e(value)}</td></tr>`,
    )
    .join('\n');
  const expiry = p.expiry
    ? `<p style="${PARAGRAPH}">${e(p.t('expiry', { date: p.expiry.date, time: p.expiry.time }))}</p>\n`
    : '';
  // The address becomes a mailto link inside the translated sentence: translate around a
  // marker (a NUL, which singleLine() strips from every input), escape, then swap the marker.
  const support = p.supportEmail
    ? `<p style="${PARAGRAPH}">${e(p.t('support', { email: LINK_MARKER }))
        .split(LINK_MARKER)
        .join(`<a href="mailto:${e(p.supportEmail)}" style="color:#0b57d0;">${e(p.supportEmail)}</a>`)}</p>\n`
    : '';
  return `<!DOCTYPE html>
<html lang="${e(p.language)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(subject)}</title>
</head>
<body style="margin:0;padding:0;background-color:#f4f5f7;">
<div style="display:none;max-height:0;overflow:hidden;">${e(p.t('preheader', { room: p.room }))}</div>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:#f4f5f7;">
<tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" style="max-width:600px;width:100%;background-color:#ffffff;border-radius:6px;">
<tr><td style="padding:24px 32px 8px 32px;${FONT}font-size:18px;font-weight:bold;color:#1f2328;">${e(p.brand)}</td></tr>
<tr><td style="padding:16px 32px 8px 32px;">
<p style="${PARAGRAPH}">${e(greeting(p))}</p>
<p style="${PARAGRAPH}">${e(p.t('intro', { room: p.room }))}</p>
<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:0 0 20px 0;">
${rows}
</table>
<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:0 0 20px 0;">
<tr><td style="border-radius:4px;background-color:#0b57d0;">
<a href="${href}" style="display:inline-block;padding:12px 24px;${FONT}font-size:15px;font-weight:bold;color:#ffffff;text-decoration:none;">${e(p.t('downloadButton'))}</a>
</td></tr>
</table>
<p style="margin:0 0 4px 0;${FONT}font-size:13px;line-height:20px;color:#57606a;">${e(p.t('downloadLinkFallback'))}</p>
<p style="margin:0 0 20px 0;${FONT}font-size:13px;line-height:20px;word-break:break-all;"><a href="${href}" style="color:#0b57d0;">${href}</a></p>
${expiry}${support}<p style="${PARAGRAPH}">${e(p.t('signature', { brand: p.brand }))}</p>
</td></tr>
<tr><td style="padding:8px 32px 24px 32px;${FONT}font-size:12px;line-height:18px;color:#8c959f;">${e(p.t('footer'))}</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`;
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
  const parts: EmailParts = {
    t,
    language,
    room: singleLine(input.room),
    name: optionalText(input.recipientName),
    recorded: formatMoment(recordedAt),
    zone: zoneLabel(recordedAt),
    expiry: input.expiresAt ? formatMoment(toZoned(input.expiresAt, timezone, formatLocale)) : undefined,
    downloadUrl: input.downloadUrl.trim(),
    brand: singleLine(input.brandName),
    supportEmail: optionalText(input.supportEmail),
  };
  const subject = t('subject', { room: parts.room });
  return { subject, text: renderText(parts), html: renderHtml(parts, subject), locale: language, timezone, formatLocale };
}
