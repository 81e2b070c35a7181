import { z } from 'zod';
import { concern } from './concern';
import { envBool, envString, issue } from './env-parsers';

/** MinIO/S3 bucket notifications: whether they save recordings, and the token they carry. */
export const storageEventsConcern = concern(
  {
    RECORDING_STORAGE_EVENT_ENABLE: envBool(true),
    RECORDING_ENABLE_STORAGE_EVENT_AUTH: envBool(true),
    RECORDING_STORAGE_EVENT_TOKEN: envString(),
    RECORDING_EVENT_PARSER: z
      .string()
      .optional()
      .transform((v) => (v ?? '').trim().toLowerCase() || 'minio')
      .pipe(z.enum(['minio', 'aws'])),
    // Read here only for the rule below: development mode (no JWT key) may run without a token.
    AUTH_JWT_SECRET: envString(),
    AUTH_JWT_PUBLIC_KEY: envString(),
  },
  (env, ctx) => {
    const devMode = !env.AUTH_JWT_SECRET && !env.AUTH_JWT_PUBLIC_KEY;
    if (env.RECORDING_STORAGE_EVENT_ENABLE && env.RECORDING_ENABLE_STORAGE_EVENT_AUTH && !env.RECORDING_STORAGE_EVENT_TOKEN && !devMode) {
      issue(ctx, 'RECORDING_STORAGE_EVENT_TOKEN', 'required while RECORDING_ENABLE_STORAGE_EVENT_AUTH is on (or set it to false)');
    }
    return {
      /** Off: LiveKit's egress_ended saves recordings instead. */
      enabled: env.RECORDING_STORAGE_EVENT_ENABLE,
      auth: env.RECORDING_ENABLE_STORAGE_EVENT_AUTH,
      token: env.RECORDING_STORAGE_EVENT_TOKEN,
      parser: env.RECORDING_EVENT_PARSER,
    };
  },
);
