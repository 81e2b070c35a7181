import { spawnSync } from 'node:child_process';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import request from 'supertest';
import type { FakeLivekitServer } from './fakes/livekit-server';
import { appRoutes, normalizePath } from './helpers/app-routes';
import { minioFixture, postStorageEvent, queryDb, stoppedRecording } from './helpers/flow';
import { startFakeLivekit } from './helpers/livekit-env';
import { bearer, startTestService, type TestService, type TestUser } from './helpers/service';

const OPERATOR = 'operator-token-openapi-0123456789';

type Doc = { openapi: string; paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema?: object }> }> }>> };

const owner: TestUser = { sub: 'oa-owner', email: 'oa@example.org', rooms: { oa: 'owner', 'oa-2': 'owner' } };
const stranger: TestUser = { sub: 'oa-stranger', rooms: {} };

let svc: TestService;
let livekit: FakeLivekitServer;
let doc: Doc;
const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addFormat('uuid', /^[0-9a-f-]{36}$/i);
ajv.addFormat('date-time', (s: string) => !Number.isNaN(Date.parse(s)));
ajv.addFormat('uri', (s: string) => {
  try {
    new URL(s);
    return true;
  } catch {
    return false;
  }
});

beforeAll(async () => {
  const fake = await startFakeLivekit();
  livekit = fake.livekit;
  svc = await startTestService({ ...fake.env, RECORDING_EXPIRATION_DAYS: '3', RECORDING_ALLOW_PERMANENT: 'true', JITSI_EVENTS_TOKEN: 'jitsi-events-token-for-openapi-tests', OPERATOR_TOKEN: OPERATOR });
  const res = await request(svc.url).get('/api/v1.0/openapi.json');
  expect(res.status).toBe(200);
  doc = res.body as Doc;
});
afterAll(async () => {
  await svc?.close();
  await livekit?.close();
});

/** The documented operation for a concrete request path (`{x}` matches one segment). */
function documented(method: string, path: string) {
  const clean = normalizePath(path.split('?')[0]!);
  // Literal paths win over templated ones (media-auth is not a recording id).
  const templates = Object.entries(doc.paths).sort(([a], [b]) => a.split('{').length - b.split('{').length);
  for (const [template, ops] of templates) {
    const literal = normalizePath(template).replace(/[.]/g, '\\.');
    const pattern = new RegExp(`^${literal.replace(/\{\w+\}/g, '[^/]+')}$`);
    if (pattern.test(clean) && ops[method]) return { template, op: ops[method]! };
  }
  return null;
}

/** Checks one real answer against the document: its status is documented and its body fits the schema. */
function checkAnswer(method: string, path: string, res: { status: number; body: unknown; headers: Record<string, string> }) {
  const found = documented(method, path);
  if (!found) throw new Error(`${method.toUpperCase()} ${path} is not in the OpenAPI document`);
  const response = found.op.responses[String(res.status)];
  if (!response) throw new Error(`${method.toUpperCase()} ${found.template} answered ${res.status}, which is not documented`);
  const schema = response.content?.['application/json']?.schema;
  if (schema && String(res.headers['content-type']).includes('json')) {
    const validate = ajv.compile(schema);
    if (!validate(res.body)) {
      throw new Error(`${method.toUpperCase()} ${found.template} ${res.status}: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(res.body)}`);
    }
  }
}

