import express, { type Express } from 'express';
import type { OidcSignIn } from '../auth/oidc-sign-in';
import type { PageSessions } from '../auth/page-session';
import type { TokenVerifier } from '../auth/token-verifier';
import type { AppConfig } from '../config/config';
import type { DownloadSecret } from '../downloads/download-secret';
import type { MediaAuthorizer } from '../downloads/media-authorizer';
import type { Metrics } from '../metrics/metrics';
import type { JibriStatusWebhook } from '../recording/events/jibri-status';
import type { LivekitEventHandler } from '../recording/events/livekit-events';
import type { StorageEvents } from '../recording/events/storage-events';
import type { JibriUploadUrls } from '../recording/jibri-uploads';
import type { RecordingPages } from '../pages/recording-page';
import type { RecordingService } from '../recording/recording-service';
import type { RecordingPermanence } from '../recording/retention/permanence';
import type { ShareLinkService } from '../recording/share-links';
import type { RecordingStatus } from '../recording/status';
import type { RoomsService } from '../rooms/rooms-service';
import { errorHandler } from './error-handler';
import { HttpError } from './http-errors';
import { httpMetrics } from './http-metrics';
import { downloadLinkRouter, MEDIA_AUTH_ROUTE, mediaAuthHandler } from './routes/downloads';
import { healthRouter, type ReadinessCheck } from './routes/health';
import { jibriUploadUrlRouter } from './routes/jibri-upload-url';
import { jibriWebhookRouter } from './routes/jibri-webhook';
import { livekitWebhookRouter } from './routes/livekit-webhook';
import { metricsRouter } from './routes/metrics';
import { oidcRouter } from './routes/oidc';
import { openapiRouter } from './routes/openapi';
import { recordingPageRouter } from './routes/recording-page';
import { recordingsRouter } from './routes/recordings';
import { roomActivityRouter } from './routes/room-activity';
import { notePolicyAuthors } from './note-policy-authors';
import { roomsRouter } from './routes/rooms';
import { shareLinksRouter } from './routes/share-links';
import { storageHookRouter } from './routes/storage-hook';
import { webhookRateLimit } from './webhook-rate-limit';

export const JSON_BODY_LIMIT = '64kb';

/** Endpoints that anyone can reach before any credential check: limited per source address. */
const UNAUTHENTICATED_WEBHOOKS = [
  '/api/v1.0/recordings/storage-hook',
  '/api/v1.0/rooms/webhooks-livekit',
  '/api/v1.0/rooms/webhooks-jibri',
];

/** What the HTTP layer needs from the rest of the service; src/server/compose.ts builds it. */
export interface ApiDeps {
  config: AppConfig;
  verifier: TokenVerifier;
  metrics: Metrics;
  recordings: RecordingService;
  /** Room activity, live recording and recording policy (src/rooms). */
  rooms: RoomsService;
  permanence: RecordingPermanence;
  mediaAuthorizer: MediaAuthorizer;
  downloadSecret: DownloadSecret;
  storageEvents: StorageEvents;
  livekitEvents: LivekitEventHandler;
  jibriWebhook: JibriStatusWebhook;
  jibriUploads: JibriUploadUrls;
  shareLinks: ShareLinkService;
  recordingPages: RecordingPages;
  /** Sign-in sessions of the recording page; absent without OIDC_* settings. */
  pageSessions?: PageSessions;
  oidc?: OidcSignIn;
  readinessChecks: ReadinessCheck[];
  /** Recordings by status, read at scrape time for /metrics. */
  countByStatus(): Promise<{ status: RecordingStatus; n: number }[]>;
}

/** The HTTP application. Routes match with or without a trailing slash (Express's non-strict routing). */
export function createApp(deps: ApiDeps): Express {
  const { config } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  if (config.server.trustProxy !== undefined) app.set('trust proxy', config.server.trustProxy);
  // nginx's auth_request, once per Range request of every player: first, past nothing it does
  // not need (it observes its own latency, reads no body, and no other route shares its path).
  app.all(MEDIA_AUTH_ROUTE, mediaAuthHandler(deps.mediaAuthorizer, deps.metrics, config.downloads.mediaAuthSecret));
  app.use(httpMetrics(deps.metrics));

  app.use(healthRouter(deps.readinessChecks));
  app.use(metricsRouter(deps.metrics, deps.countByStatus));
  app.use(openapiRouter());
  const limit = config.server.webhookRateLimitPerMinute;
  if (limit > 0) app.use(UNAUTHENTICATED_WEBHOOKS, webhookRateLimit(limit));

  // Routes that read their body raw (signatures over the exact bytes, their own error answers),
  // before the JSON parser.
  app.use(storageHookRouter(deps.storageEvents));
  app.use(livekitWebhookRouter(config.livekit, deps.livekitEvents, deps.metrics));
  app.use(jibriUploadUrlRouter(deps.jibriUploads));
  app.use(jibriWebhookRouter(deps.jibriWebhook));

  app.use(express.json({ limit: JSON_BODY_LIMIT, type: ['application/json', 'application/*+json'] }));
  app.use(notePolicyAuthors(deps.verifier, deps.rooms));
  app.use(roomsRouter(deps));
  app.use(roomActivityRouter(deps));
  app.use(downloadLinkRouter(deps));
  app.use(shareLinksRouter(deps));
  app.use(recordingsRouter(deps));
  app.use(recordingPageRouter(deps));
  app.use(oidcRouter(deps));

  app.use((_req, _res) => {
    throw new HttpError(404, 'Not found.');
  });
  app.use(errorHandler);
  return app;
}
