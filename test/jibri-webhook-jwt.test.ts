import { generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { ConfigError, loadConfig } from '../src/config/config';
import { FakeJibri } from './fakes/jibri-server';
import { startTestService, type TestService } from './helpers/service';

/**
 * Jibri's signed status webhooks (jibri.conf `jwt-info`): Jibri (jicoco's RefreshingJwt) signs
 * an RS256 JWT with header `kid`, claims `iss`, `aud` (a one-element array, as jjwt's
 * `audience().add()` writes it) and `exp`, no `iat`, and sends it as `Authorization: Bearer`.
 * With JIBRI_WEBHOOK_PUBLIC_KEY set, the service accepts only such tokens, and only for the
 * jibriId their `kid` (or `sub`) names.
 */

const ISSUER = 'jibri-pool';
const AUDIENCE = 'recordings';
const PATH_TOKEN = 'jibri-webhook-path-token-0123456789';

const pair = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
const signing = pair();
const stranger = pair();
const publicPem = signing.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const privatePem = signing.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();

/** A token as Jibri makes it; `claims` override (or, when undefined, remove) its claims. */
function jibriJwt(claims: Record<string, unknown> = {}, options: jwt.SignOptions = {}, key: jwt.Secret = signing.privateKey.export({ type: 'pkcs8', format: 'pem' })): string {
  const payload: Record<string, unknown> = { iss: ISSUER, aud: [AUDIENCE], exp: Math.floor(Date.now() / 1000) + 3600, ...claims };
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
  return jwt.sign(payload, key, {
    algorithm: 'RS256',
    keyid: 'jibri-1', // jwt-info's kid: the jibri.id it reports for
    noTimestamp: true,
    ...options,
  });
}

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

const env = (extra: Record<string, string> = {}) => ({
  RECORDING_WORKERS: '{"screen_recording":"jibri"}',
  JITSI_BASE_URL: 'https://meet.example.org',
  JIBRI_WEBHOOK_TOKEN: '',
  // One line with \n escapes, as in .env.
  JIBRI_WEBHOOK_PUBLIC_KEY: publicPem.trim().replace(/\n/g, '\\n'),
  JIBRI_WEBHOOK_JWT_ISSUER: ISSUER,
  JIBRI_WEBHOOK_JWT_AUDIENCE: AUDIENCE,
  ...extra,
});

let jibri: FakeJibri;
let svc: TestService;
let both: TestService;

beforeAll(async () => {
  jibri = await FakeJibri.start({ jibriId: 'jibri-1' });
  const pool = { JIBRI_URLS: jibri.url, JIBRI_IDS: jibri.jibriId };
  svc = await startTestService(env(pool));
  both = await startTestService(env({ ...pool, JIBRI_WEBHOOK_TOKEN: PATH_TOKEN }));
});

afterAll(async () => {
  await Promise.all([svc?.close(), both?.close()]);
  await jibri?.close();
});

const base = (s: TestService) => `${s.url}/api/v1.0/rooms/webhooks-jibri`;
const bearer = (token: string) => ({ headers: { Authorization: `Bearer ${token}` } });

describe('with JIBRI_WEBHOOK_PUBLIC_KEY set', () => {
  it("accepts Jibri's own RS256 token", async () => {
    jibri.setUnhealthy();
    const res = await fetch(`${base(svc)}/v1/status`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', Authorization: `Bearer ${jibriJwt()}` },
      body: JSON.stringify({ jibriId: 'jibri-1', status: { busyStatus: 'IDLE', health: { healthStatus: 'UNHEALTHY' } } }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ message: 'Status recorded.' });
    jibri.setUnhealthy(false);
    expect(await jibri.postStatus(base(svc), bearer(jibriJwt()))).toBe(200);
    // A single-string audience (older Jibri, jjwt's setAudience) is the same claim.
    expect(await jibri.postStatus(base(svc), bearer(jibriJwt({ aud: AUDIENCE })))).toBe(200);
  });

  it.each([
    ['no Authorization header', () => ({})],
    ['a token signed with another key', () => bearer(jibriJwt({}, {}, stranger.privateKey.export({ type: 'pkcs8', format: 'pem' })))],
    ['an expired token', () => bearer(jibriJwt({ exp: Math.floor(Date.now() / 1000) - 60 }))],
    ['a token without exp', () => bearer(jibriJwt({ exp: undefined }))],
    ['another issuer', () => bearer(jibriJwt({ iss: 'someone-else' }))],
    ['another audience', () => bearer(jibriJwt({ aud: ['another-service'] }))],
    ['HS256 keyed with the public key (algorithm confusion)', () => bearer(jwt.sign({ iss: ISSUER, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 600 }, publicPem, { algorithm: 'HS256' }))],
    ['alg none', () => bearer(`${b64({ alg: 'none', typ: 'JWT' })}.${b64({ iss: ISSUER, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 600 })}.`)],
    ['the signature of a good token over a changed payload', () => {
      const [header, , signature] = jibriJwt().split('.');
      return bearer(`${header}.${b64({ iss: ISSUER, aud: [AUDIENCE], exp: Math.floor(Date.now() / 1000) + 7200 })}.${signature}`);
    }],
    ['a token in the path instead of the header', () => ({})],
  ])('refuses %s with 401', async (what, headers) => {
    const url = what.includes('path') ? `${base(svc)}/${jibriJwt()}` : base(svc);
    const res = await fetch(`${url}/v1/status`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(headers() as { headers?: Record<string, string> }).headers },
      body: JSON.stringify({ jibriId: 'jibri-1', status: { busyStatus: 'IDLE', health: { healthStatus: 'HEALTHY' } } }),
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/JWT/);
  });

  it("refuses a valid token whose kid and sub name another Jibri than the body's jibriId", async () => {
    const other = bearer(jibriJwt({}, { keyid: 'jibri-2' }));
    const res = await fetch(`${base(svc)}/v1/status`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...other.headers },
      body: JSON.stringify({ jibriId: 'jibri-1', sessionId: 'forged', status: { busyStatus: 'BUSY', health: { healthStatus: 'HEALTHY' } } }),
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/another Jibri/);
    expect(await jibri.postStatus(base(svc), bearer(jibriJwt({}, { keyid: 'pool' })))).toBe(401);
    // A shared kid with the Jibri's id as sub is bound too.
    expect(await jibri.postStatus(base(svc), bearer(jibriJwt({ sub: 'jibri-1' }, { keyid: 'pool' })))).toBe(200);
  });

  it('refuses session events without the token too, and counts refusals', async () => {
    const res = await fetch(`${base(svc)}/v1/session/status`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(401);
    const ok = await fetch(`${base(svc)}/v1/session/status`, { method: 'POST', headers: { 'content-type': 'application/json', Authorization: `Bearer ${jibriJwt()}` }, body: '{}' });
    expect(ok.status).toBe(200);
    const metrics = await (await fetch(`${svc.url}/metrics`)).text();
    expect(metrics).toMatch(/recorder_jibri_events_total\{outcome="unauthorized"\} [1-9]/);
  });

  it('with JIBRI_WEBHOOK_TOKEN set as well, wants both the JWT and the path token', async () => {
    expect(await jibri.postStatus(`${base(both)}/${PATH_TOKEN}`, bearer(jibriJwt()))).toBe(200);
    expect(await jibri.postStatus(base(both), bearer(jibriJwt()))).toBe(401);
    expect(await jibri.postStatus(`${base(both)}/wrong-token`, bearer(jibriJwt()))).toBe(401);
    // The path token alone, or as the bearer, no longer authorises.
    expect(await jibri.postStatus(`${base(both)}/${PATH_TOKEN}`)).toBe(401);
    expect(await jibri.postStatus(base(both), bearer(PATH_TOKEN))).toBe(401);
  });
});

