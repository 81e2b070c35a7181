import { concern } from './concern';
import { envString, issue } from './env-parsers';

/** User JWTs: an HS256 secret, or an RS256/ES256 public key; neither is development mode. */
export const authConcern = concern(
  {
    AUTH_JWT_SECRET: envString(),
    AUTH_JWT_PUBLIC_KEY: envString(),
    AUTH_JWT_ISSUER: envString(),
    AUTH_JWT_AUDIENCE: envString(),
  },
  (env, ctx) => {
    const publicKey = env.AUTH_JWT_PUBLIC_KEY?.replace(/\\n/g, '\n');
    if (env.AUTH_JWT_SECRET && publicKey) issue(ctx, 'AUTH_JWT_PUBLIC_KEY', 'set either AUTH_JWT_SECRET or AUTH_JWT_PUBLIC_KEY, not both');
    if (publicKey && !publicKey.includes('BEGIN')) issue(ctx, 'AUTH_JWT_PUBLIC_KEY', 'expected a PEM public key');
    if (env.AUTH_JWT_SECRET && env.AUTH_JWT_SECRET.length < 16) issue(ctx, 'AUTH_JWT_SECRET', 'must be at least 16 characters');
    return {
      secret: env.AUTH_JWT_SECRET,
      publicKey,
      issuer: env.AUTH_JWT_ISSUER,
      audience: env.AUTH_JWT_AUDIENCE,
      /** No key configured: tokens are signed with a generated secret (config/dev-mode.ts). */
      devMode: !env.AUTH_JWT_SECRET && !publicKey,
    };
  },
);
