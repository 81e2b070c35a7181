import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import jwt from 'jsonwebtoken';
import { TokenVerifier } from '../src/auth/token-verifier';
import { UsageError, userToken } from '../src/cli/user-token';
import { ConfigError } from '../src/config/config';
import { devOwnerToken, devSecret } from '../src/config/dev-mode';

/**
 * `npm run token`: the JWT it prints is one the service's own verifier accepts with the same
 * settings, carrying exactly the claims asked for; bad arguments are refused, never signed.
 */

const ROOT = path.resolve(__dirname, '..');
const SECRET = 'user-jwt-secret-0123456789abcdef-0123456789';
const ENV = { AUTH_JWT_SECRET: SECRET };

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'token-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ALICE = ['--room', 'r1', '--role', 'owner', '--sub', 'alice'];

it('prints a token the verifier accepts with the claims asked for, expiring after --ttl-hours', () => {
  const token = userToken([...ALICE, '--room', 'r2', '--email', 'alice@example.org', '--name', 'Alice', '--locale', 'fr', '--zoneinfo', 'Europe/Paris', '--ttl-hours', '2'], ENV);
  const result = new TokenVerifier({ secret: SECRET }).verify(token);
  expect(result).toEqual({
    ok: true,
    user: { sub: 'alice', email: 'alice@example.org', name: 'Alice', locale: 'fr', zoneinfo: 'Europe/Paris', rooms: { r1: 'owner', r2: 'owner' } },
  });
  const { exp, iat } = jwt.decode(token) as { exp: number; iat: number };
  expect(exp - iat).toBe(2 * 3600);
  // The default lifetime is 12 hours, and a token signed with another secret is refused.
  const plain = jwt.decode(userToken(ALICE, ENV)) as { exp: number; iat: number };
  expect(plain.exp - plain.iat).toBe(12 * 3600);
  expect(new TokenVerifier({ secret: `${SECRET}-other` }).verify(token).ok).toBe(false);
});

it('adds AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE when they are set', () => {
  const settings = { AUTH_JWT_ISSUER: 'https://app.example.org', AUTH_JWT_AUDIENCE: 'recorder' };
  const token = userToken(ALICE, { ...ENV, ...settings });
  expect(new TokenVerifier({ secret: SECRET, issuer: settings.AUTH_JWT_ISSUER, audience: settings.AUTH_JWT_AUDIENCE }).verify(token).ok).toBe(true);
  expect(new TokenVerifier({ secret: SECRET, issuer: 'https://other.example.org' }).verify(token).ok).toBe(false);
});

it('signs with the private key of AUTH_JWT_PUBLIC_KEY given with --key, and refuses any other key', () => {
  for (const pair of [generateKeyPairSync('ec', { namedCurve: 'prime256v1' }), generateKeyPairSync('rsa', { modulusLength: 2048 })]) {
    const publicKey = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const keyFile = path.join(dir, `key-${pair.privateKey.asymmetricKeyType}.pem`);
    writeFileSync(keyFile, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const env = { AUTH_JWT_PUBLIC_KEY: publicKey };
    expect(new TokenVerifier({ publicKey }).verify(userToken([...ALICE, '--key', keyFile], env)).ok).toBe(true);
    expect(() => userToken(ALICE, env)).toThrow(/--key FILE/);
    const other = path.join(dir, 'other.pem');
    writeFileSync(other, generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    expect(() => userToken([...ALICE, '--key', other], env)).toThrow(/not the private key of AUTH_JWT_PUBLIC_KEY/);
  }
});

it("in development mode signs with the secret the service keeps under DATA_DIR", () => {
  const dataDir = path.join(dir, 'data');
  const token = userToken(ALICE, { DATA_DIR: dataDir });
  const secret = devSecret(dataDir);
  expect(new TokenVerifier({ secret }).verify(token).ok).toBe(true);
  expect(new TokenVerifier({ secret }).verify(devOwnerToken(secret)).ok).toBe(true);
});

it.each([
  [['--room', 'r1', '--role', 'owner'], /--room, --role and --sub are required/],
  [['--role', 'owner', '--sub', 'a'], /--room, --role and --sub are required/],
  [[...ALICE.slice(0, 2), '--role', 'boss', '--sub', 'a'], /--role must be one of owner, administrator, member/],
  [[...ALICE, '--email', 'not-an-address'], /--email/],
  [[...ALICE, '--locale', '12'], /--locale/],
  [[...ALICE, '--zoneinfo', 'Mars/Olympus'], /--zoneinfo/],
  [[...ALICE, '--ttl-hours', '0'], /--ttl-hours/],
  [['--room', 'x'.repeat(256), '--role', 'owner', '--sub', 'a'], /--room/],
  [['--room', 'r1', '--role', 'owner', '--sub', 'a\u0000b'], /--sub/],
])('refuses %j', (args, message) => {
  expect(() => userToken(args, ENV)).toThrow(UsageError);
  expect(() => userToken(args, ENV)).toThrow(message);
});

it('refuses AUTH_JWT_SECRET together with --key, and names a bad setting', () => {
  expect(() => userToken([...ALICE, '--key', '/nonexistent.pem'], ENV)).toThrow(UsageError);
  expect(() => userToken(ALICE, { AUTH_JWT_SECRET: 'short' })).toThrow(ConfigError);
});

it('npm run token prints the token alone on stdout; bad arguments exit 2 with the usage and print no token', () => {
  const run = (args: string[]) => spawnSync('npm', ['run', '-s', 'token', '--', ...args], { cwd: ROOT, env: { ...process.env, ...ENV, NODE_ENV: 'development' }, encoding: 'utf8', timeout: 60_000 });
  const ok = run(ALICE);
  expect(ok.status).toBe(0);
  expect(ok.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
  expect(new TokenVerifier({ secret: SECRET }).verify(ok.stdout.trim()).ok).toBe(true);
  const bad = run(['--room', 'r1', '--unknown']);
  expect(bad.status).toBe(2);
  expect(bad.stdout).toBe('');
  expect(bad.stderr).toMatch(/usage: npm run token/);
}, 90_000);
