import type { EmailMessages } from './en';

export const nl: EmailMessages = {
  subject: 'Uw opname van “{{room}}” is klaar',
  preheader: 'De opname van {{room}} kan nu worden gedownload.',
  greeting: 'Hallo {{name}},',
  greetingNoName: 'Hallo,',
  intro: 'De opname van de ruimte “{{room}}” is opgeslagen en kan worden gedownload.',
  labelSeparator: ': ',
  room: 'Ruimte',
  date: 'Datum',
  time: 'Tijd',
  timeZone: 'Tijdzone',
  downloadButton: 'Opname downloaden',
  downloadLinkLead: 'Download de opname hier:',
  downloadLinkFallback: 'Werkt de knop niet? Kopieer deze link naar uw browser:',
  expiry: 'De opname is beschikbaar tot {{date}} om {{time}}.',
  support: 'Vragen? Mail ons via {{email}}.',
  signature: 'Het {{brand}}-team',
  footer: 'U ontvangt deze e-mail omdat u eigenaar bent van deze opname.',
};
