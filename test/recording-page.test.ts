import express from 'express';
import https from 'node:https';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { pageHeaders } from '../src/api/page-headers';
import { pageTranslator } from '../src/notifications/i18n';
import { recordingMain } from '../src/pages/page-html';
import type { RecordingPageView } from '../src/pages/recording-page';
import type { FakeLivekitServer } from './fakes/livekit-server';
import { startFakeLivekit } from './helpers/livekit-env';
import { testAudioOgg, testVideoMp4 } from './helpers/media';
import { startNginx, type TestNginx } from './helpers/nginx';
import { loginOverHttp, startOidcProvider, type TestOidcProvider } from './helpers/oidc-provider';
import { freePort } from './helpers/ports';
import { startS3Server, s3Env, type TestS3 } from './helpers/s3';
import { savedRecording, type SavedRecording } from './helpers/saved-recording';
import { selfSignedCert, type SelfSignedCert } from './helpers/self-signed-cert';
import { Client, Pool } from 'pg';
import { PageSessionStore } from '../src/auth/page-session-store';
import { Sql } from '../src/db/sql';
import { createHash } from 'node:crypto';
import { bearer, startTestService, tokenFor, type TestService, type TestUser } from './helpers/service';

/**
 * The recording page over HTTP (no browser): its headers, what each credential gets, the
 * language, and OpenID Connect sign-in against a real provider through the project's nginx
 * with TLS (so the service is "behind https"): state, nonce and PKCE, cookie attributes, CSRF.
 * The browser scenarios are in recording-page-browser.test.ts.
 */

const ROOM_WITH_MARKUP = `<img>"&'x`;
const alice: TestUser = { sub: 'user-alice', name: 'Alice Martin', rooms: { 'page-a': 'owner', 'page-audio': 'owner', [ROOM_WITH_MARKUP]: 'owner' } };
const bob: TestUser = { sub: 'user-bob', name: 'Bob Dupont', rooms: { 'page-b': 'owner' } };
const TIMEOUT_MS = 15_000;

let s3: TestS3;
let livekit: FakeLivekitServer;
let idp: TestOidcProvider;
let svc: TestService;
let plain: TestService;
let cert: SelfSignedCert;
let nginx: TestNginx;
let publicUrl: string;
let mine: SavedRecording;
let bobs: SavedRecording;
let markup: SavedRecording;
let audio: SavedRecording;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTPS request to nginx (its throwaway certificate trusted). */
function viaNginx(path: string, opts: { method?: string; headers?: Record<string, string>; form?: Record<string, string> } = {}): Promise<Answer> {
  const body = opts.form ? new URLSearchParams(opts.form).toString() : undefined;
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port: nginx.port,
        ca: cert.certPem,
        method: opts.method ?? 'GET',
        path,
        headers: { ...(body !== undefined ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}), ...opts.headers },
        agent: false,
        timeout: TIMEOUT_MS,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`request ${path} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

function setCookies(answer: Answer): string[] {
  const value = answer.headers['set-cookie'];
  return Array.isArray(value) ? value : value ? [value] : [];
}
function cookieLine(answer: Answer, name: string): string | undefined {
  return setCookies(answer).find((line) => line.startsWith(`${name}=`));
}
function cookiePair(line: string | undefined): string {
  return line!.split(';')[0]!;
}
function csrfOf(html: string): string {
  return /name="csrf" value="([^"]+)"/.exec(html)![1]!;
}

/** Signs `login` in at the provider through nginx; returns the session cookie (`name=value`). */
async function signIn(login: string, next: string): Promise<{ session: string; callback: URL; loginCookie: string }> {
  const start = await viaNginx(`/auth/oidc/login?next=${encodeURIComponent(next)}`);
  expect(start.status).toBe(303);
  const loginCookie = cookiePair(cookieLine(start, '__Host-recorder_oidc'));
  const callback = await loginOverHttp(idp, String(start.headers.location), { login });
  const back = await viaNginx(`${callback.pathname}${callback.search}`, { headers: { Cookie: loginCookie } });
  expect(back.status).toBe(303);
  expect(back.headers.location).toBe(next);
  return { session: cookiePair(cookieLine(back, '__Host-recorder_session')), callback, loginCookie };
}

beforeAll(async () => {
  const video = await testVideoMp4();
  s3 = await startS3Server();
  const fake = await startFakeLivekit();
  livekit = fake.livekit;
  cert = await selfSignedCert();
  const port = await freePort();
  publicUrl = `https://127.0.0.1:${port}`;
  idp = await startOidcProvider({ redirectUris: [`${publicUrl}/auth/oidc/callback`] });
  svc = await startTestService({ ...fake.env, ...s3Env(s3), ...idp.env, PUBLIC_URL: publicUrl, TRUST_PROXY: '1', RECORDING_EXPIRATION_DAYS: '30' });
  nginx = await startNginx({ serviceUrl: svc.url, storageUrl: s3.endpointUrl, tls: cert, port });
  // A second service on the same database: no OIDC, embeddable by two hosts.
  plain = await startTestService({ ...fake.env, ...s3Env(s3), PAGE_FRAME_ANCESTORS: "'self' https://app.example.org" }, svc.db);
  const media = { bytes: video.bytes, contentType: video.contentType };
  mine = await savedRecording(svc.url, s3, alice, 'page-a', media);
  bobs = await savedRecording(svc.url, s3, bob, 'page-b', media);
  markup = await savedRecording(svc.url, s3, alice, encodeURIComponent(ROOM_WITH_MARKUP), media);
  const ogg = await testAudioOgg();
  audio = await savedRecording(svc.url, s3, alice, 'page-audio', { bytes: ogg.bytes, contentType: ogg.contentType }, 'transcript');
}, 60_000);

