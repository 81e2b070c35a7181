import express, { type Express, type Router } from 'express';
import type { AppContext } from '../server/context';
import { errorHandler } from './error-handler';
import { HttpError } from './http-errors';
import { httpMetrics } from './http-metrics';
import { healthRouter, type ReadinessCheck } from './routes/health';
import { metricsRouter } from './routes/metrics';
import { recordingsRouter } from './routes/recordings';
import { roomsRouter } from './routes/rooms';

export const JSON_BODY_LIMIT = '64kb';

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
  if (ctx.config.trustProxy) app.set('trust proxy', ctx.config.trustProxy);
  app.use(httpMetrics(ctx.metrics));

  app.use(healthRouter(ctx, parts.readinessChecks));
  app.use(metricsRouter(ctx));
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
