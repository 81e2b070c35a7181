// Job kinds of the notification emails and their payloads. Their handlers sit beside this file;
// the statements that queue the jobs import the kinds from here without loading the handlers.

/** Queued with readiness, one per owner with an address (whenReady in src/recording/store/statements.ts). */
export const EMAIL_SAVED_KIND = 'email.recording-saved';
/** The owner's access, by its id. */
export type RecordingSavedPayload = { accessId: string };

/** The reminder email before expiry, one job per owner access, queued by the expiry sweep (src/recording/store/expiry-statements.ts). */
export const EMAIL_EXPIRY_REMINDER_KIND = 'email.expiry-reminder';
/** The owner's access, by its id. */
export type ExpiryReminderPayload = { accessId: string };
