import type { Request, RequestHandler, Response } from 'express';
import { bearerToken, type TokenVerifier, type VerifyResult } from '../auth/token-verifier';
import type { AuthUser } from '../auth/user';
import { HttpError } from './http-errors';

/** Where an earlier middleware of the request (notePolicyAuthors) leaves its verdict on the bearer token. */
export const VERIFIED = 'verifiedToken';
export interface VerifiedToken {
  token: string;
  result: VerifyResult;
}

/** Requires a valid user JWT; the user is then available through `currentUser(res)`. */
export function authenticate(verifier: TokenVerifier): RequestHandler {
  return (req: Request, res: Response, next) => {
    const token = bearerToken(req.get('authorization'));
    if (!token) {
      res.set('WWW-Authenticate', 'Bearer');
      throw new HttpError(401, 'Authentication credentials were not provided.');
    }
    const earlier = res.locals[VERIFIED] as VerifiedToken | undefined;
    const result = earlier?.token === token ? earlier.result : verifier.verify(token);
    if (!result.ok) {
      res.set('WWW-Authenticate', 'Bearer error="invalid_token"');
      throw new HttpError(401, `Invalid token: ${result.reason}.`);
    }
    res.locals.user = result.user;
    next();
  };
}

export function currentUser(res: Response): AuthUser {
  const user = res.locals.user as AuthUser | undefined;
  if (!user) throw new HttpError(401, 'Authentication credentials were not provided.');
  return user;
}
