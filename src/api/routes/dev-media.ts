import { pipeline } from 'node:stream/promises';
import { Router, type Request, type Response } from 'express';
import { openObject } from '../../devmode/object-reader';
import type { MediaAuthorizer } from '../../downloads/media-authorizer';
import { parseMediaPath } from '../../downloads/media-path';
import { childLogger } from '../../logging/logger';
import type { ObjectStorage } from '../../storage/object-storage';
import type { ApiDeps } from '../api-deps';

const log = childLogger('dev-media');

const CONTENT_TYPES = { mp4: 'video/mp4', ogg: 'audio/ogg' } as const;

/** One byte range to send, the whole file, or a Range nothing of the file satisfies. */
function rangeOf(req: Request, size: number): { start: number; end: number } | 'whole' | 'unsatisfiable' {
  if (req.headers.range === undefined) return 'whole';
  const ranges = req.range(size, { combine: true });
  if (ranges === -1) return 'unsatisfiable';
  // A malformed Range is ignored (RFC 9110); several ranges get the whole file, which is allowed too.
  if (ranges === -2 || ranges === undefined || ranges.type !== 'bytes' || ranges.length !== 1) return 'whole';
  return { start: ranges[0]!.start, end: ranges[0]!.end };
}

/**
 * Development mode with the embedded store: MEDIA_URL_PREFIX served by the service itself, in
 * place of nginx. Each request gets the same decision as nginx's media-auth subrequest
 * (bearer token, download link, share-media token, session cookie); a granted one streams the
 * file from the store, with Range support (206, 416), as nginx would pass it from MinIO.
 */
export function devMediaRouter(deps: Pick<ApiDeps, 'config'> & { mediaAuthorizer: MediaAuthorizer }, storage: ObjectStorage): Router {
  const router = Router();
  const paths = { mediaUrlPrefix: deps.config.downloads.mediaUrlPrefix, outputFolder: deps.config.recording.outputFolder };
  router.get(`${paths.mediaUrlPrefix}*file`, async (req: Request, res: Response) => {
    // The raw request target, as nginx hands media-auth `$request_uri`.
    const decision = await deps.mediaAuthorizer.decide({ originalUrl: req.originalUrl, authorization: req.headers.authorization, cookie: req.headers.cookie });
    res.set('Cache-Control', 'no-store');
    if (decision.status !== 200) {
      res.status(decision.status).json({ detail: decision.status === 401 ? 'Authentication credentials were not provided.' : 'You do not have access to this file.' });
      return;
    }
    const media = parseMediaPath(req.originalUrl, paths);
    if (!media) return void res.status(403).json({ detail: 'You do not have access to this file.' });
    try {
      const stat = await storage.statObject(media.key);
      if (!stat) return void res.status(404).json({ detail: 'The file is not in the storage.' });
      res.attachment(decision.downloadName);
      res.set({ 'Accept-Ranges': 'bytes', 'Content-Type': stat.contentType ?? CONTENT_TYPES[media.extension] });
      const range = rangeOf(req, stat.size);
      if (range === 'unsatisfiable') {
        res.status(416).set('Content-Range', `bytes */${stat.size}`).end();
        return;
      }
      const part = range === 'whole' ? undefined : range;
      if (part) res.status(206).set('Content-Range', `bytes ${part.start}-${part.end}/${stat.size}`);
      res.set('Content-Length', String(part ? part.end - part.start + 1 : stat.size));
      if (req.method === 'HEAD') return void res.end();
      const body = await openObject(storage, media.key, part);
      await pipeline(body, res);
    } catch (err) {
      // A player that seeks closes its request mid-file: nothing went wrong.
      if (res.destroyed && (err as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE') return;
      log.warn({ recordingId: media.recordingId, err: err instanceof Error ? err.message : String(err) }, 'media not served from the embedded store');
      if (!res.headersSent) {
        for (const name of ['Content-Range', 'Content-Disposition', 'Content-Length']) res.removeHeader(name);
        res.status(502).json({ detail: 'The storage did not answer.' });
      } else {
        res.destroy();
      }
    }
  });
  return router;
}
