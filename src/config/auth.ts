import { authKeysProblem } from './auth-keys';
import { concern } from './concern';
import { envString, issue } from './env-parsers';

/** User JWTs: an HS256 secret, or an RS256/ES256 public key; neither is development mode. */
export const authConcern = concern(
  {
    AUTH_JWT_SECRET: envString(),
    AUTH_JWT_PUBLIC_KEY: envString(),
    AUTH_JWT_ISSUER: envString(),
    AUTH_JWT_AUDIENCE: envString(),
    // Read here for the key rules (auth-keys.ts): production needs a key; link keys stay apart.
    NODE_ENV: envString(),
    DOWNLOAD_LINK_SECRET: envString(),
  },
  (env, ctx) => {
    const publicKey = env.AUTH_JWT_PUBLIC_KEY?.replace(/\\n/g, '\n');
    const problem = authKeysProblem(env);
    if (problem) issue(ctx, problem.variable, problem.message);
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
