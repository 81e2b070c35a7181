// Job kinds of retention (retention-tag-job.ts, expire-files-job.ts), apart from their handlers
// so that the statements that queue them need not load the handlers.

/** Queued with readiness and when a recording is made non-permanent (src/recording/store/statements.ts); no payload. */
export const RETENTION_TAG_KIND = 'storage.retention-tag';

/** One job per expired recording, queued by the expiry sweep (src/recording/store/expiry-statements.ts); no payload. */
export const EXPIRE_FILES_KIND = 'storage.expire-files';
