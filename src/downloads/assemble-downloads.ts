import type { Router } from 'express';
import { downloadLinkRouter, mediaAuthRouter } from '../api/routes/downloads';
import { childLogger } from '../logging/logger';
import type { AppContext } from '../server/context';
import { applyRecordingLifecycle } from '../storage/bucket-lifecycle';
import type { ObjectStorage } from '../storage/object-storage';
import { DownloadSecret } from './download-secret';
import { MediaAuthorizer } from './media-authorizer';

const log = childLogger('downloads');

export interface DownloadParts {
  /** media-auth: before the JSON parser (it never reads a body) and before the /recordings/{id} routes. */
  rawRouters: Router[];
  /** download-link. */
  routers: Router[];
  /** Reads the download-link key and sets the bucket lifecycle rule; never throws. */
  onStart(): Promise<void>;
  secret: DownloadSecret;
}

/** Everything the downloads concern adds to the service (SPEC.md, Downloads). */
export function assembleDownloads(ctx: AppContext, storage: ObjectStorage | undefined): DownloadParts {
  const secret = new DownloadSecret(ctx.config, ctx.dataSource);
  const authorizer = new MediaAuthorizer(ctx.config, ctx.dataSource, ctx.verifier, secret);

  const onStart = async (): Promise<void> => {
    try {
      await secret.get();
    } catch (err) {
      log.warn({ err: err instanceof Error ? err.message : String(err) }, 'download-link key not loaded yet; will retry on first use');
    }
    const { applyBucketLifecycle, expirationDays, outputFolder } = ctx.config.recording;
    if (!applyBucketLifecycle || !expirationDays) return;
    if (!storage) {
      log.warn('RECORDING_APPLY_BUCKET_LIFECYCLE is true but the storage is not configured: no lifecycle rule set');
      return;
    }
    const outcome = await applyRecordingLifecycle(
      { client: storage.client, bucket: storage.bucket },
      { outputFolder, expirationDays, timeoutMs: ctx.config.storageTimeoutMs },
    );
    if (outcome.result === 'refused') {
      log.warn(
        { bucket: storage.bucket, stage: outcome.stage, reason: outcome.reason },
        `storage refused the bucket lifecycle rule: objects under ${outputFolder}/ will NOT be deleted after ${expirationDays} days ` +
          '(expired recordings are still refused for download); set an expiry rule on the bucket yourself',
      );
    } else {
      log.info({ bucket: storage.bucket, result: outcome.result, days: expirationDays, prefix: `${outputFolder}/` }, 'bucket lifecycle rule in place');
    }
  };

  return {
    rawRouters: [mediaAuthRouter(ctx, authorizer)],
    routers: [downloadLinkRouter(ctx, secret)],
    onStart,
    secret,
  };
}
