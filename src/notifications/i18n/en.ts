/**
 * English texts of the emails ("recording saved", the reminder before expiry): the reference
 * set; every other language must define exactly these keys (checked by the EmailMessages type).
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
  recordedDuration: 'Recorded time',
  downloadButton: 'Download the recording',
  downloadLinkLead: 'Download the recording here:',
  downloadLinkFallback: 'If the button does not work, copy this link into your browser:',
  expiry: 'The recording will be available until {{date}} at {{time}}.',
  support: 'Questions? Contact us at {{email}}.',
  signature: 'The {{brand}} team',
  footer: 'You are receiving this email because you own this recording.',
  // The reminder before expiry (src/notifications/expiry-reminder-email.ts).
  reminderSubject: 'Your recording of “{{room}}” will be deleted on {{date}}',
  reminderPreheader: 'Download it in time if you still need it.',
  reminderIntro: 'The recording of the room “{{room}}” expires on {{date}} at {{time}}. Its files will then be deleted, and it can no longer be watched or downloaded.',
  reminderRecorded: 'Recorded',
  reminderExpires: 'Deleted on',
  reminderMoment: '{{date}} at {{time}}',
  reminderLinkLead: 'Watch or download it before then:',
  reminderButton: 'Open the recording',
  reminderKeep: 'You can keep this recording: make it permanent before that date and it will not be deleted.',
};

export type EmailMessages = { [K in keyof typeof en]: string };
export type EmailMessageKey = keyof EmailMessages;
