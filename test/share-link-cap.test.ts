import { Client } from 'pg';
import request from 'supertest';
import type { FakeLivekitServer } from './fakes/livekit-server';
import { startFakeLivekit } from './helpers/livekit-env';
import { testVideoMp4 } from './helpers/media';
import { startS3Server, s3Env, type TestS3 } from './helpers/s3';
import { savedRecording, type SavedRecording } from './helpers/saved-recording';
import { bearer, startTestService, type TestService, type TestUser } from './helpers/service';

/**
 * SHARE_LINK_MAX_PER_RECORDING=3: a recording has at most three active (unrevoked, unexpired)
 * share links; more is 409, also when many creations arrive at once. Real service, PostgreSQL,
 * s3rver with a real MP4.
 */

const owner: TestUser = { sub: 'cap-owner', rooms: { 'cap-a': 'owner', 'cap-b': 'owner' } };
const CAP = 3;

let s3: TestS3;
let livekit: FakeLivekitServer;
let svc: TestService;
let pg: Client;
let sequential: SavedRecording;
let concurrent: SavedRecording;

const createLink = (id: string) => request(svc.url).post(`/api/v1.0/recordings/${id}/share-links/`).set(bearer(owner)).send({});
const activeLinks = async (id: string) =>
  Number(
    (await pg.query('SELECT count(*) AS n FROM share_links WHERE recording_id = $1 AND revoked_at IS NULL AND expires_at > now()', [id]))
      .rows[0].n,
  );

beforeAll(async () => {
  const video = await testVideoMp4();
  s3 = await startS3Server();
  const fake = await startFakeLivekit();
  livekit = fake.livekit;
  svc = await startTestService({ ...fake.env, ...s3Env(s3), SHARE_LINK_MAX_PER_RECORDING: String(CAP) });
  pg = new Client({ connectionString: svc.db.url });
  await pg.connect();
  const media = { bytes: video.bytes, contentType: video.contentType };
  sequential = await savedRecording(svc.url, s3, owner, 'cap-a', media);
  concurrent = await savedRecording(svc.url, s3, owner, 'cap-b', media);
}, 60_000);

afterAll(async () => {
  await pg?.end();
  await svc?.close();
  await livekit?.close();
  await s3?.close();
});

it('refuses a link past the cap with 409 and a clear detail; revoked and expired links free a place', async () => {
  const made: string[] = [];
  for (let i = 0; i < CAP; i++) {
    const res = await createLink(sequential.id);
    expect(res.status).toBe(201);
    made.push(res.body.id as string);
  }
  const refused = await createLink(sequential.id);
  expect(refused.status).toBe(409);
  expect(refused.body.detail).toBe(
    `The recording already has ${CAP} active share links (SHARE_LINK_MAX_PER_RECORDING); revoke one before creating another.`,
  );
  expect(await activeLinks(sequential.id)).toBe(CAP);

  const revoked = await request(svc.url).delete(`/api/v1.0/recordings/${sequential.id}/share-links/${made[0]}/`).set(bearer(owner));
  expect(revoked.status).toBe(204);
  expect((await createLink(sequential.id)).status).toBe(201);
  expect((await createLink(sequential.id)).status).toBe(409);

  await pg.query(`UPDATE share_links SET expires_at = now() - interval '1 second' WHERE id = $1`, [made[1]]);
  expect((await createLink(sequential.id)).status).toBe(201);
  expect((await createLink(sequential.id)).status).toBe(409);
  expect(await activeLinks(sequential.id)).toBe(CAP);
});

it('lets exactly the cap through when many creations arrive at once', async () => {
  const answers = await Promise.all(Array.from({ length: 12 }, () => createLink(concurrent.id)));
  const statuses = answers.map((res) => res.status).sort();
  expect(statuses.filter((s) => s === 201)).toHaveLength(CAP);
  expect(statuses.filter((s) => s === 409)).toHaveLength(12 - CAP);
  expect(await activeLinks(concurrent.id)).toBe(CAP);
});
