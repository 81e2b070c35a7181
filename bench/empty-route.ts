/**
 * The yardstick of bench/media-auth.ts: an Express 5 app with one empty route (and the
 * x-powered-by/etag settings the service uses), in its own process like the service.
 *   node --import tsx bench/empty-route.ts <port>
 */
import express from 'express';

const app = express();
app.disable('x-powered-by');
app.set('etag', false);
app.get('/empty', (_req, res) => {
  res.status(200).end();
});
app.listen(Number(process.argv[2]), '127.0.0.1');
// An orderly exit, so that `--cpu-prof` writes its profile.
process.on('SIGTERM', () => process.exit(0));
