import { DateTime } from 'luxon';
import { escapeHtml } from './html-escape';
import type { EmailLanguage } from './locale';

/**
 * What every email of the service shares: the checks on user-given text, dates in the
 * reader's zone, and one layout (greeting, an introduction, a table of details, a button with
 * the link, a few paragraphs, support, signature, footer) as plain text and as HTML.
 */

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

export interface FormattedMoment {
  date: string;
  time: string;
}

/** Drops control characters (CR/LF above all) that user input could smuggle into a header or layout. */
export function singleLine(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim();
}

export function optionalText(value: string | null | undefined): string | undefined {
  if (typeof value !== 'string') return undefined;
  const v = singleLine(value);
  return v === '' ? undefined : v;
}

export function toZoned(moment: Date, zone: string, formatLocale: string): DateTime {
  const dt = DateTime.fromJSDate(moment, { zone }).setLocale(formatLocale);
  if (!dt.isValid) throw new TypeError('email: invalid date');
  return dt;
}

export function formatMoment(dt: DateTime): FormattedMoment {
  return { date: dt.toLocaleString(DateTime.DATE_HUGE), time: dt.toLocaleString(DateTime.TIME_SIMPLE) };
}

/** "Europe/Paris (UTC+02:00)", or just "UTC": the zone name plus the offset in force at that moment. */
export function zoneLabel(dt: DateTime): string {
  if (dt.zoneName === 'UTC' || dt.zoneName === 'Etc/UTC') return 'UTC';
  return `${dt.zoneName} (UTC${dt.toFormat('ZZ')})`;
}

/** One email's translated content, laid out by renderEmail. Every string is plain text. */
export interface EmailLayout {
  language: EmailLanguage;
  subject: string;
  /** The hidden line mail clients show after the subject. */
  preheader: string;
  greeting: string;
  intro: string;
  /** Label and value rows (room, dates, ...). */
  details: [string, string][];
  labelSeparator: string;
  /** Text before the bare link in the plain-text part. */
  linkLead: string;
  /** The button of the HTML part. */
  buttonLabel: string;
  /** Under the button: the link to copy when the button does not work. */
  linkFallback: string;
  url: string;
  /** Paragraphs after the link (expiry, what the reader can do). */
  notes: string[];
  /** The sentence with `{{email}}` already replaced by `marker`, and the address; unset when there is no support address. */
  support?: { sentence: (marker: string) => string; email: string };
  signature: string;
  footer: string;
}

function renderText(l: EmailLayout): string {
  const lines: string[] = [l.greeting, '', l.intro, ''];
  for (const [label, value] of l.details) lines.push(`${label}${l.labelSeparator}${value}`);
  lines.push('', l.linkLead, l.url, '');
  for (const note of l.notes) lines.push(note, '');
  if (l.support) lines.push(l.support.sentence(l.support.email), '');
  lines.push(l.signature, '', '-- ', l.footer);
  return lines.join('\n') + '\n';
}

const LINK_MARKER = '\u0000';
const FONT = 'font-family:Arial,Helvetica,sans-serif;';
const PARAGRAPH = `margin:0 0 16px 0;${FONT}font-size:15px;line-height:22px;color:#1f2328;`;

/**
 * Table layout with inline styles only: what email clients (Outlook included) render
 * reliably. Every translated string and value goes through escapeHtml, translations included.
 */
function renderHtml(l: EmailLayout, brand: string): string {
  const e = escapeHtml;
  const href = e(l.url);
  const rows = l.details
    .map(
      ([label, value]) =>
        `<tr><td style="padding:4px 16px 4px 0;${FONT}font-size:14px;color:#57606a;vertical-align:top;">${e(label)}</td>` +
        `<td style="padding:4px 0;${FONT}font-size:14px;color:#1f2328;font-weight:bold;">${e(value)}</td></tr>`,
    )
    .join('\n');
  const notes = l.notes.map((note) => `<p style="${PARAGRAPH}">${e(note)}</p>\n`).join('');
  // The address becomes a mailto link inside the translated sentence: translate around a
  // marker (a NUL, which singleLine() strips from every input), escape, then swap the marker.
  const support = l.support
    ? `<p style="${PARAGRAPH}">${e(l.support.sentence(LINK_MARKER))
        .split(LINK_MARKER)
        .join(`<a href="mailto:${e(l.support.email)}" style="color:#0b57d0;">${e(l.support.email)}</a>`)}</p>\n`
    : '';
  return `<!DOCTYPE html>
<html lang="${e(l.language)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(l.subject)}</title>
</head>
<body style="margin:0;padding:0;background-color:#f4f5f7;">
<div style="display:none;max-height:0;overflow:hidden;">${e(l.preheader)}</div>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:#f4f5f7;">
<tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" style="max-width:600px;width:100%;background-color:#ffffff;border-radius:6px;">
<tr><td style="padding:24px 32px 8px 32px;${FONT}font-size:18px;font-weight:bold;color:#1f2328;">${e(brand)}</td></tr>
<tr><td style="padding:16px 32px 8px 32px;">
<p style="${PARAGRAPH}">${e(l.greeting)}</p>
<p style="${PARAGRAPH}">${e(l.intro)}</p>
<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:0 0 20px 0;">
${rows}
</table>
<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:0 0 20px 0;">
<tr><td style="border-radius:4px;background-color:#0b57d0;">
<a href="${href}" style="display:inline-block;padding:12px 24px;${FONT}font-size:15px;font-weight:bold;color:#ffffff;text-decoration:none;">${e(l.buttonLabel)}</a>
</td></tr>
</table>
<p style="margin:0 0 4px 0;${FONT}font-size:13px;line-height:20px;color:#57606a;">${e(l.linkFallback)}</p>
<p style="margin:0 0 20px 0;${FONT}font-size:13px;line-height:20px;word-break:break-all;"><a href="${href}" style="color:#0b57d0;">${href}</a></p>
${notes}${support}<p style="${PARAGRAPH}">${e(l.signature)}</p>
</td></tr>
<tr><td style="padding:8px 32px 24px 32px;${FONT}font-size:12px;line-height:18px;color:#8c959f;">${e(l.footer)}</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`;
}

/** The text and HTML parts of one email; `brand` heads the HTML part. */
export function renderEmail(layout: EmailLayout, brand: string): { text: string; html: string } {
  return { text: renderText(layout), html: renderHtml(layout, brand) };
}