describe('JIBRI_WEBHOOK_PUBLIC_KEY settings', () => {
  const configError = (extra: Record<string, string>): string => {
    try {
      loadConfig(env(extra));
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as Error).message;
    }
    throw new Error('expected a ConfigError');
  };

  it('stops start-up with one line for a key that is not a PEM RSA public key', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    for (const [value, message] of [
      ['-----BEGIN PUBLIC KEY-----\\nnot a key\\n-----END PUBLIC KEY-----', /expected a PEM RSA public key/],
      ['just text', /expected a PEM RSA public key/],
      [ec, /expected an RSA public key/],
      [privatePem, /private key/],
    ] as const) {
      const line = configError({ JIBRI_WEBHOOK_PUBLIC_KEY: value });
      expect(line).toMatch(/^JIBRI_WEBHOOK_PUBLIC_KEY: /);
      expect(line).toMatch(message);
      expect(line).not.toContain('\n');
      expect(line).not.toContain('PRIVATE');
    }
  });

  it('requires the issuer and audience with the key, and refuses them without it', () => {
    expect(configError({ JIBRI_WEBHOOK_JWT_ISSUER: '' })).toMatch(/^JIBRI_WEBHOOK_JWT_ISSUER: required/);
    expect(configError({ JIBRI_WEBHOOK_JWT_AUDIENCE: '' })).toMatch(/^JIBRI_WEBHOOK_JWT_AUDIENCE: required/);
    expect(configError({ JIBRI_WEBHOOK_PUBLIC_KEY: '' })).toMatch(/^JIBRI_WEBHOOK_JWT_ISSUER: only used with JIBRI_WEBHOOK_PUBLIC_KEY/);
    const config = loadConfig(env());
    expect(config.jibri.webhookJwt).toEqual({ publicKey: publicPem.trim(), issuer: ISSUER, audience: AUDIENCE });
  });
});
