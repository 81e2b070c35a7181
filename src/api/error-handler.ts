import type { ErrorRequestHandler } from 'express';
import { childLogger } from '../logging/logger';
import { RecordingError } from '../recording/errors';
import { HttpError } from './http-errors';

const log = childLogger('api');

const RECORDING_ERROR_STATUS: Record<RecordingError['kind'], number> = {
  bad_request: 400,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  worker_failed: 502,
  unavailable: 503,
  too_large: 413,
  unsupported_type: 415,
};

/** Connection-level failures of PostgreSQL: the database is down or restarting. */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { name?: string; code?: string; message?: string; driverError?: { code?: string } };
  // TypeORM releases a query runner whose connection emitted an error (e.g. the server shut it
  // down mid-transaction); the transaction's next query then fails with this error.
  if (e?.name === 'QueryRunnerAlreadyReleasedError') return true;
  const code = e?.code ?? e?.driverError?.code;
  if (code && ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004'].includes(code)) {
    return true;
  }
  const msg = e?.message ?? '';
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Connection is not established/i.test(msg);
}

/**
 * A client error of body-parser: a typed one (charset, encoding, size), or a body that could not
 * be read, such as a corrupt gzip/br/deflate stream, which it wraps as a 400 (`expose`) untyped.
 */
function isBodyParserRefusal(err: unknown): boolean {
  const e = err as { type?: string; status?: unknown; expose?: unknown };
  if (typeof e?.status !== 'number' || e.status < 400 || e.status >= 500) return false;
  return typeof e.type === 'string' || e.expose === true;
}

/** Every error becomes `{"detail": "..."}`; internals never leak to the caller. */
export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  if (res.headersSent) return;
  if (err instanceof HttpError) {
    res.status(err.status).json({ detail: err.detail });
    return;
  }
  if (err instanceof RecordingError) {
    res.status(RECORDING_ERROR_STATUS[err.kind]).json({ detail: err.message });
    return;
  }
  // The router could not decode a percent-escape of a path parameter (`/recordings/%ff`).
  if (err instanceof URIError) {
    res.status(400).json({ detail: 'Malformed percent-escape in the URL path.' });
    return;
  }
  const type = (err as { type?: string }).type;
  if (type === 'entity.too.large') {
    res.status(400).json({ detail: 'Request body too large.' });
    return;
  }
  if (type === 'entity.parse.failed') {
    res.status(400).json({ detail: 'Malformed JSON body.' });
    return;
  }
  if (isBodyParserRefusal(err)) {
    res.status(400).json({ detail: type ? 'Invalid request body.' : 'The request body could not be decoded (corrupt Content-Encoding).' });
    return;
  }
  if (isDatabaseUnavailable(err)) {
    log.error({ route: req.route?.path, err: (err as Error).message }, 'database unavailable');
    res.status(503).set('Retry-After', '5').json({ detail: 'The database is unavailable; please retry shortly.' });
    return;
  }
  log.error({ route: req.route?.path, err: err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : String(err) }, 'unhandled error');
  res.status(500).json({ detail: 'Internal server error.' });
};
