import express, { type Express } from 'express';
import type { DevTools } from '../devmode/dev-stack';
import type { ApiDeps } from './api-deps';
import { artifactsRouter } from './artifacts-router';
import { errorHandler } from './error-handler';
import { HttpError } from './http-errors';
import { httpMetrics } from './http-metrics';
import { devMediaRouter } from './routes/dev-media';
import { devPagesRouter } from './routes/dev-pages';
import { downloadLinkRouter, MEDIA_AUTH_ROUTE, mediaAuthHandler } from './routes/downloads';
import { healthRouter } from './routes/health';
import { jibriUploadUrlRouter } from './routes/jibri-upload-url';
import { jibriWebhookRouter } from './routes/jibri-webhook';
import { libraryRouter } from './routes/library';
import { libraryPageRouter } from './routes/library-page';
import { jitsiEventsRouter } from './routes/jitsi-events';
import { livekitWebhookRouter } from './routes/livekit-webhook';
import { metricsRouter } from './routes/metrics';
import { oidcRouter } from './routes/oidc';
import { openapiRouter } from './routes/openapi';
import { recordersRouter } from './routes/recorders';
import { recordingPageRouter } from './routes/recording-page';
import { recordingsRouter } from './routes/recordings';
import { roomAccessRouter } from './routes/room-access';
import { roomActivityRouter } from './routes/room-activity';
import { notePolicyAuthors } from './note-policy-authors';
import { pauseRouter } from './routes/pause';
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

/** The HTTP application. Routes match with or without a trailing slash (Express's non-strict routing). */
export function createApp(deps: ApiDeps, dev?: DevTools): Express {
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
  app.use(livekitWebhookRouter(deps.livekitEvents, deps.metrics));
  app.use(jibriUploadUrlRouter(deps.jibriUploads));
  app.use(jibriWebhookRouter(deps.jibriWebhook));
  if (deps.jitsiEvents && config.jitsi.eventsToken) app.use(jitsiEventsRouter(deps.jitsiEvents, config.jitsi.eventsToken, deps.metrics));
  app.use(artifactsRouter({ verifier: deps.verifier, artifacts: deps.artifacts, artifactTokens: deps.artifactTokens, maxBytes: config.artifacts.maxBytes, pageSessions: deps.pageSessions }));

  app.use(express.json({ limit: JSON_BODY_LIMIT, type: ['application/json', 'application/*+json'] }));
  app.use(notePolicyAuthors(deps.verifier, deps.rooms));
  app.use(roomsRouter(deps));
  app.use(pauseRouter(deps));
  app.use(roomActivityRouter(deps));
  app.use(roomAccessRouter(deps));
  app.use(downloadLinkRouter(deps));
  app.use(shareLinksRouter(deps));
  app.use(libraryRouter(deps));
  app.use(recordingsRouter(deps));
  app.use(libraryPageRouter(deps));
  app.use(recordersRouter(deps.recorders, deps.config.capacity.operatorToken));
  app.use(recordingPageRouter(deps));
  app.use(oidcRouter(deps));
  // Development mode only (src/devmode): the start page, captured emails, media without nginx.
  if (dev) app.use(devPagesRouter(dev));
  if (dev?.media) app.use(devMediaRouter(deps, dev.media));

  app.use((req, _res) => {
    // Outside development mode nothing answers `/`: say where the API is.
    throw new HttpError(404, req.path === '/' ? 'Not found. This service answers under /api/v1.0/ (described at /api/v1.0/openapi.json).' : 'Not found.');
  });
  app.use(errorHandler);
  return app;
}
