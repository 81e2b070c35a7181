import { Router } from 'express';
import type { Metrics } from '../../metrics/metrics';
import type { ApiDeps } from '../app';

/** GET /metrics in Prometheus text format; recordings by status are read from the database at scrape time;
 * process and Node.js runtime metrics follow the service's own. */
export function metricsRouter(metrics: Metrics, countByStatus: ApiDeps['countByStatus']): Router {
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    try {
      const rows = await countByStatus();
      metrics.recordingsByStatus.reset();
      for (const row of rows) metrics.recordingsByStatus.set({ status: row.status }, row.n);
    } catch {
      // The database being down must not hide the other metrics.
    }
    res.set('Content-Type', metrics.contentType);
    res.send(await metrics.exposition());
  });
  return router;
}
