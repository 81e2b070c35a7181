import type { IncomingMessage } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { Router, type Request, type Response } from 'express';
import type { PageSessions } from '../auth/page-session';
import { bearerToken, type TokenVerifier } from '../auth/token-verifier';
import type { ArtifactCaller, ArtifactService } from '../recording/artifacts/artifact-service';
import type { ArtifactTokens } from '../recording/artifacts/artifact-token';
import { tooLarge, unsupportedType } from '../recording/errors';
import type { RecordingArtifact } from '../recording/recording';
import { HttpError } from './http-errors';

export const ARTIFACT_ROUTE = '/api/v1.0/recordings/:id/artifacts/:name';

export interface ArtifactsRouterDeps {
  verifier: TokenVerifier;
  artifacts: ArtifactService;
  artifactTokens: ArtifactTokens;
  maxBytes: number;
  /** The recording page's sign-in sessions (its <track> requests carry the cookie); unset without OIDC. */
  pageSessions?: Pick<PageSessions, 'readSession'>;
}

export function artifactJson(a: RecordingArtifact) {
  return { name: a.name, content_type: a.contentType, size: Number(a.size), updated_at: a.updatedAt };
}

/**
 * PUT/GET/DELETE /api/v1.0/recordings/{id}/artifacts/{name}. Mounted before the JSON parser: the
 * body is read here, raw, and refused (413) as soon as it passes ARTIFACT_MAX_BYTES, so no more
 * than that is ever held; the checks that need no body (who, which recording, which name) come first.
 */
export function artifactsRouter({ verifier, artifacts, artifactTokens, maxBytes, pageSessions }: ArtifactsRouterDeps): Router {
  const router = Router();

  async function caller(req: Request, res: Response): Promise<ArtifactCaller> {
    const token = bearerToken(req.get('authorization'));
    if (token) {
      const recordingId = await artifactTokens.verify(token);
      if (recordingId) return { kind: 'artifact_token', recordingId };
      const result = verifier.verify(token);
      if (result.ok) return { kind: 'user', user: result.user };
      res.set('WWW-Authenticate', 'Bearer error="invalid_token"');
      throw new HttpError(401, `Invalid token: ${result.reason}.`);
    }
    const share = req.query.share;
    if (typeof share === 'string' && share !== '') return { kind: 'share', token: share };
    // Reading only: a cookie never authorises a change (no CSRF token goes with a PUT here).
    const session = req.method === 'GET' && pageSessions ? await pageSessions.readSession(req.get('cookie')) : null;
    if (session) return { kind: 'user', user: session.user };
    res.set('WWW-Authenticate', 'Bearer');
    throw new HttpError(401, 'Authentication credentials were not provided.');
  }

  router.put(ARTIFACT_ROUTE, async (req: Request, res: Response) => {
    // Whatever is refused, the rest of a body already on its way is not read: the connection closes.
    res.set('Connection', 'close');
    const target = await artifacts.prepareWrite(await caller(req, res), String(req.params.id), String(req.params.name));
    const body = await readBody(req, maxBytes);
    const { artifact, created } = await artifacts.write(target, body);
    res.removeHeader('Connection');
    res.status(created ? 201 : 200).json(artifactJson(artifact));
  });

  router.get(ARTIFACT_ROUTE, async (req: Request, res: Response) => {
    const { artifact, body } = await artifacts.read(await caller(req, res), String(req.params.id), String(req.params.name));
    res.set({
      'Content-Type': artifact.contentType,
      'Content-Length': String(artifact.size),
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'; sandbox",
      'Cache-Control': 'private, no-store',
      'Last-Modified': new Date(artifact.updatedAt).toUTCString(),
    });
    await pipeline(body, res);
  });

  router.delete(ARTIFACT_ROUTE, async (req: Request, res: Response) => {
    await artifacts.remove(await caller(req, res), String(req.params.id), String(req.params.name));
    res.status(204).end();
  });

  return router;
}

/** The request body, at most `max` bytes: 413 from the Content-Length alone, or as soon as the bytes read pass it. */
export function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding !== 'identity') return Promise.reject(unsupportedType('Content-Encoding is not accepted: send the artifact as is.'));
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) return Promise.reject(tooLarge(`An artifact is at most ${max} bytes.`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        cleanup();
        req.pause();
        reject(tooLarge(`An artifact is at most ${max} bytes.`));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}
