import type { RequestHandler } from 'express';
import { bearerToken, type TokenVerifier } from '../auth/token-verifier';
import { scrubError } from '../jobs/retry';
import { childLogger } from '../logging/logger';
import type { RoomsService } from '../rooms/rooms-service';
import { VERIFIED, type VerifiedToken } from './authenticate';

const log = childLogger('api');

/**
 * Before the routes: a request with a valid user token tells the rooms service the caller's room
 * roles as the token states them (recording policies follow their author's role). It never
 * answers the request itself: a missing or bad token is the routes' concern, and a failure here
 * is logged and the request goes on.
 */
export function notePolicyAuthors(verifier: TokenVerifier, rooms: Pick<RoomsService, 'noteCaller'>): RequestHandler {
  return async (req, res, next) => {
    const token = bearerToken(req.get('authorization'));
    const result = token ? verifier.verify(token) : null;
    // authenticate() takes this request's verdict instead of verifying the same token again.
    if (token && result) res.locals[VERIFIED] = { token, result } satisfies VerifiedToken;
    if (result?.ok) {
      try {
        await rooms.noteCaller(result.user);
      } catch (err) {
        log.warn({ err: scrubError(err) }, "could not note the caller's room roles");
      }
    }
    next();
  };
}
