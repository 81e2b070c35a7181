import request from 'supertest';
import type { FakeLivekitServer } from './fakes/livekit-server';
import { stoppedRecording } from './helpers/flow';
import { startFakeLivekit } from './helpers/livekit-env';
import { bearer, startTestService, type TestService, type TestUser } from './helpers/service';

/** GET /recordings as the server renders it: the filter form's values, paging that keeps them, errors, language. */

const owner: TestUser = { sub: 'libp-owner', rooms: { 'libp-a': 'owner', 'libp-b': 'owner' } };
let livekit: FakeLivekitServer;
let svc: TestService;

beforeAll(async () => {
  const fake = await startFakeLivekit();
  livekit = fake.livekit;
  svc = await startTestService(fake.env);
  await stoppedRecording(svc.url, owner, 'libp-a');
  await stoppedRecording(svc.url, owner, 'libp-a');
  await stoppedRecording(svc.url, owner, 'libp-b');
});
afterAll(async () => {
  await svc?.close();
  await livekit?.close();
});

const page = (query: string, user: TestUser | null = owner, language = 'en') => {
  const req = request(svc.url).get(`/recordings${query}`).set('Accept-Language', language);
  return user ? req.set(bearer(user)) : req;
};
const ids = (html: string) => [...html.matchAll(/<li data-id="([^"]+)"/g)].map((m) => m[1]);

it('lists with the empty fields of the form ignored, and pages keeping the filters', async () => {
  const all = await page('?room=&q=&status=&created_after=&created_before=');
  expect(all.status).toBe(200);
  expect(ids(all.text)).toHaveLength(3);
  expect(all.headers['content-security-policy']).toMatch(/script-src 'nonce-/);
  const first = await page('?room=libp-a&page_size=1');
  expect(ids(first.text)).toHaveLength(1);
  const next = /<a href="([^"]+)" rel="next">/.exec(first.text)![1]!.replace(/&amp;/g, '&');
  expect(next).toContain('room=libp-a');
  const second = await page(next.slice('/recordings'.length));
  expect(ids(second.text)).toHaveLength(1);
  expect(ids(second.text)).not.toEqual(ids(first.text));
  expect(second.text).toContain('rel="prev"');
  expect(second.text).not.toContain('rel="next"');
  expect(second.text).toContain('value="libp-a"');
});

it("shows each status in the viewer's language, the filter's values staying the codes", async () => {
  const en = await page('?status=stopped');
  expect(ids(en.text)).toHaveLength(3);
  expect(en.text).toContain('<span class="rec-status">Stopped, being saved</span>');
  expect(en.text).toContain('<option value="stopped" selected>Stopped, being saved</option>');
  expect(en.text).toContain('<option value="queued">Waiting for a free recorder</option>');
  const fr = await page('', owner, 'fr');
  expect(fr.text).toContain('<span class="rec-status">Arrêté, en cours de sauvegarde</span>');
  expect(fr.text).toContain('<option value="failed_to_start">Échec du démarrage</option>');
  expect(fr.text).not.toContain('>stopped<');
});

it('says which filter is wrong, with 400', async () => {
  const res = await page('?status=bogus');
  expect(res.status).toBe(400);
  expect(res.text).toContain('role="alert"');
  expect(res.text).toMatch(/Invalid status/);
});

it('answers 401 with an explanation without a credential, in the viewer’s language', async () => {
  const res = await page('', null, 'fr');
  expect(res.status).toBe(401);
  expect(res.text).toContain('<html lang="fr">');
  expect(res.text).toContain('Vos enregistrements');
  expect((await page('', owner, 'de')).text).toContain('Ihre Aufzeichnungen');
});

it('refuses the bulk form without a session', async () => {
  const res = await request(svc.url).post('/recordings/bulk').type('form').send({ action: 'delete', ids: 'x' });
  expect(res.status).toBe(401);
});
