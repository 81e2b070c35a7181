import express, { type Express, type Router } from 'express';
import type { AppContext } from '../server/context';
import { errorHandler } from './error-handler';
import { HttpError } from './http-errors';
import { httpMetrics } from './http-metrics';
import { healthRouter, type ReadinessCheck } from './routes/health';
import { metricsRouter } from './routes/metrics';
import { openapiRouter } from './routes/openapi';
import { recordingsRouter } from './routes/recordings';
import { roomsRouter } from './routes/rooms';
import { webhookRateLimit } from './webhook-rate-limit';

export const JSON_BODY_LIMIT = '64kb';

/** Endpoints that anyone can reach before any credential check: limited per source address. */
const UNAUTHENTICATED_WEBHOOKS = [
  '/api/v1.0/recordings/storage-hook',
  '/api/v1.0/rooms/webhooks-livekit',
  '/api/v1.0/rooms/webhooks-jibri',
];

export interface AppParts {
  /** Routers that parse their own bodies (webhooks needing the raw bytes); mounted before the JSON parser. */
  rawRouters?: Router[];
  /** Further JSON routers (storage hook, downloads, Jibri, ...). */
  routers?: Router[];
  readinessChecks?: ReadinessCheck[];
}

/** The HTTP application. Routes match with or without a trailing slash (Express's non-strict routing). */
export function createApp(ctx: AppContext, parts: AppParts = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  if (ctx.config.trustProxy !== undefined) app.set('trust proxy', ctx.config.trustProxy);
  app.use(httpMetrics(ctx.metrics));

  app.use(healthRouter(ctx, parts.readinessChecks));
  app.use(metricsRouter(ctx));
  app.use(openapiRouter());
  const limit = ctx.config.webhookRateLimitPerMinute;
  if (limit > 0) app.use(UNAUTHENTICATED_WEBHOOKS, webhookRateLimit(limit));
  for (const router of parts.rawRouters ?? []) app.use(router);

  app.use(express.json({ limit: JSON_BODY_LIMIT, type: ['application/json', 'application/*+json'] }));
  app.use(roomsRouter(ctx));
  for (const router of parts.routers ?? []) app.use(router);
  app.use(recordingsRouter(ctx));

  app.use((_req, _res) => {
    throw new HttpError(404, 'Not found.');
  });
  app.use(errorHandler);
  return app;
}
