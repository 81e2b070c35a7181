import type { RequestHandler } from 'express';
import type { Metrics } from '../metrics/metrics';

/** Observes each request's latency, labelled by the matched route pattern (never the raw URL). */
export function httpMetrics(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const began = process.hrtime.bigint();
    res.on('finish', () => {
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      metrics.httpDuration.observe(
        { method: req.method, route, status: String(res.statusCode) },
        Number(process.hrtime.bigint() - began) / 1e9,
      );
    });
    next();
  };
}
