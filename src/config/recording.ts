import { concern } from './concern';
import { envBool, envFolder, envInt, issue } from './env-parsers';

/** Where recordings are written, how long they may run and how long they are kept. */
export const recordingConcern = concern(
  {
    RECORDING_OUTPUT_FOLDER: envFolder('recordings'),
    RECORDING_MAX_DURATION: envInt({ min: 1000 }),
    RECORDING_MAX_DURATION_SECONDS: envInt({ min: 1 }),
    RECORDING_EXPIRATION_DAYS: envInt({ min: 1, max: 36500 }),
    RECORDING_APPLY_BUCKET_LIFECYCLE: envBool(false),
    RECORDING_ALLOW_PERMANENT: envBool(false),
    RECORDING_EXPIRY_REMINDER_DAYS: envInt({ min: 1, max: 36500 }),
    RECORDING_EXPIRY_SWEEP_INTERVAL_SECONDS: envInt({ min: 1, max: 86400 }),
  },
  (env, ctx) => {
    if (env.RECORDING_APPLY_BUCKET_LIFECYCLE && !env.RECORDING_EXPIRATION_DAYS) {
      issue(ctx, 'RECORDING_EXPIRATION_DAYS', 'required when RECORDING_APPLY_BUCKET_LIFECYCLE is true');
    }
    const reminderDays = env.RECORDING_EXPIRY_REMINDER_DAYS;
    if (reminderDays !== undefined && env.RECORDING_EXPIRATION_DAYS !== undefined && reminderDays >= env.RECORDING_EXPIRATION_DAYS) {
      issue(ctx, 'RECORDING_EXPIRY_REMINDER_DAYS', `must be less than RECORDING_EXPIRATION_DAYS (${env.RECORDING_EXPIRATION_DAYS})`);
    }
    return {
      /** Key prefix: `{outputFolder}/{recording id}.{ext}`. */
      outputFolder: env.RECORDING_OUTPUT_FOLDER,
      /** The shorter of RECORDING_MAX_DURATION (ms) and RECORDING_MAX_DURATION_SECONDS, which the reconciler and the sandbox also enforce; unset: no limit. */
      /** RECORDING_MAX_DURATION_SECONDS in ms: a job stops the recording at this age (it survives restarts). */
      maxDurationJobMs: env.RECORDING_MAX_DURATION_SECONDS === undefined ? undefined : env.RECORDING_MAX_DURATION_SECONDS * 1000,
      maxDurationMs: shorter(env.RECORDING_MAX_DURATION, env.RECORDING_MAX_DURATION_SECONDS === undefined ? undefined : env.RECORDING_MAX_DURATION_SECONDS * 1000),
      /** Unset: recordings never expire. */
      expirationDays: env.RECORDING_EXPIRATION_DAYS,
      applyBucketLifecycle: env.RECORDING_APPLY_BUCKET_LIFECYCLE,
      /** Owners may make a recording permanent (`options.permanent`, PATCH `is_permanent`): it never expires. */
      allowPermanent: env.RECORDING_ALLOW_PERMANENT,
      /** Owners are emailed this many days before expiry; unset: no reminder. */
      expiryReminderDays: reminderDays,
      /** How often the expiry sweep removes expired files and queues reminders (when anything expires). */
      expirySweepIntervalMs: (env.RECORDING_EXPIRY_SWEEP_INTERVAL_SECONDS ?? 300) * 1000,
    };
  },
);

function shorter(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  return b === undefined ? a : Math.min(a, b);
}
