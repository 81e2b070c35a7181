import type { DataSource } from 'typeorm';
import type { AppParts } from '../api/app';
import { jibriRouters } from '../api/routes/jibri-routers';
import { livekitWebhookRouter } from '../api/routes/livekit-webhook';
import { storageHookRouter } from '../api/routes/storage-hook';
import type { AppConfig } from '../config/config';
import { assembleDownloads } from '../downloads/assemble-downloads';
import { childLogger } from '../logging/logger';
import { NotificationSender } from '../notifications/notification-sender';
import { createSmtpTransport } from '../notifications/smtp-transport';
import { LivekitEventHandler } from '../recording/events/livekit-events';
import { Reconciler } from '../recording/reconciler/reconciler';
import { StorageHook } from '../storage/events/storage-hook';
import { createObjectStorage } from '../storage/object-storage';
import { IntervalJob, type BackgroundJob } from './background-job';
import { buildContext, type ContextOptions } from './build-context';
import type { AppContext } from './context';

const log = childLogger('jobs');

export interface Assembled {
  ctx: AppContext;
  app: AppParts;
  jobs: BackgroundJob[];
  onStart?: () => Promise<void>;
  onStop?: () => Promise<void>;
}

/** Wires the context, the routers and the background jobs of each concern. */
export function assembleParts(
  config: AppConfig,
  dataSource: DataSource,
  options: ContextOptions & { embeddedDatabase?: boolean } = {},
): Assembled {
  const storage = createObjectStorage(config);
  const ctx = buildContext(config, dataSource, { objectRemover: storage, ...options });

  const transport = createSmtpTransport(config.email);
  const sender = new NotificationSender(dataSource, transport, config, ctx.metrics);
  const emailJob = new IntervalJob('email-outbox', config.email.pollIntervalMs, () => sender.deliverDue().then(() => undefined), (err) =>
    log.error({ job: 'email-outbox', err: err instanceof Error ? err.message : String(err) }, 'job run failed'),
  );
  const kickEmails = () => emailJob.kick();

  const storageHook = new StorageHook(config, dataSource, ctx.metrics, kickEmails);
  const livekitEvents = new LivekitEventHandler(config, dataSource, ctx.store, kickEmails);
  const downloads = assembleDownloads(ctx, storage);
  const reconciler = new Reconciler(config, dataSource, ctx.store, ctx.registry, ctx.mediator, storage, ctx.metrics, kickEmails, !options.embeddedDatabase);
  const reconcileJob = new IntervalJob('reconciler', config.reconcile.intervalMs, () => reconciler.run(), (err) =>
    log.error({ job: 'reconciler', err: err instanceof Error ? err.message : String(err) }, 'job run failed'),
  );

  return {
    ctx,
    app: {
      rawRouters: [
        storageHookRouter(storageHook),
        livekitWebhookRouter(config.livekit, livekitEvents, ctx.metrics),
        ...downloads.rawRouters,
        ...jibriRouters(ctx, storage),
      ],
      routers: [...downloads.routers],
      readinessChecks: storage
        ? [
            {
              name: 'storage',
              check: async () => {
                if (!(await storage.bucketExists())) throw new Error('bucket missing');
              },
            },
          ]
        : [],
    },
    jobs: transport ? [emailJob, reconcileJob] : [reconcileJob],
    onStart: downloads.onStart,
    onStop: async () => {
      transport?.close();
    },
  };
}