afterAll(async () => {
  await nginx?.stop();
  await plain?.close({ keepDatabase: true });
  await svc?.close();
  await idp?.stop();
  await cert?.remove();
  await livekit?.close();
  await s3?.close();
});

describe('headers', () => {
  it('a strict CSP whose nonce is the script and style tags\', new on every answer; no-referrer, nosniff, no framing, no caching', async () => {
    const one = await request(svc.url).get(`/recordings/${mine.id}`);
    const two = await request(svc.url).get(`/recordings/${mine.id}`);
    const csp = String(one.headers['content-security-policy']);
    const nonce = /script-src 'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)?.[1];
    expect(nonce).toBeDefined();
    expect(csp).toContain(`style-src 'nonce-${nonce}'`);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("base-uri 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).toContain("media-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    expect(one.text).toContain(`<script nonce="${nonce}">`);
    expect(one.text).toContain(`<style nonce="${nonce}">`);
    // Every script and style element carries it: there is no other inline code.
    expect(one.text.match(/<script\b/g)).toHaveLength(1);
    expect(one.text.match(/<style\b/g)).toHaveLength(1);
    expect(one.text).not.toMatch(/\son[a-z]+="/i);
    expect(String(two.headers['content-security-policy'])).not.toContain(nonce!);
    expect(one.headers['referrer-policy']).toBe('no-referrer');
    expect(one.headers['x-content-type-options']).toBe('nosniff');
    expect(one.headers['x-frame-options']).toBe('DENY');
    expect(one.headers['cache-control']).toBe('no-store');
    expect(one.headers['content-type']).toBe('text/html; charset=utf-8');
  });

  it('PAGE_FRAME_ANCESTORS lets the listed hosts frame the page (and drops X-Frame-Options)', async () => {
    const res = await request(plain.url).get(`/recordings/${mine.id}`);
    expect(String(res.headers['content-security-policy'])).toContain("frame-ancestors 'self' https://app.example.org");
    expect(res.headers['x-frame-options']).toBeUndefined();
  });

  it('the same headers come from helmet for any route they are put on', async () => {
    const app = express();
    app.get('/x', ...pageHeaders({ frameAncestors: ["'none'"], mediaOrigins: ['https://media.example.org'] }), (_req, res) => void res.send('ok'));
    const res = await request(app).get('/x');
    expect(String(res.headers['content-security-policy'])).toContain("media-src 'self' https://media.example.org");
    expect(res.headers['x-dns-prefetch-control']).toBe('off');
    expect(res.headers['strict-transport-security']).toBeUndefined();
  });
});

describe('who sees what', () => {
  it('without a credential: 401 with a sign-in link when OIDC is set, else an explanation; never the room name', async () => {
    const withOidc = await request(svc.url).get(`/recordings/${mine.id}`);
    expect(withOidc.status).toBe(401);
    expect(withOidc.text).toContain(`href="/auth/oidc/login?next=%2Frecordings%2F${mine.id}"`);
    expect(withOidc.text).not.toContain('page-a');
    const without = await request(plain.url).get(`/recordings/${mine.id}`);
    expect(without.status).toBe(401);
    expect(without.text).toContain('This page opens from a share link, or from the application in which the recording was made.');
    expect(without.text).not.toContain('/auth/oidc/login');
    expect(without.text).not.toContain('page-a');
    expect((await request(plain.url).get('/auth/oidc/login?next=/recordings/x')).status).toBe(404);
  });

  it('sign-in without OIDC settings: 404 saying sign-in is not configured, not "try again later", in the viewer\'s language', async () => {
    const en = await request(plain.url).get('/auth/oidc/login?next=/recordings/x');
    expect(en.status).toBe(404);
    expect(en.text).toContain('Sign-in is not configured on this service.');
    expect(en.text).not.toContain('try again later');
    const fr = await request(plain.url).get('/auth/oidc/login').set('Accept-Language', 'fr');
    expect(fr.status).toBe(404);
    expect(fr.text).toContain('La connexion n’est pas configurée sur ce service.');
    const callback = await request(plain.url).get('/auth/oidc/callback?code=x&state=y').set('Accept-Language', 'de');
    expect(callback.status).toBe(404);
    expect(callback.text).toContain('Die Anmeldung ist für diesen Dienst nicht eingerichtet.');
  });

  it('a host-app token in Authorization (what the page script sends): the owner gets the page with management, others 403', async () => {
    const owner = await request(svc.url).get(`/recordings/${mine.id}`).set(bearer(alice));
    expect(owner.status).toBe(200);
    expect(owner.text).toContain('data-credential="bearer"');
    expect(owner.text).toContain('Recording of “page-a”');
    expect(owner.text).toContain('data-api="create-share"');
    expect(owner.text).toContain('data-api="delete"');
    // Media through a short-lived download link, never the JWT itself.
    expect(owner.text).toMatch(new RegExp(`src="/media/${mine.key}\\?token=[\\w-]+\\.[\\w-]+\\.[\\w-]+"`));
    expect(owner.text).not.toContain(tokenFor(alice).split('.')[2]);
    // No form needs a CSRF token here (the script uses the API with the bearer).
    expect(owner.text).not.toContain('name="csrf"');

    const stranger = await request(svc.url).get(`/recordings/${mine.id}`).set(bearer(bob));
    expect(stranger.status).toBe(403);
    expect(stranger.text).not.toContain('page-a');
    const unknown = await request(svc.url).get('/recordings/00000000-0000-4000-8000-000000000000').set(bearer(alice));
    expect(unknown.status).toBe(403);
    expect((await request(svc.url).get('/recordings/not-a-uuid').set(bearer(alice))).status).toBe(404);
    const expired = await request(svc.url).get(`/recordings/${mine.id}`).set(bearer(alice, { expiresIn: -60 }));
    expect(expired.status).toBe(401);
    expect(expired.text).not.toContain('page-a');
    // Another scheme (a proxy's Basic authentication) is not a credential of ours.
    expect((await request(svc.url).get(`/recordings/${mine.id}`).set('Authorization', 'Basic dXNlcjpwYXNz')).text).toContain('data-state="needs-credential"');
  });

  it('an audio-only recording gets an <audio> player', async () => {
    const res = await request(svc.url).get(`/recordings/${audio.id}`).set(bearer(alice));
    expect(res.status).toBe(200);
    expect(audio.key).toMatch(/\.ogg$/);
    expect(res.text).toMatch(new RegExp(`<audio id="player" controls preload="metadata" src="/media/${audio.key}\\?token=[^"]+" aria-label="Recording of page-audio"></audio>`));
    expect(res.text).not.toContain('<video');
  });

  it('escapes everything it writes (a room name with markup)', async () => {
    const res = await request(svc.url).get(`/recordings/${markup.id}`).set(bearer(alice));
    expect(res.status).toBe(200);
    expect(res.text).toContain('&lt;img&gt;&quot;&amp;&#39;x');
    expect(res.text).not.toContain(ROOM_WITH_MARKUP);
  });

  it.each([
    ['fr-FR,fr;q=0.9', 'fr', 'Enregistrement de « page-a »'],
    ['de-DE', 'de', 'Aufnahme von „page-a“'],
    ['nl-BE,nl;q=0.8', 'nl', 'Opname van “page-a”'],
    ['es-ES, fr;q=0.5', 'fr', 'Enregistrement de « page-a »'],
    ['ja, es', 'en', 'Recording of “page-a”'],
  ])('Accept-Language %s gives the page in %s', async (header, lang, title) => {
    const res = await request(svc.url).get(`/recordings/${mine.id}`).set(bearer(alice)).set('Accept-Language', header);
    expect(res.status).toBe(200);
    expect(res.text).toContain(`<html lang="${lang}">`);
    expect(res.text).toContain(`<title>${title.replace(/&/g, '&amp;')}</title>`);
  });
});

describe('track files', () => {
  it('are listed with a player and a download each, named by participant, escaped', () => {
    const at = new Date('2025-03-14T09:30:00Z');
    const file = (key: string, kind: 'composite' | 'track', participant: { identity: string; name: string | null } | null, status: 'saved' | 'pending' | 'failed' = 'saved') => ({
      key, kind, contentType: kind === 'track' ? 'audio/ogg' : 'video/mp4', status, participant, trackId: kind === 'track' ? key : null, startedAt: kind === 'track' ? at : null,
    });
    const view: RecordingPageView = {
      recording: { id: mine.id, room: 'page-a', mode: 'screen_recording', status: 'saved', workerKind: 'livekit-video', workerId: null, workerError: null, reason: null, options: {}, isPermanent: false, automatic: false, createdAt: at, updatedAt: at, filesRemovedAt: null, files: [], segments: [] },
      expiresAt: null,
      isExpired: false,
      credential: 'share',
      viewer: null,
      manage: null,
      canDownload: true,
      files: [
        { file: file(`recordings/${mine.id}.mp4`, 'composite', null), mediaUrl: `/media/recordings/${mine.id}.mp4?share=t` },
        { file: file(`recordings/${mine.id}/TR_a.ogg`, 'track', { identity: 'ada', name: 'Ada <Lovelace>' }), mediaUrl: `/media/recordings/${mine.id}/TR_a.ogg?share=t` },
        { file: file(`recordings/${mine.id}/TR_b.ogg`, 'track', { identity: 'bo', name: null }, 'failed'), mediaUrl: null },
      ],
    };
    const ctx = { t: pageTranslator('en'), locale: { language: 'en' as const, formatLocale: 'en-GB' }, zone: 'UTC', nonce: 'n', brand: 'B', session: null, recordingId: mine.id };
    const html = recordingMain(ctx, view);
    expect(html).toContain('<h2 id="tracks-heading">Participant tracks</h2>');
    expect(html).toContain('Audio of Ada &lt;Lovelace&gt;');
    expect(html).toContain(`<audio controls preload="none" src="/media/recordings/${mine.id}/TR_a.ogg?share=t" aria-labelledby="track-0"></audio>`);
    expect(html).toContain('Download the audio of Ada &lt;Lovelace&gt;');
    expect(html).toContain('Audio of bo</span> could not be saved');
    expect(html).toContain('<time datetime="2025-03-14T09:30:00.000Z">Friday, 14 March 2025</time>');
    expect(html).not.toContain('tracks-heading" hidden');
    // Without tracks, no section.
    expect(recordingMain(ctx, { ...view, files: view.files.slice(0, 1) })).not.toContain('tracks-heading');
  });
});

describe('OpenID Connect sign-in behind https', () => {
  it('sends the browser to the provider with PKCE S256, state and nonce, keeping them in a short-lived Secure, HttpOnly, SameSite=Lax cookie', async () => {
    const start = await viaNginx(`/auth/oidc/login?next=${encodeURIComponent(`/recordings/${mine.id}`)}`);
    expect(start.status).toBe(303);
    const location = new URL(String(start.headers.location));
    expect(location.origin).toBe(idp.issuer);
    expect(location.searchParams.get('code_challenge_method')).toBe('S256');
    expect(location.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(location.searchParams.get('state')).toMatch(/^[\w-]{20,}$/);
    expect(location.searchParams.get('nonce')).toMatch(/^[\w-]{20,}$/);
    expect(location.searchParams.get('redirect_uri')).toBe(`${publicUrl}/auth/oidc/callback`);
    expect(location.searchParams.get('scope')).toBe('openid email profile');
    const line = cookieLine(start, '__Host-recorder_oidc')!;
    expect(line).toMatch(/^__Host-recorder_oidc=[^;]+;.*; Path=\/;/);
    expect(line).not.toMatch(/Domain=/);
    expect(line).toMatch(/; HttpOnly/);
    expect(line).toMatch(/; Secure/);
    expect(line).toMatch(/; SameSite=Lax/);
    expect(line).toMatch(/; Max-Age=600/);
    // The PKCE verifier never travels in the clear: the cookie is signed and says nothing readable but its claims.
    expect(line).not.toContain(location.searchParams.get('code_challenge')!);

    for (const next of ['https://evil.example/', '//evil.example/recordings', '/recordings/../admin', `/recordings/${mine.id}?x=1`, '']) {
      expect((await viaNginx(`/auth/oidc/login?next=${encodeURIComponent(next)}`)).status).toBe(400);
    }
  });

  it("signs in: a __Host- session cookie (Secure, HttpOnly, SameSite=Lax) that gives exactly that user's recordings", async () => {
    const { session } = await signIn('user-alice', `/recordings/${mine.id}`);
    const own = await viaNginx(`/recordings/${mine.id}`, { headers: { Cookie: session } });
    expect(own.status).toBe(200);
    expect(own.body).toContain('data-credential="session"');
    expect(own.body).toContain('Signed in as Alice Martin');
    expect(own.body).toContain(`src="/media/${mine.key}"`);
    const theirs = await viaNginx(`/recordings/${bobs.id}`, { headers: { Cookie: session } });
    expect(theirs.status).toBe(403);
    expect(theirs.body).not.toContain('page-b');
    // media-auth reads the same session: her file, not his.
    expect((await viaNginx(`/media/${mine.key}`, { headers: { Cookie: session, Range: 'bytes=0-9' } })).status).toBe(206);
    expect((await viaNginx(`/media/${bobs.key}`, { headers: { Cookie: session, Range: 'bytes=0-9' } })).status).toBe(403);
  });

  it('sets the session cookie with the right attributes and clears the login cookie', async () => {
    const start = await viaNginx(`/auth/oidc/login?next=${encodeURIComponent(`/recordings/${mine.id}`)}`);
    const callback = await loginOverHttp(idp, String(start.headers.location), { login: 'user-alice' });
    const back = await viaNginx(`${callback.pathname}${callback.search}`, { headers: { Cookie: cookiePair(cookieLine(start, '__Host-recorder_oidc')) } });
    const line = cookieLine(back, '__Host-recorder_session')!;
    expect(line).toMatch(/; Path=\//);
    expect(line).toMatch(/; HttpOnly/);
    expect(line).toMatch(/; Secure/);
    expect(line).toMatch(/; SameSite=Lax/);
    expect(line).toMatch(/; Max-Age=28800/);
    expect(cookieLine(back, '__Host-recorder_oidc')).toMatch(/^__Host-recorder_oidc=; Path=\/; Expires=Thu, 01 Jan 1970/);
    expect(line).not.toMatch(/Domain=/);
    // The code is spent: the same callback again is refused, and so is a replay without the cookie.
    expect((await viaNginx(`${callback.pathname}${callback.search}`, { headers: { Cookie: cookiePair(cookieLine(start, '__Host-recorder_oidc')) } })).status).toBe(400);
    expect((await viaNginx(`${callback.pathname}${callback.search}`)).status).toBe(400);
  });

  it('refuses a callback whose state is not the one it sent, and a forged or foreign session cookie', async () => {
    const start = await viaNginx(`/auth/oidc/login?next=${encodeURIComponent(`/recordings/${mine.id}`)}`);
    const callback = await loginOverHttp(idp, String(start.headers.location), { login: 'user-alice' });
    callback.searchParams.set('state', 'not-the-state-we-sent');
    const refused = await viaNginx(`${callback.pathname}${callback.search}`, { headers: { Cookie: cookiePair(cookieLine(start, '__Host-recorder_oidc')) } });
    expect(refused.status).toBe(400);
    expect(cookieLine(refused, '__Host-recorder_session')).toBeUndefined();

    const forged = jwt.sign({ csrf: 'x'.repeat(32) }, 'some-other-key-0123456789abcdef', { algorithm: 'HS256', audience: 'recorder-page-session', subject: 'user-alice', expiresIn: 600 });
    expect((await viaNginx(`/recordings/${mine.id}`, { headers: { Cookie: `__Host-recorder_session=${forged}` } })).status).toBe(401);
    // A host-app JWT is no session either.
    expect((await viaNginx(`/recordings/${mine.id}`, { headers: { Cookie: `__Host-recorder_session=${tokenFor(alice)}` } })).status).toBe(401);
  });

  it("the page's forms need the session's CSRF token and a same-site post; a new link is shown once", async () => {
    const { session } = await signIn('user-alice', `/recordings/${mine.id}`);
    const page = await viaNginx(`/recordings/${mine.id}`, { headers: { Cookie: session } });
    const csrf = csrfOf(page.body);
    const post = (form: Record<string, string>, headers: Record<string, string> = {}) =>
      viaNginx(`/recordings/${mine.id}/share-links`, { method: 'POST', headers: { Cookie: session, ...headers }, form });

    expect((await post({ expires_in_days: '3' })).status).toBe(403);
    expect((await post({ csrf: 'wrong', expires_in_days: '3' })).status).toBe(403);
    expect((await post({ csrf, expires_in_days: '3' }, { 'Sec-Fetch-Site': 'cross-site' })).status).toBe(403);
    expect((await viaNginx(`/recordings/${mine.id}/share-links`, { method: 'POST', form: { csrf, expires_in_days: '3' } })).status).toBe(401);
    const links = () => request(svc.url).get(`/api/v1.0/recordings/${mine.id}/share-links/`).set(bearer(alice));
    const before = (await links()).body.results.length as number;

    const bad = await post({ csrf, expires_in_days: '31' });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('Enter a number of days from 1 to 30.');
    expect((await links()).body.results).toHaveLength(before);

    const created = await post({ csrf, expires_in_days: '3' }, { 'Sec-Fetch-Site': 'same-origin' });
    expect(created.status).toBe(201);
    const url = /id="new-share-url" type="text" readonly value="([^"]+)"/.exec(created.body)?.[1];
    expect(url).toMatch(new RegExp(`^${publicUrl}/recordings/${mine.id}\\?share=[\\w-]{43}$`));
    const token = new URL(url!).searchParams.get('share')!;
    expect((await links()).body.results).toHaveLength(before + 1);
    const later = await viaNginx(`/recordings/${mine.id}`, { headers: { Cookie: session } });
    expect(later.body).not.toContain(token);

    // Revoke from the page: 303 back, the link refused at once.
    const linkId = (await links()).body.results[0].id as string;
    const revoked = await viaNginx(`/recordings/${mine.id}/share-links/${linkId}/revoke`, { method: 'POST', headers: { Cookie: session }, form: { csrf } });
    expect(revoked.status).toBe(303);
    expect(revoked.headers.location).toBe(`/recordings/${mine.id}`);
    expect((await viaNginx(`/media/${mine.key}?share=${token}`, { headers: { Range: 'bytes=0-9' } })).status).toBe(403);

    // Someone else's recording: the form is refused without telling what it is.
    const foreign = await viaNginx(`/recordings/${bobs.id}/delete`, { method: 'POST', headers: { Cookie: session }, form: { csrf } });
    expect(foreign.status).toBe(404);
    expect(foreign.body).not.toContain('page-b');
    expect((await request(svc.url).get(`/api/v1.0/recordings/${bobs.id}/`).set(bearer(bob))).status).toBe(200);
  });

  it('signs out with the CSRF token', async () => {
    const { session } = await signIn('user-alice', `/recordings/${mine.id}`);
    const page = await viaNginx(`/recordings/${mine.id}`, { headers: { Cookie: session } });
    expect((await viaNginx('/auth/logout', { method: 'POST', headers: { Cookie: session }, form: { csrf: 'nope' } })).status).toBe(403);
    const out = await viaNginx('/auth/logout', { method: 'POST', headers: { Cookie: session }, form: { csrf: csrfOf(page.body), next: `/recordings/${mine.id}` } });
    expect(out.status).toBe(303);
    expect(out.headers.location).toBe(`/recordings/${mine.id}`);
    expect(cookieLine(out, '__Host-recorder_session')).toMatch(/^__Host-recorder_session=; Path=\/; Expires=Thu, 01 Jan 1970/);
  });

  it('signing out ends the session server-side: the same cookie no longer opens the page, signs media or deletes', async () => {
    const doomed = await savedRecording(svc.url, s3, alice, 'page-a', { bytes: (await testVideoMp4()).bytes, contentType: 'video/mp4' });
    const { session } = await signIn('user-alice', `/recordings/${doomed.id}`);
    const page = await viaNginx(`/recordings/${doomed.id}`, { headers: { Cookie: session } });
    expect(page.status).toBe(200);
    const csrf = csrfOf(page.body);
    // Only the id's SHA-256 is stored, never the cookie value.
    const id = session.slice(session.indexOf('=') + 1);
    expect(id).toMatch(/^[\w-]{43}$/);
    const rows = await sessionRows(createHash('sha256').update(id).digest());
    expect(rows).toBe(1);

    expect((await viaNginx('/auth/logout', { method: 'POST', headers: { Cookie: session }, form: { csrf } })).status).toBe(200);
    expect(await sessionRows(createHash('sha256').update(id).digest())).toBe(0);
    expect((await viaNginx(`/recordings/${doomed.id}`, { headers: { Cookie: session } })).status).toBe(401);
    expect((await viaNginx(`/media/${doomed.key}`, { headers: { Cookie: session, Range: 'bytes=0-9' } })).status).toBe(401);
    expect((await viaNginx(`/recordings/${doomed.id}/delete`, { method: 'POST', headers: { Cookie: session }, form: { csrf } })).status).toBe(401);
    expect((await request(svc.url).get(`/api/v1.0/recordings/${doomed.id}/`).set(bearer(alice))).status).toBe(200);
  });

  it('a session idle for longer than PAGE_SESSION_IDLE_MINUTES (default 30) ends and its row is deleted', async () => {
    const { session } = await signIn('user-alice', `/recordings/${mine.id}`);
    const hash = createHash('sha256').update(session.slice(session.indexOf('=') + 1)).digest();
    await withDb((db) => db.query(`UPDATE page_sessions SET last_seen_at = now() - interval '29 minutes' WHERE id_hash = $1`, [hash]));
    // Still live at 29 minutes, and the visit moves last-seen on (it was more than a minute ago).
    expect((await viaNginx(`/recordings/${mine.id}`, { headers: { Cookie: session } })).status).toBe(200);
    const seen = await withDb((db) => db.query(`SELECT now() - last_seen_at < interval '1 minute' AS fresh FROM page_sessions WHERE id_hash = $1`, [hash]));
    expect(seen.rows[0].fresh).toBe(true);
    await withDb((db) => db.query(`UPDATE page_sessions SET last_seen_at = now() - interval '31 minutes' WHERE id_hash = $1`, [hash]));
    expect((await viaNginx(`/recordings/${mine.id}`, { headers: { Cookie: session } })).status).toBe(401);
    expect((await viaNginx(`/media/${mine.key}`, { headers: { Cookie: session, Range: 'bytes=0-9' } })).status).toBe(401);
    expect(await sessionRows(hash)).toBe(0);
  });

  it('the prune job deletes sessions past their lifetime or idle too long, and keeps live ones', async () => {
    const pool = new Pool({ connectionString: svc.db.url, max: 1 });
    try {
      const store = new PageSessionStore(new Sql(pool), 30 * 60);
      const row = { sub: 'user-prune', name: null, locale: null, zoneinfo: null, csrf: 'c'.repeat(32) };
      const [live, idle, old] = ['l', 'i', 'o'].map((c) => c.repeat(43));
      await store.insert(live!, row, 3600);
      await store.insert(idle!, row, 3600);
      await store.insert(old!, row, 1);
      const hash = (id: string) => createHash('sha256').update(id).digest();
      await withDb((db) => db.query(`UPDATE page_sessions SET last_seen_at = now() - interval '31 minutes' WHERE id_hash = $1`, [hash(idle!)]));
      await withDb((db) => db.query(`UPDATE page_sessions SET expires_at = now() - interval '1 second' WHERE id_hash = $1`, [hash(old!)]));
      expect(await store.prune()).toBeGreaterThanOrEqual(2);
      expect([await sessionRows(hash(live!)), await sessionRows(hash(idle!)), await sessionRows(hash(old!))]).toEqual([1, 0, 0]);
      expect(await store.read(live!)).toMatchObject({ sub: 'user-prune' });
    } finally {
      await pool.end();
    }
  });
});

async function withDb<T>(work: (db: Client) => Promise<T>): Promise<T> {
  const db = new Client({ connectionString: svc.db.url });
  await db.connect();
  try {
    return await work(db);
  } finally {
    await db.end();
  }
}

async function sessionRows(hash: Buffer): Promise<number> {
  return withDb(async (db) => (await db.query('SELECT count(*)::int AS n FROM page_sessions WHERE id_hash = $1', [hash])).rows[0].n as number);
}

describe('the library page with a sign-in session (no script)', () => {
  it('lists, asks before deleting, deletes on confirmation, and redirects a ZIP to its link', async () => {
    const doomed = await savedRecording(svc.url, s3, alice, 'page-a', { bytes: Buffer.from('library session bytes'), contentType: 'video/mp4' });
    const { session } = await signIn('user-alice', '/recordings');
    const list = await viaNginx('/recordings?room=page-a&status=', { headers: { Cookie: session } });
    expect(list.status).toBe(200);
    expect(list.body).toContain(`data-id="${doomed.id}"`);
    expect(list.body).not.toContain(`data-id="${bobs.id}"`);
    const csrf = csrfOf(list.body);

    const zip = await viaNginx('/recordings/bulk', { method: 'POST', headers: { Cookie: session }, form: { csrf, action: 'zip', ids: doomed.id } });
    expect([zip.status, /role="alert">([^<]*)/.exec(zip.body)?.[1]]).toEqual([303, undefined]);
    expect(String(zip.headers.location)).toMatch(/^\/api\/v1\.0\/recordings\/archive\/\?token=/);

    const asked = await viaNginx('/recordings/bulk', { method: 'POST', headers: { Cookie: session }, form: { csrf, action: 'delete', ids: doomed.id } });
    expect(asked.status).toBe(200);
    expect(asked.body).toMatch(/<section id="confirm" role="alertdialog"[^>]*>/);
    expect(asked.body).not.toMatch(/<section id="confirm"[^>]* hidden>/);
    expect((await request(svc.url).get(`/api/v1.0/recordings/${doomed.id}/`).set(bearer(alice))).status).toBe(200);

    expect((await viaNginx('/recordings/bulk', { method: 'POST', headers: { Cookie: session }, form: { csrf: 'nope', action: 'delete-confirmed', ids: doomed.id } })).status).toBe(303);
    expect((await request(svc.url).get(`/api/v1.0/recordings/${doomed.id}/`).set(bearer(alice))).status).toBe(200);

    const done = await viaNginx('/recordings/bulk', { method: 'POST', headers: { Cookie: session }, form: { csrf, action: 'delete-confirmed', ids: doomed.id } });
    expect(done.status).toBe(200);
    expect(done.body).toContain('1 deleted.');
    expect((await request(svc.url).get(`/api/v1.0/recordings/${doomed.id}/`).set(bearer(alice))).status).toBe(404);
  });
});
