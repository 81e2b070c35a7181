import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import jwt, { type Algorithm } from 'jsonwebtoken';
import { userFromClaims } from '../auth/claims';
import { type AppConfig, loadSettings } from '../config/config';
import { devSecret } from '../config/dev-mode';

/**
 * The user JWT `npm run token -- --room R --role owner --sub S [...]` prints: one the service
 * accepts, signed with the configured key (AUTH_JWT_SECRET, or the private key of
 * AUTH_JWT_PUBLIC_KEY given with --key, or development mode's generated secret under DATA_DIR),
 * with AUTH_JWT_ISSUER/AUDIENCE when they are set. src/cli/token.ts runs it.
 */

export const USAGE = `usage: npm run token -- --room ROOM --role owner|administrator|member --sub SUBJECT
         [--email E] [--name N] [--locale L] [--zoneinfo Z] [--ttl-hours H] [--key PRIVATE_KEY.pem]
  --room may be repeated (each with the same role); --ttl-hours defaults to 12.`;

const ROLES = ['owner', 'administrator', 'member'];

export class UsageError extends Error {}

interface Signing {
  key: string | KeyObject;
  algorithm: Algorithm;
}

function signingKey(config: Pick<AppConfig, 'auth' | 'server'>, keyFile: string | undefined): Signing {
  const { secret, publicKey } = config.auth;
  if (secret) {
    if (keyFile) throw new UsageError('--key is for AUTH_JWT_PUBLIC_KEY set-ups; AUTH_JWT_SECRET is set');
    return { key: secret, algorithm: 'HS256' };
  }
  if (publicKey) {
    if (!keyFile) throw new UsageError('AUTH_JWT_PUBLIC_KEY is set: give its private key with --key FILE');
    const key = createPrivateKey(readFileSync(keyFile, 'utf8'));
    const matches = createPublicKey(key).export({ type: 'spki', format: 'der' }).equals(createPublicKey(publicKey).export({ type: 'spki', format: 'der' }));
    if (!matches) throw new UsageError(`--key ${keyFile} is not the private key of AUTH_JWT_PUBLIC_KEY`);
    return { key, algorithm: key.asymmetricKeyType === 'rsa' ? 'RS256' : 'ES256' };
  }
  // Development mode: the same generated secret the service signs its printed token with.
  return { key: devSecret(config.server.dataDir), algorithm: 'HS256' };
}

export function userToken(argv: string[], env: NodeJS.ProcessEnv): string {
  const { values } = parseArgs({
    args: argv,
    options: {
      room: { type: 'string', multiple: true },
      role: { type: 'string' },
      sub: { type: 'string' },
      email: { type: 'string' },
      name: { type: 'string' },
      locale: { type: 'string' },
      zoneinfo: { type: 'string' },
      'ttl-hours': { type: 'string' },
      key: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const rooms = values.room ?? [];
  if (rooms.length === 0 || !values.role || !values.sub) throw new UsageError('--room, --role and --sub are required');
  if (!ROLES.includes(values.role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
  const ttlHours = values['ttl-hours'] === undefined ? 12 : Number(values['ttl-hours']);
  if (!Number.isFinite(ttlHours) || ttlHours <= 0 || ttlHours > 24 * 365) throw new UsageError('--ttl-hours must be a number of hours above 0, at most a year');
  const claims: Record<string, unknown> = {
    sub: values.sub,
    rooms: Object.fromEntries(rooms.map((room) => [room, values.role])),
    ...(values.email !== undefined && { email: values.email }),
    ...(values.name !== undefined && { name: values.name }),
    ...(values.locale !== undefined && { locale: values.locale }),
    ...(values.zoneinfo !== undefined && { zoneinfo: values.zoneinfo }),
  };
  // What the service would make of these claims: refuse what it would drop instead of printing it.
  const user = userFromClaims(claims);
  if (!user) throw new UsageError('--sub must be 1 to 255 characters without control characters');
  if (Object.keys(user.rooms).length !== rooms.length) throw new UsageError('--room must be 1 to 255 characters without control characters');
  if (values.email !== undefined && user.email === null) throw new UsageError('--email is not an email address');
  if (values.locale !== undefined && user.locale === null) throw new UsageError('--locale is not a language tag (e.g. en, fr, de-CH)');
  if (values.zoneinfo !== undefined && user.zoneinfo === null) throw new UsageError('--zoneinfo is not an IANA time zone (e.g. Europe/Paris)');
  const config = loadSettings(env, 'auth', 'server');
  const { key, algorithm } = signingKey(config, values.key);
  const { issuer, audience } = config.auth;
  return jwt.sign(claims, key, {
    algorithm,
    expiresIn: Math.round(ttlHours * 3600),
    ...(issuer && { issuer }),
    ...(audience && { audience }),
  });
}

