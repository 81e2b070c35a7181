import { concern } from './concern';
import { envBool, envFolder, envInt, issue } from './env-parsers';

/** Where recordings are written, how long they may run and how long they are kept. */
export const recordingConcern = concern(
  {
    RECORDING_OUTPUT_FOLDER: envFolder('recordings'),
    RECORDING_MAX_DURATION: envInt({ min: 1000 }),
    RECORDING_EXPIRATION_DAYS: envInt({ min: 1, max: 36500 }),
    RECORDING_APPLY_BUCKET_LIFECYCLE: envBool(false),
    RECORDING_ALLOW_PERMANENT: envBool(false),
  },
  (env, ctx) => {
    if (env.RECORDING_APPLY_BUCKET_LIFECYCLE && !env.RECORDING_EXPIRATION_DAYS) {
      issue(ctx, 'RECORDING_EXPIRATION_DAYS', 'required when RECORDING_APPLY_BUCKET_LIFECYCLE is true');
    }
    return {
      /** Key prefix: `{outputFolder}/{recording id}.{ext}`. */
      outputFolder: env.RECORDING_OUTPUT_FOLDER,
      maxDurationMs: env.RECORDING_MAX_DURATION,
      /** Unset: recordings never expire. */
      expirationDays: env.RECORDING_EXPIRATION_DAYS,
      applyBucketLifecycle: env.RECORDING_APPLY_BUCKET_LIFECYCLE,
      /** Owners may make a recording permanent (`options.permanent`, PATCH `is_permanent`): it never expires. */
      allowPermanent: env.RECORDING_ALLOW_PERMANENT,
    };
  },
);
