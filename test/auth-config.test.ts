import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import jwt from 'jsonwebtoken';
import { TokenVerifier } from '../src/auth/token-verifier';
import { ConfigError, loadConfig } from '../src/config/config';
import { serviceEntryArgs } from './helpers/service-process';

/**
 * Start-up checks of the user-JWT keys: a PEM in AUTH_JWT_SECRET, a public key jsonwebtoken
 * cannot use for RS256/ES256, production without keys, and keys shared with download links.
 */

const ROOT = path.resolve(__dirname, '..');
// DATABASE_URL=embedded: production refuses the embedded database unless asked for it.
const BASE = { RECORDING_STORAGE_EVENT_TOKEN: 'storage-token-for-tests', DATABASE_URL: 'embedded' };
const SECRET = 'user-jwt-secret-0123456789abcdef-0123456789';

const spki = (key: KeyObject) => key.export({ type: 'spki', format: 'pem' }).toString();
const escaped = (pem: string) => pem.trim().replace(/\n/g, '\\n');

const rsa2048 = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 });
const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
const p521 = generateKeyPairSync('ec', { namedCurve: 'secp521r1' });
const k256 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
const ed25519 = generateKeyPairSync('ed25519');
const rsaPss = generateKeyPairSync('rsa-pss', { modulusLength: 2048 });

/** The ConfigError message loadConfig throws for this environment (fails the test if none). */
function configError(env: Record<string, string>): string {
  try {
    loadConfig({ ...BASE, ...env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(Object.keys(env))}`);
}

describe('AUTH_JWT_SECRET', () => {
  it.each([
    ['a public key', spki(rsa2048.publicKey)],
    ['a public key with escaped newlines', escaped(spki(p256.publicKey))],
    ['a private key', rsa2048.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()],
    ['a certificate-looking block', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----'],
  ])('refuses a PEM (%s) and points to AUTH_JWT_PUBLIC_KEY', (_what, pem) => {
    const message = configError({ AUTH_JWT_SECRET: pem });
    expect(message).toMatch(/^AUTH_JWT_SECRET: /);
    expect(message).toContain('AUTH_JWT_PUBLIC_KEY');
  });

  it('still takes an ordinary shared secret', () => {
    expect(loadConfig({ ...BASE, AUTH_JWT_SECRET: SECRET }).auth.secret).toBe(SECRET);
    expect(configError({ AUTH_JWT_SECRET: 'too-short' })).toMatch(/^AUTH_JWT_SECRET: /);
  });
});

describe('AUTH_JWT_PUBLIC_KEY', () => {
  it.each([
    ['EC P-384', spki(p384.publicKey), /secp384r1/],
    ['EC P-521', spki(p521.publicKey), /secp521r1/],
    ['EC secp256k1', spki(k256.publicKey), /secp256k1/],
    ['Ed25519', spki(ed25519.publicKey), /ed25519/],
    ['RSA-PSS', spki(rsaPss.publicKey), /rsa-pss/],
    ['RSA 1024 bits', spki(rsa1024.publicKey), /1024 bits/],
    ['an RSA private key (PKCS#8)', rsa2048.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), /private key/],
    ['an RSA private key (PKCS#1)', rsa2048.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(), /private key/],
    ['an EC private key (SEC1), escaped', escaped(p256.privateKey.export({ type: 'sec1', format: 'pem' }).toString()), /private key/],
    ['garbage inside PEM armour', '-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----', /not a readable/],
    ['no PEM at all', 'not a pem', /PEM/],
  ])('refuses %s with one line naming it', (_what, pem, why) => {
    const message = configError({ AUTH_JWT_PUBLIC_KEY: pem });
    expect(message).toMatch(/^AUTH_JWT_PUBLIC_KEY: /);
    expect(message).toMatch(why);
  });

  it.each([
    ['RSA 2048', rsa2048, 'RS256'],
    ['EC P-256', p256, 'ES256'],
  ] as const)('accepts %s (as is or with escaped newlines), and tokens it signs verify', (_what, pair, algorithm) => {
    for (const value of [spki(pair.publicKey), escaped(spki(pair.publicKey))]) {
      const config = loadConfig({ ...BASE, AUTH_JWT_PUBLIC_KEY: value });
      expect(config.auth.devMode).toBe(false);
      expect(config.auth.publicKey).toContain('-----BEGIN PUBLIC KEY-----\n');
      const verifier = new TokenVerifier({ publicKey: config.auth.publicKey });
      const token = jwt.sign({ sub: 'key-user' }, pair.privateKey, { algorithm, expiresIn: '5m' });
      expect(verifier.verify(token)).toMatchObject({ ok: true, user: { sub: 'key-user' } });
    }
  });

  it('is set alone, not next to AUTH_JWT_SECRET', () => {
    expect(configError({ AUTH_JWT_SECRET: SECRET, AUTH_JWT_PUBLIC_KEY: spki(p256.publicKey) })).toMatch(/^AUTH_JWT_PUBLIC_KEY: .*not both/);
  });
});

describe('NODE_ENV=production', () => {
  it('without AUTH_JWT_SECRET or AUTH_JWT_PUBLIC_KEY stops start-up instead of entering development mode', () => {
    for (const value of ['production', 'Production']) {
      expect(configError({ NODE_ENV: value })).toMatch(/^AUTH_JWT_SECRET: required when NODE_ENV=production/);
    }
    expect(loadConfig({ ...BASE, NODE_ENV: 'production', AUTH_JWT_SECRET: SECRET }).auth.devMode).toBe(false);
    expect(loadConfig({ ...BASE, NODE_ENV: 'production', AUTH_JWT_PUBLIC_KEY: spki(p256.publicKey) }).auth.devMode).toBe(false);
    // Everywhere else, no keys still means development mode.
    for (const env of [{}, { NODE_ENV: 'development' }, { NODE_ENV: 'test' }]) expect(loadConfig(env).auth.devMode).toBe(true);
  });
});

describe('keys shared with download links', () => {
  it('refuses DOWNLOAD_LINK_SECRET equal to AUTH_JWT_SECRET', () => {
    expect(configError({ AUTH_JWT_SECRET: SECRET, DOWNLOAD_LINK_SECRET: SECRET })).toMatch(/^DOWNLOAD_LINK_SECRET: must differ from AUTH_JWT_SECRET/);
    expect(loadConfig({ ...BASE, AUTH_JWT_SECRET: SECRET, DOWNLOAD_LINK_SECRET: `${SECRET}-links` }).downloads.linkSecret).toBe(`${SECRET}-links`);
  });

  it('takes MEDIA_AUTH_SECRET only as 32 or more letters, digits, "-" or "_" (nginx quotes it in a header)', () => {
    for (const bad of ['short', `${SECRET}"`, `${SECRET} x`, `${SECRET}$x`]) {
      expect(configError({ AUTH_JWT_SECRET: SECRET, MEDIA_AUTH_SECRET: bad })).toMatch(/^MEDIA_AUTH_SECRET: /);
    }
    const good = 'a'.repeat(16) + '-_0123456789ABCDEF';
    expect(loadConfig({ ...BASE, AUTH_JWT_SECRET: SECRET, MEDIA_AUTH_SECRET: good }).downloads.mediaAuthSecret).toBe(good);
    expect(loadConfig({ ...BASE, AUTH_JWT_SECRET: SECRET }).downloads.mediaAuthSecret).toBeUndefined();
  });

  it('is required in production when storage is set: media-auth would answer any caller otherwise', () => {
    const storage = {
      AWS_S3_ENDPOINT_URL: 'http://127.0.0.1:9000', AWS_S3_ACCESS_KEY_ID: 'key-id', AWS_S3_SECRET_ACCESS_KEY: 'secret-key', AWS_STORAGE_BUCKET_NAME: 'recordings',
    };
    for (const value of ['production', 'Production']) {
      expect(configError({ NODE_ENV: value, AUTH_JWT_SECRET: SECRET, ...storage })).toMatch(/^MEDIA_AUTH_SECRET: required in production with storage/);
    }
    const good = 'b'.repeat(40);
    expect(loadConfig({ ...BASE, NODE_ENV: 'production', AUTH_JWT_SECRET: SECRET, ...storage, MEDIA_AUTH_SECRET: good }).downloads.mediaAuthSecret).toBe(good);
    // Without storage there is no media to guard; outside production the secret stays optional.
    expect(loadConfig({ ...BASE, NODE_ENV: 'production', AUTH_JWT_SECRET: SECRET }).storage).toBeUndefined();
    expect(loadConfig({ ...BASE, AUTH_JWT_SECRET: SECRET, ...storage }).downloads.mediaAuthSecret).toBeUndefined();
  });

  it('refuses AUTH_JWT_AUDIENCE=recording-download', () => {
    expect(configError({ AUTH_JWT_SECRET: SECRET, AUTH_JWT_AUDIENCE: 'recording-download' })).toMatch(/^AUTH_JWT_AUDIENCE: /);
  });
});

