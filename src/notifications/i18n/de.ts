import type { EmailMessages } from './en';

export const de: EmailMessages = {
  subject: 'Ihre Aufnahme von „{{room}}“ ist bereit',
  preheader: 'Die Aufnahme von {{room}} kann jetzt heruntergeladen werden.',
  greeting: 'Hallo {{name}},',
  greetingNoName: 'Hallo,',
  intro: 'Die Aufnahme des Raums „{{room}}“ wurde gespeichert und steht zum Herunterladen bereit.',
  labelSeparator: ': ',
  room: 'Raum',
  date: 'Datum',
  time: 'Uhrzeit',
  timeZone: 'Zeitzone',
  downloadButton: 'Aufnahme herunterladen',
  downloadLinkLead: 'Hier können Sie die Aufnahme herunterladen:',
  downloadLinkFallback: 'Falls die Schaltfläche nicht funktioniert, kopieren Sie diesen Link in Ihren Browser:',
  expiry: 'Die Aufnahme ist bis {{date}} um {{time}} verfügbar.',
  support: 'Fragen? Schreiben Sie uns an {{email}}.',
  signature: 'Ihr {{brand}}-Team',
  footer: 'Sie erhalten diese E-Mail, weil Sie Eigentümer dieser Aufnahme sind.',
};
