import { Router } from 'express';
import type { AppContext } from '../../server/context';

/** GET /metrics in Prometheus text format; recordings by status are read from the database at scrape time. */
export function metricsRouter(ctx: AppContext): Router {
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    try {
      const rows: { status: string; n: string }[] = await ctx.dataSource.query(
        'SELECT status, count(*)::text AS n FROM recordings GROUP BY status',
      );
      ctx.metrics.recordingsByStatus.reset();
      for (const row of rows) ctx.metrics.recordingsByStatus.set({ status: row.status }, Number(row.n));
    } catch {
      // The database being down must not hide the other metrics.
    }
    res.set('Content-Type', ctx.metrics.registry.contentType);
    res.send(await ctx.metrics.registry.metrics());
  });
  return router;
}
