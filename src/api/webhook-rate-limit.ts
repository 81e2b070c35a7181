import { rateLimit, type Logger as RateLimitLogger, type RateLimitRequestHandler } from 'express-rate-limit';
import { childLogger } from '../logging/logger';

/**
 * The per-address limit on the unauthenticated webhooks. The address is `req.ip`, so it is
 * the client's only when TRUST_PROXY matches the proxies in front (docs/operations/nginx.md, TRUST_PROXY).
 *
 * express-rate-limit's own checks stay on: each runs once, on the first limited request, and
 * logs a misconfiguration it sees, e.g. X-Forwarded-For arriving while TRUST_PROXY is unset
 * (every client behind the proxy would share one bucket) or TRUST_PROXY=true (any client
 * can pick its address, since nginx appends to the X-Forwarded-For a client sends).
 */
export function webhookRateLimit(perMinute: number, log: RateLimitLogger = pinoRateLimitLogger()): RateLimitRequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    logger: log,
    handler: (_req, res) => {
      res.status(429).json({ detail: 'Too many requests from this address; retry later.' });
    },
  });
}

/** Routes the library's reports (ERR_ERL_* codes with a help URL) to the service's logs. */
function pinoRateLimitLogger(): RateLimitLogger {
  const log = childLogger('rate-limit');
  const fields = (error: unknown) => ({
    code: typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : undefined,
  });
  const text = (error: unknown, message?: string) => message ?? (error instanceof Error ? error.message : String(error));
  return {
    error: (error, message) => log.error(fields(error), text(error, message)),
    warn: (error, message) => log.warn(fields(error), text(error, message)),
  };
}
