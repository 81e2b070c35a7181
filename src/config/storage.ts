import { concern } from './concern';
import { envInt, envString, envUrl, requireTogether } from './env-parsers';

/** The object storage (MinIO or S3) the recordings land in; undefined when not configured. */
export const storageConcern = concern(
  {
    AWS_S3_ENDPOINT_URL: envUrl(),
    AWS_S3_ACCESS_KEY_ID: envString(),
    AWS_S3_SECRET_ACCESS_KEY: envString(),
    AWS_S3_REGION_NAME: envString(),
    AWS_STORAGE_BUCKET_NAME: envString(),
    STORAGE_TIMEOUT_MS: envInt({ min: 100, max: 120000 }),
  },
  (env, ctx) =>
    requireTogether(ctx, env, ['AWS_S3_ENDPOINT_URL', 'AWS_S3_ACCESS_KEY_ID', 'AWS_S3_SECRET_ACCESS_KEY', 'AWS_STORAGE_BUCKET_NAME'], 'storage')
      ? {
          endpointUrl: env.AWS_S3_ENDPOINT_URL!,
          accessKeyId: env.AWS_S3_ACCESS_KEY_ID!,
          secretAccessKey: env.AWS_S3_SECRET_ACCESS_KEY!,
          region: env.AWS_S3_REGION_NAME ?? 'us-east-1',
          bucket: env.AWS_STORAGE_BUCKET_NAME!,
          timeoutMs: env.STORAGE_TIMEOUT_MS ?? 10000,
        }
      : undefined,
);
