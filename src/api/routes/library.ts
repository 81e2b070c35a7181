import { Router } from 'express';
import { childLogger } from '../../logging/logger';
import { ARCHIVE_PATH } from '../../recording/library/archive-links';
import { bulkDelete } from '../../recording/library/bulk-delete';
import { writeArchive } from '../../recording/library/zip-archive';
import type { ApiDeps } from '../api-deps';
import { authenticate, currentUser } from '../authenticate';
import { HttpError } from '../http-errors';

const log = childLogger('library');

/** Several of the caller's recordings at once: bulk delete, and a ZIP of them (a link, then the stream). */
export function libraryRouter({ config, verifier, recordings, archiveLinks, archiveSource }: Pick<ApiDeps, 'config' | 'verifier' | 'recordings' | 'archiveLinks' | 'archiveSource'>): Router {
  const router = Router();
  const auth = authenticate(verifier);

  router.post('/api/v1.0/recordings/bulk-delete', auth, async (req, res) => {
    res.json(await bulkDelete(recordings, currentUser(res), req.body));
  });

  router.post('/api/v1.0/recordings/archive-link', auth, async (req, res) => {
    if (!archiveSource) throw new HttpError(503, 'Downloads are unavailable: the object storage is not configured.');
    const link = await archiveLinks.create(currentUser(res), req.body);
    res.set('Cache-Control', 'no-store');
    res.json({ url: link.url, expires_at: link.expiresAt.toISOString() });
  });

  // The token is the credential (a browser opens the url); nginx streams the answer unbuffered.
  router.get(ARCHIVE_PATH.replace(/\/$/, ''), async (req, res) => {
    if (!archiveSource) throw new HttpError(503, 'Downloads are unavailable: the object storage is not configured.');
    const opened = await archiveLinks.open(req.query.token);
    if (!opened) throw new HttpError(403, 'This archive link is invalid or has expired.');
    res.status(200);
    res.attachment(opened.fileName);
    res.set({ 'Content-Type': 'application/zip', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' });
    const { selection } = opened;
    try {
      await writeArchive(res, selection, archiveSource, { outputFolder: config.recording.outputFolder, zone: config.email.defaultTimezone });
      log.info({ recordings: selection.included.length, missing: selection.missing.length }, 'archive streamed');
    } catch (err) {
      // Headers are gone: the only honest answer left is a cut connection (the ZIP is incomplete).
      log.warn({ err: err instanceof Error ? err.message : String(err) }, 'archive stream failed; connection closed');
      res.destroy();
    }
  });

  return router;
}
