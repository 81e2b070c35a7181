/**
 * English texts of the "recording saved" email: the reference set; every other language
 * must define exactly these keys (checked by the EmailMessages type).
 * Texts are plain text, never HTML: the renderer escapes them for the HTML part.
 */
export const en = {
  subject: 'Your recording of “{{room}}” is ready',
  preheader: 'The recording of {{room}} can now be downloaded.',
  greeting: 'Hello {{name}},',
  greetingNoName: 'Hello,',
  intro: 'The recording of the room “{{room}}” has been saved and is ready to download.',
  labelSeparator: ': ',
  room: 'Room',
  date: 'Date',
  time: 'Time',
  timeZone: 'Time zone',
  downloadButton: 'Download the recording',
  downloadLinkLead: 'Download the recording here:',
  downloadLinkFallback: 'If the button does not work, copy this link into your browser:',
  expiry: 'The recording will be available until {{date}} at {{time}}.',
  support: 'Questions? Contact us at {{email}}.',
  signature: 'The {{brand}} team',
  footer: 'You are receiving this email because you own this recording.',
};

export type EmailMessages = { [K in keyof typeof en]: string };
export type EmailMessageKey = keyof EmailMessages;
