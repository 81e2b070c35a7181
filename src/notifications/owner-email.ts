import { emailTranslator } from './i18n';
import { optionalText, renderEmail, singleLine, toZoned, type EmailDefaults, type EmailLayout, type RenderedEmail } from './email-layout';
import { resolveLocale, resolveTimezone } from './locale';

/** What every email to one of a recording's owners is given about its reader and the recording. */
export interface OwnerEmailInput {
  /** The owner's BCP 47 locale (OIDC `locale`), e.g. `fr-FR`. */
  locale?: string | null;
  /** The owner's IANA zone (OIDC `zoneinfo`), e.g. `Europe/Paris`. */
  timezone?: string | null;
  recipientName?: string | null;
  room: string;
  recordedAt: Date;
  brandName: string;
  supportEmail?: string | null;
}

/** The parts of the layout each email words its own way; the rest is the same in every owner email. */
export type OwnEmailParts = Pick<EmailLayout, 'subject' | 'preheader' | 'intro' | 'details' | 'linkLead' | 'buttonLabel' | 'url' | 'notes'>;

/**
 * One owner's email: in the owner's language (falling back to the default locale, then
 * English) with dates in the owner's zone (falling back to the default). Gives the translator,
 * the room as one line, dates in that zone, and `render`, which adds the greeting, support,
 * signature and footer every owner email has.
 */
export function ownerEmail(input: OwnerEmailInput, defaults: EmailDefaults) {
  const { language, formatLocale } = resolveLocale(input.locale, defaults.locale);
  const timezone = resolveTimezone(input.timezone, defaults.timezone);
  const t = emailTranslator(language);
  const name = optionalText(input.recipientName);
  const supportEmail = optionalText(input.supportEmail);
  const brand = singleLine(input.brandName);
  return {
    t,
    formatLocale,
    room: singleLine(input.room),
    zoned: (moment: Date) => toZoned(moment, timezone, formatLocale),
    render(parts: OwnEmailParts): RenderedEmail {
      const { text, html } = renderEmail(
        {
          ...parts,
          language,
          greeting: name ? t('greeting', { name }) : t('greetingNoName'),
          labelSeparator: t('labelSeparator'),
          linkFallback: t('downloadLinkFallback'),
          url: parts.url.trim(),
          support: supportEmail ? { sentence: (marker) => t('support', { email: marker }), email: supportEmail } : undefined,
          signature: t('signature', { brand }),
          footer: t('footer'),
        },
        brand,
      );
      return { subject: parts.subject, text, html, locale: language, timezone, formatLocale };
    },
  };
}
