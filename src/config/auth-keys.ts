import { createPublicKey, type KeyObject } from 'node:crypto';
import { DOWNLOAD_TOKEN_AUDIENCE } from '../downloads/download-token';

/** The settings these checks read (already trimmed by the schema; empty means unset). */
export interface AuthKeySettings {
  NODE_ENV?: string;
  AUTH_JWT_SECRET?: string;
  AUTH_JWT_PUBLIC_KEY?: string;
  AUTH_JWT_AUDIENCE?: string;
  DOWNLOAD_LINK_SECRET?: string;
}

const MIN_RSA_BITS = 2048;
/** ES256 is ECDSA on P-256; jsonwebtoken refuses ES256 with any other curve, on every request. */
const ES256_CURVE = 'prime256v1';

/** AUTH_JWT_PUBLIC_KEY as written, or with its newlines escaped as `\n` (one-line .env values). */
function publicKeyPem(value: string): string {
  return value.replace(/\\n/g, '\n');
}

/** Why a PEM cannot verify user JWTs (RS256 or ES256), or null when it can. */
function publicKeyProblem(pem: string): string | null {
  if (!pem.includes('-----BEGIN')) return 'expected a PEM public key';
  // createPublicKey would quietly derive the public half of a private key: refuse it instead.
  if (/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(pem)) {
    return 'this is a private key; give its public key (openssl pkey -pubout), the private key stays with the issuer';
  }
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    return 'not a readable PEM public key';
  }
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  if (type === 'rsa') {
    const bits = details.modulusLength ?? 0;
    return bits >= MIN_RSA_BITS ? null : `RSA key of ${bits} bits; at least ${MIN_RSA_BITS} are required`;
  }
  if (type === 'ec') {
    const curve = details.namedCurve ?? 'unknown';
    return curve === ES256_CURVE ? null : `EC key on ${curve}; only P-256 (prime256v1, ES256) is supported`;
  }
  return `unsupported key type ${String(type)}; use RSA (RS256) or EC P-256 (ES256)`;
}

/** A broken rule: the variable the operator must change, and why (one line). */
export interface AuthKeyProblem {
  variable: keyof AuthKeySettings;
  message: string;
}

const problem = (variable: keyof AuthKeySettings, message: string): AuthKeyProblem => ({ variable, message });

/** The first rule for the keys of user JWTs and download links that the settings break, or null. */
export function authKeysProblem(env: AuthKeySettings): AuthKeyProblem | null {
  const secret = env.AUTH_JWT_SECRET;
  const publicKey = env.AUTH_JWT_PUBLIC_KEY;
  // A public key used as an HMAC secret lets anyone who has the public key sign tokens.
  if (secret && secret.includes('-----BEGIN')) {
    return problem('AUTH_JWT_SECRET', 'holds a PEM key; put a public key in AUTH_JWT_PUBLIC_KEY instead (AUTH_JWT_SECRET is an HS256 shared secret)');
  }
  if (secret && publicKey) return problem('AUTH_JWT_PUBLIC_KEY', 'set either AUTH_JWT_SECRET or AUTH_JWT_PUBLIC_KEY, not both');
  if (secret && secret.length < 16) return problem('AUTH_JWT_SECRET', 'must be at least 16 characters');
  if (publicKey) {
    const why = publicKeyProblem(publicKeyPem(publicKey));
    if (why) return problem('AUTH_JWT_PUBLIC_KEY', why);
  }
  if (!secret && !publicKey && env.NODE_ENV?.toLowerCase() === 'production') {
    return problem('AUTH_JWT_SECRET', 'required when NODE_ENV=production (or AUTH_JWT_PUBLIC_KEY); development mode is not for production');
  }
  if (env.AUTH_JWT_AUDIENCE === DOWNLOAD_TOKEN_AUDIENCE) {
    return problem('AUTH_JWT_AUDIENCE', `"${DOWNLOAD_TOKEN_AUDIENCE}" is the audience of download links, not of user tokens`);
  }
  if (secret && env.DOWNLOAD_LINK_SECRET === secret) {
    return problem('DOWNLOAD_LINK_SECRET', 'must differ from AUTH_JWT_SECRET (or leave it unset: a key is then derived from it)');
  }
  return null;
}