it('is a valid OpenAPI 3.1 document', async () => {
  expect(doc.openapi).toBe('3.1.0');
  const result = spawnSync(process.execPath, [path.join(__dirname, 'tools/validate-openapi.mjs')], {
    input: JSON.stringify(doc),
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(result.stderr).toBe('');
  expect(result.stdout.trim()).toBe('valid');
  expect(result.status).toBe(0);
});

it('lists every route the app serves, and only those', () => {
  const served = new Set(appRoutes(svc.running.app).map((r) => `${r.method} ${normalizePath(r.path)}`));
  const listed = new Set(
    Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${normalizePath(path)}`)),
  );
  // media-auth answers every method (nginx only sends GET); it is documented as GET.
  // (Mounted with app.all, Express lists it under every method, or as `_all` on a router.)
  for (const route of [...served]) if (route.endsWith(' /api/v1.0/recordings/media-auth')) served.delete(route);
  served.add('get /api/v1.0/recordings/media-auth');
  expect([...served].sort()).toEqual([...listed].sort());
});

it('every answer the API gives to these requests matches the document', async () => {
  const calls: { method: string; path: string; send: () => request.Test }[] = [];
  const call = (method: 'get' | 'post' | 'put' | 'patch' | 'delete', path: string, prepare: (t: request.Test) => request.Test = (t) => t) =>
    calls.push({ method, path, send: () => prepare(request(svc.url)[method](path)) });

  call('get', '/health');
  call('get', '/api/v1.0/recorders/', (t) => t.set({ Authorization: `Bearer ${OPERATOR}` }));
  call('get', '/api/v1.0/recorders/');
  call('post', '/api/v1.0/recorders/nope/drain/', (t) => t.set({ Authorization: `Bearer ${OPERATOR}` }));
  call('delete', '/api/v1.0/recorders/nope/drain/', (t) => t.set({ Authorization: `Bearer ${OPERATOR}` }));
  call('get', '/ready');
  call('get', '/api/v1.0/openapi.json');
  call('post', '/api/v1.0/rooms/oa/start-recording/', (t) => t.set(bearer(owner)).send({ mode: 'screen_recording' }));
  call('post', '/api/v1.0/rooms/oa/start-recording/', (t) => t.set(bearer(owner)).send({ mode: 'screen_recording' }));
  call('post', '/api/v1.0/rooms/oa/start-recording/', (t) => t.set(bearer(owner)).send({ mode: 'nope' }));
  call('put', '/api/v1.0/rooms/oa/recording-policy/', (t) => t.set(bearer(owner)).send({ trigger: 'automatic', mode: 'screen_recording', options: { layout: 'grid' } }));
  call('get', '/api/v1.0/rooms/oa/', (t) => t.set(bearer(owner)));
  call('get', '/api/v1.0/rooms/oa/', (t) => t.set(bearer({ sub: 'oa-member', rooms: { oa: 'member' } })));
  call('get', '/api/v1.0/rooms/oa/', (t) => t.set(bearer(stranger)));
  call('get', '/api/v1.0/rooms/oa/', (t) => t);
  call('put', '/api/v1.0/rooms/oa/recording-policy/', (t) => t.set(bearer(owner)).send({ trigger: 'never', mode: 'screen_recording' }));
  call('put', '/api/v1.0/rooms/oa/recording-policy/', (t) => t.set(bearer(stranger)).send({ trigger: 'automatic', mode: 'screen_recording' }));
  call('delete', '/api/v1.0/rooms/oa/recording-policy/', (t) => t.set(bearer(stranger)));
  call('delete', '/api/v1.0/rooms/oa/recording-policy/', (t) => t.set(bearer(owner)));
  call('get', '/api/v1.0/rooms/oa/', (t) => t.set(bearer(owner)));
  call('post', '/api/v1.0/rooms/oa/start-recording/', (t) => t.send({ mode: 'screen_recording' }));
  call('post', '/api/v1.0/rooms/oa/start-recording/', (t) => t.set(bearer(stranger)).send({ mode: 'screen_recording' }));
  call('post', '/api/v1.0/rooms/oa/stop-recording/', (t) => t.set(bearer(owner)));
  call('post', '/api/v1.0/rooms/oa/stop-recording/', (t) => t.set(bearer(owner)));
  call('get', '/api/v1.0/recordings/', (t) => t.set(bearer(owner)));
  call('get', '/api/v1.0/recordings/?page_size=1', (t) => t.set(bearer(owner)));
  call('get', '/api/v1.0/recordings/?page=0', (t) => t.set(bearer(owner)));
  call('get', '/api/v1.0/recordings/00000000-0000-4000-8000-000000000000/', (t) => t.set(bearer(owner)));
  call('delete', '/api/v1.0/recordings/00000000-0000-4000-8000-000000000000/', (t) => t.set(bearer(owner)));
  call('patch', '/api/v1.0/recordings/00000000-0000-4000-8000-000000000000/', (t) => t.set(bearer(owner)).send({ is_permanent: true }));
  call('patch', '/api/v1.0/recordings/00000000-0000-4000-8000-000000000000/', (t) => t.send({ is_permanent: true }));
  call('get', '/api/v1.0/recordings/media-auth/', (t) => t.set('X-Original-URL', '/media/recordings/x.mp4'));
  call('get', '/api/v1.0/recordings/media-auth/', (t) => t.set(bearer(owner)).set('X-Original-URL', '/media/../etc/passwd'));
  call('post', '/api/v1.0/recordings/storage-hook/', (t) => t.send({}));
  call('post', '/api/v1.0/recordings/storage-hook/', (t) => t.set('Authorization', 'Bearer storage-token-for-tests').send({}));
  call('post', '/api/v1.0/recordings/storage-hook/', (t) => t.set('Authorization', 'Bearer storage-token-for-tests').send(minioFixture('not-a-recording.json')));
  call('post', '/api/v1.0/rooms/webhooks-livekit/', (t) => t.send('{}'));
  const jitsi = (t: request.Test) => t.set('Authorization', 'Bearer jitsi-events-token-for-openapi-tests').set('Content-Type', 'application/json');
  call('post', '/api/v1.0/rooms/webhooks-jitsi/events/room/created', (t) => jitsi(t).send({ event_name: 'muc-room-created', room_name: 'oa', room_jid: 'oa@conference.meet.example.org', is_breakout: false, created_at: 1796590000 }));
  call('post', '/api/v1.0/rooms/webhooks-jitsi/events/occupant/joined', (t) => jitsi(t).send({ event_name: 'muc-occupant-joined' }));
  call('post', '/api/v1.0/rooms/webhooks-jitsi/events/occupant/left', (t) => t.send({}));
  call('post', '/api/v1.0/rooms/webhooks-jibri/v1/status', (t) => t.send({}));
  call('post', '/api/v1.0/rooms/webhooks-jibri/some-token/v1/status', (t) => t.send({}));
  call('post', '/api/v1.0/rooms/webhooks-jibri/v1/session/status', (t) => t.send({}));
  call('post', '/api/v1.0/recordings/00000000-0000-4000-8000-000000000000/upload-url/', (t) => t.send({}));
  call('post', '/api/v1.0/recordings/00000000-0000-4000-8000-000000000000/download-link/', (t) => t.set(bearer(owner)));
  call('post', '/api/v1.0/recordings/00000000-0000-4000-8000-000000000000/share-links/', (t) => t.set(bearer(owner)).send({}));
  call('post', '/api/v1.0/recordings/00000000-0000-4000-8000-000000000000/share-links/', (t) => t.send({}));
  call('get', '/api/v1.0/recordings/00000000-0000-4000-8000-000000000000/share-links/', (t) => t.set(bearer(owner)));
  call('delete', '/api/v1.0/recordings/00000000-0000-4000-8000-000000000000/share-links/00000000-0000-4000-8000-000000000001/', (t) => t.set(bearer(owner)));
  call('get', '/recordings/00000000-0000-4000-8000-000000000000');
  call('get', '/recordings/00000000-0000-4000-8000-000000000000?share=nope');
  call('get', '/recordings/00000000-0000-4000-8000-000000000000', (t) => t.set(bearer(owner)));
  call('post', '/recordings/00000000-0000-4000-8000-000000000000/share-links', (t) => t.type('form').send({ csrf: 'x' }));
  call('get', '/auth/oidc/login?next=/recordings/00000000-0000-4000-8000-000000000000');
  call('post', '/auth/logout', (t) => t.type('form').send({}));

  let checked = 0;
  for (const c of calls) {
    const res = await c.send();
    checkAnswer(c.method, c.path, res);
    checked += 1;
  }

  // A recording through its whole life: each answer checked too.
  const id = await stoppedRecording(svc.url, owner, 'oa-2');
  const saved = await postStorageEvent(svc.url, minioFixture('put-recording.json', id));
  checkAnswer('post', '/api/v1.0/recordings/storage-hook/', saved);
  for (const [method, path] of [
    ['get', `/api/v1.0/recordings/${id}/`],
    ['post', `/api/v1.0/recordings/${id}/download-link/`],
    ['get', `/api/v1.0/recordings/${id}/`],
    ['post', `/api/v1.0/recordings/${id}/share-links/`],
    ['get', `/api/v1.0/recordings/${id}/share-links/`],
  ] as const) {
    checkAnswer(method, path, await request(svc.url)[method](path).set(bearer(owner)));
  }
  // PATCH: a bad body; what it already is (nothing to do); permanent, which needs the storage (down here).
  const patchPath = `/api/v1.0/recordings/${id}/`;
  const patched = [
    await request(svc.url).patch(patchPath).set(bearer(owner)).send({ is_permanent: 'yes' }),
    await request(svc.url).patch(patchPath).set(bearer(owner)).send({ is_permanent: false }),
    await request(svc.url).patch(patchPath).set(bearer(owner)).send({ is_permanent: true }),
  ];
  for (const res of patched) checkAnswer('patch', patchPath, res);
  expect(patched.map((r) => r.status)).toEqual([400, 200, 503]);
  const created = await request(svc.url).post(`/api/v1.0/recordings/${id}/share-links/`).set(bearer(owner)).send({ expires_in_days: 2 });
  expect(created.status).toBe(201);
  checkAnswer('post', `/api/v1.0/recordings/${id}/share-links/`, created);
  checkAnswer('post', `/api/v1.0/recordings/${id}/share-links/`, await request(svc.url).post(`/api/v1.0/recordings/${id}/share-links/`).set(bearer(owner)).send({ expires_in_days: 0 }));
  const revokePath = `/api/v1.0/recordings/${id}/share-links/${created.body.id}/`;
  checkAnswer('delete', revokePath, await request(svc.url).delete(revokePath).set(bearer(owner)));
  const pagePath = `/recordings/${id}?share=${new URL(created.body.url as string).searchParams.get('share')}`;
  checkAnswer('get', pagePath, await request(svc.url).get(pagePath));
  await queryDb(svc.db.url, "UPDATE recordings SET status = 'notification_succeeded' WHERE id = $1", [id]);
  const del = await request(svc.url).delete(`/api/v1.0/recordings/${id}/`).set(bearer(owner));
  checkAnswer('delete', `/api/v1.0/recordings/${id}/`, del);
  // Storage (127.0.0.1:9) is down here: nothing is deleted, and the caller is told to retry.
  expect(del.status).toBe(503);
  expect(await queryDb(svc.db.url, 'SELECT id FROM recordings WHERE id = $1', [id])).toHaveLength(1);
  expect(checked).toBe(calls.length);
});
