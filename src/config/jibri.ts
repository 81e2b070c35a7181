import { createPublicKey } from 'node:crypto';
import { concern } from './concern';
import { envInt, envList, envString, envUrl, envUrlList, issue, requireTogether } from './env-parsers';

/** The Jibri pool (Jitsi recordings) and the endpoints Jibri calls back. */
export const jibriConcern = concern(
  {
    JIBRI_URLS: envUrlList(),
    JIBRI_IDS: envList(),
    JITSI_BASE_URL: envUrl(),
    JIBRI_XMPP_DOMAIN: envString(),
    JIBRI_XMPP_USERNAME: envString(),
    JIBRI_XMPP_PASSWORD: envString(),
    JIBRI_UPLOAD_TOKEN: envString(),
    JIBRI_WEBHOOK_TOKEN: envString(),
    // One token per JIBRI_URLS entry: a status report then speaks only for its own instance.
    JIBRI_WEBHOOK_TOKENS: envList(),
    // Jibri's `jibri.jwt-info`: it signs its webhook requests with an RS256 JWT (its kid, issuer,
    // audience and ttl); the service verifies them with the matching public key.
    JIBRI_WEBHOOK_PUBLIC_KEY: envString(),
    JIBRI_WEBHOOK_JWT_ISSUER: envString(),
    JIBRI_WEBHOOK_JWT_AUDIENCE: envString(),
    // Minutes, not days: storage checks a pre-signed URL's expiry when the PUT starts, and
    // finalize.sh PUTs right after asking, so a short life only shrinks what a leaked URL is worth.
    JIBRI_UPLOAD_URL_TTL_SECONDS: envInt({ min: 60, max: 1800 }),
  },
  (env, ctx) => {
    const hasXmpp = requireTogether(ctx, env, ['JIBRI_XMPP_DOMAIN', 'JIBRI_XMPP_USERNAME', 'JIBRI_XMPP_PASSWORD'], 'Jibri XMPP login');
    // JIBRI_IDS names each JIBRI_URLS entry by its `jibri.id`, so status webhooks (which carry
    // only the id) can be matched to a pool instance.
    const ids = env.JIBRI_IDS;
    if (ids.length > 0 && ids.length !== env.JIBRI_URLS.length) issue(ctx, 'JIBRI_IDS', 'expected one id per JIBRI_URLS entry, in the same order');
    if (new Set(ids).size !== ids.length) issue(ctx, 'JIBRI_IDS', 'ids must be unique');
    const tokens = env.JIBRI_WEBHOOK_TOKENS;
    if (tokens.length > 0 && tokens.length !== env.JIBRI_URLS.length) issue(ctx, 'JIBRI_WEBHOOK_TOKENS', 'expected one token per JIBRI_URLS entry, in the same order');
    if (new Set(tokens).size !== tokens.length) issue(ctx, 'JIBRI_WEBHOOK_TOKENS', 'tokens must be unique');
    if (tokens.length > 0 && env.JIBRI_WEBHOOK_TOKEN) issue(ctx, 'JIBRI_WEBHOOK_TOKENS', 'set either JIBRI_WEBHOOK_TOKENS (one per instance) or JIBRI_WEBHOOK_TOKEN, not both');
    const webhookJwt = webhookJwtSettings(env, ctx);
    return {
      urls: env.JIBRI_URLS,
      /** `jibri.id` of each instance, same order as urls; empty when not set. */
      ids,
      jitsiBaseUrl: env.JITSI_BASE_URL,
      xmpp: hasXmpp ? { domain: env.JIBRI_XMPP_DOMAIN!, username: env.JIBRI_XMPP_USERNAME!, password: env.JIBRI_XMPP_PASSWORD! } : undefined,
      uploadToken: env.JIBRI_UPLOAD_TOKEN,
      webhookToken: env.JIBRI_WEBHOOK_TOKEN,
      /** Per-instance webhook tokens, same order as urls; empty when not set. */
      webhookTokens: tokens,
      /** Set: every status webhook must carry Jibri's signed JWT (Authorization: Bearer). */
      webhookJwt,
      uploadUrlTtlSeconds: env.JIBRI_UPLOAD_URL_TTL_SECONDS ?? 600,
    };
  },
);

type WebhookJwtEnv = { JIBRI_WEBHOOK_PUBLIC_KEY?: string; JIBRI_WEBHOOK_JWT_ISSUER?: string; JIBRI_WEBHOOK_JWT_AUDIENCE?: string };

/** The RSA public key (PEM, `\n` escapes allowed) with the issuer and audience Jibri's jwt-info names. */
function webhookJwtSettings(env: WebhookJwtEnv, ctx: Parameters<typeof issue>[0]) {
  const { JIBRI_WEBHOOK_JWT_ISSUER: issuer, JIBRI_WEBHOOK_JWT_AUDIENCE: audience } = env;
  const publicKey = env.JIBRI_WEBHOOK_PUBLIC_KEY?.replace(/\\n/g, '\n');
  if (!publicKey) {
    if (issuer) issue(ctx, 'JIBRI_WEBHOOK_JWT_ISSUER', 'only used with JIBRI_WEBHOOK_PUBLIC_KEY, which is not set');
    if (audience) issue(ctx, 'JIBRI_WEBHOOK_JWT_AUDIENCE', 'only used with JIBRI_WEBHOOK_PUBLIC_KEY, which is not set');
    return undefined;
  }
  const problem = rsaPublicKeyProblem(publicKey);
  if (problem) issue(ctx, 'JIBRI_WEBHOOK_PUBLIC_KEY', problem);
  // Jibri's jwt-info always sets both (it refuses to sign without them), so both are checked.
  if (!issuer) issue(ctx, 'JIBRI_WEBHOOK_JWT_ISSUER', 'required with JIBRI_WEBHOOK_PUBLIC_KEY: the `issuer` of jibri.jwt-info');
  if (!audience) issue(ctx, 'JIBRI_WEBHOOK_JWT_AUDIENCE', 'required with JIBRI_WEBHOOK_PUBLIC_KEY: the `audience` of jibri.jwt-info');
  if (problem || !issuer || !audience) return undefined;
  return { publicKey, issuer, audience };
}

/** Null for a PEM RSA public key (or certificate); otherwise what is wrong with it. */
function rsaPublicKeyProblem(pem: string): string | null {
  if (/PRIVATE KEY/.test(pem)) return 'expected the public key; this is a private key, which belongs on the Jibri hosts only';
  try {
    const key = createPublicKey(pem);
    return key.asymmetricKeyType === 'rsa' ? null : `expected an RSA public key (Jibri signs with RS256), got ${String(key.asymmetricKeyType)}`;
  } catch {
    return 'expected a PEM RSA public key (-----BEGIN PUBLIC KEY-----...)';
  }
}
