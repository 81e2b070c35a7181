import type { Router } from 'express';
import { JibriStatusWebhook } from '../../recording/jibri-endpoints/status-webhook';
import { JibriUploadUrls } from '../../recording/jibri-endpoints/upload-url';
import type { AppContext } from '../../server/context';
import type { ObjectStorage } from '../../storage/object-storage';
import { jibriUploadUrlRouter } from './jibri-upload-url';
import { jibriWebhookRouter } from './jibri-webhook';

/** The Jibri endpoints (upload URLs for finalize.sh, the status webhook); they parse their own bodies. */
export function jibriRouters(ctx: AppContext, storage: ObjectStorage | undefined): Router[] {
  const uploads = new JibriUploadUrls(ctx.config, ctx.store, storage);
  const webhook = new JibriStatusWebhook(ctx.config.jibri.webhookToken, ctx.registry, ctx.store, ctx.metrics);
  return [jibriUploadUrlRouter(uploads), jibriWebhookRouter(webhook)];
}
