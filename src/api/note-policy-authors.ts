import type { RequestHandler, Response } from 'express';
import { bearerToken, type TokenVerifier } from '../auth/token-verifier';
import { scrubError } from '../jobs/retry';
import { childLogger } from '../logging/logger';
import type { RoomsService } from '../rooms/rooms-service';
import { VERIFIED, type VerifiedToken } from './authenticate';

const log = childLogger('api');

/** Where a request's note waits for the route that runs beside it. */
const NOTING = 'policyAuthorsNoting';
/** The recording list (GET): its statement does not depend on the note, so the two run side by side. */
const LIST_PATH = /^\/api\/v1\.0\/recordings\/?$/;

/**
 * Before the routes: a request with a valid user token tells the rooms service the caller's room
 * roles as the token states them (recording policies follow their author's role). It never
 * answers the request itself: a missing or bad token is the routes' concern, and a failure here
 * is logged and the request goes on. Every answer follows the note: the routes wait for it here,
 * except the recording list, which starts its statement at once and waits for it (callerNoted)
 * before it answers.
 */
export function notePolicyAuthors(verifier: TokenVerifier, rooms: Pick<RoomsService, 'noteCaller'>): RequestHandler {
  return async (req, res, next) => {
    const token = bearerToken(req.get('authorization'));
    const result = token ? verifier.verify(token) : null;
    // authenticate() takes this request's verdict instead of verifying the same token again.
    if (token && result) res.locals[VERIFIED] = { token, result } satisfies VerifiedToken;
    if (result?.ok) {
      const noting = rooms.noteCaller(result.user).then(() => undefined, (err: unknown) => {
        log.warn({ err: scrubError(err) }, "could not note the caller's room roles");
      });
      if (req.method === 'GET' && LIST_PATH.test(req.path)) res.locals[NOTING] = noting;
      else await noting;
    }
    next();
  };
}

/** Resolves once the note of this request's caller is done (at once when it was done before the route, or there was none). */
export function callerNoted(res: Response): Promise<void> {
  return (res.locals[NOTING] as Promise<void> | undefined) ?? Promise.resolve();
}