describe('the real process (npm start)', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'rec-auth-config-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it.each([
    ['NODE_ENV=production without keys', { NODE_ENV: 'production' }, 'AUTH_JWT_SECRET'],
    ['a PEM in AUTH_JWT_SECRET', { AUTH_JWT_SECRET: escaped(spki(rsa2048.publicKey)) }, 'AUTH_JWT_SECRET'],
    ['an EC P-384 AUTH_JWT_PUBLIC_KEY', { AUTH_JWT_PUBLIC_KEY: spki(p384.publicKey) }, 'AUTH_JWT_PUBLIC_KEY'],
  ])('%s: prints one "Configuration error" line and exits non-zero', (_what, env, name) => {
    const result = spawnSync(process.execPath, serviceEntryArgs(), {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        DOTENV_CONFIG_PATH: '/nonexistent/.env',
        DOTENV_CONFIG_QUIET: 'true',
        DATA_DIR: dataDir,
        // Should the check be missing, the server would start: never on a fixed port.
        PORT: '0',
        HOST: '127.0.0.1',
        ...BASE,
        ...env,
      },
      encoding: 'utf8',
      timeout: 20_000,
      // A server that did start is not shut down politely: it is not supposed to exist.
      killSignal: 'SIGKILL',
    });
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^Configuration error: ${name}: `));
  }, 40_000);
});
