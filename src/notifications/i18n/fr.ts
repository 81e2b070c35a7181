import type { EmailMessages } from './en';

/** French typography puts a (non-breaking) space before ":", "?" and inside « ». */
export const fr: EmailMessages = {
  subject: 'Votre enregistrement de « {{room}} » est prêt',
  preheader: 'L’enregistrement de {{room}} peut maintenant être téléchargé.',
  greeting: 'Bonjour {{name}},',
  greetingNoName: 'Bonjour,',
  intro: 'L’enregistrement de la salle « {{room}} » a été sauvegardé et peut être téléchargé.',
  labelSeparator: '\u00a0: ',
  room: 'Salle',
  date: 'Date',
  time: 'Heure',
  timeZone: 'Fuseau horaire',
  downloadButton: 'Télécharger l’enregistrement',
  downloadLinkLead: 'Téléchargez l’enregistrement ici\u00a0:',
  downloadLinkFallback: 'Si le bouton ne fonctionne pas, copiez ce lien dans votre navigateur\u00a0:',
  expiry: 'L’enregistrement sera disponible jusqu’au {{date}} à {{time}}.',
  support: 'Une question\u00a0? Écrivez-nous à {{email}}.',
  signature: 'L’équipe {{brand}}',
  footer: 'Vous recevez cet e-mail car vous êtes propriétaire de cet enregistrement.',
};
