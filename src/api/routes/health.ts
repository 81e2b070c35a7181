import { Router } from 'express';
import { withTimeout } from '../../util/with-timeout';

export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

/** /health: the process answers. /ready: the database (and storage, when configured) answer too. */
export function healthRouter(checks: ReadinessCheck[]): Router {
  const router = Router();
  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/ready', async (_req, res) => {
    const results: Record<string, string> = {};
    let ready = true;
    await Promise.all(
      checks.map(async (c) => {
        try {
          await withTimeout(c.check(), 3000, `${c.name} readiness`);
          results[c.name] = 'ok';
        } catch {
          results[c.name] = 'unavailable';
          ready = false;
        }
      }),
    );
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks: results });
  });
  return router;
}
