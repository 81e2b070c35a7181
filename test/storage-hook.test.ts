import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { minioFixture, postStorageEvent, queryDb, statusOf, stoppedRecording, eventually, jobsSettled } from './helpers/flow';
import type { TestService, TestUser } from './helpers/service';
import type { TestSmtpServer } from './helpers/smtp';
import { startStack, type TestStack } from './helpers/stack';

const owner: TestUser = { sub: 'hook-owner', email: 'owner@example.org', locale: 'en', rooms: { r1: 'owner', r2: 'owner', r3: 'owner', r4: 'owner', r5: 'owner' } };

let stack: TestStack;
let svc: TestService;
let smtp: TestSmtpServer;

beforeAll(async () => {
  stack = await startStack();
  ({ svc, smtp } = stack);
});
afterAll(() => stack?.close());

/** The database state, taken once earlier tests' emails are delivered (so only the request under test can change it). */
async function snapshot(): Promise<string> {
  await eventually(async () => {
    const [row] = await queryDb<{ n: number }>(svc.db.url, "SELECT count(*)::int AS n FROM jobs WHERE kind = 'email.recording-saved' AND status = 'pending'");
    return row!.n === 0;
  }, 10_000, 'outbox drained');
  const rows = await queryDb(svc.db.url, 'SELECT id, status, updated_at FROM recordings ORDER BY id');
  const notes = await queryDb(svc.db.url, "SELECT id, status FROM jobs WHERE kind = 'email.recording-saved' ORDER BY id");
  return JSON.stringify({ rows, notes });
}

describe('fixtures', () => {
  it('put-recording.json marks a stopped video recording saved', async () => {
    const id = await stoppedRecording(svc.url, owner, 'r1');
    const res = await postStorageEvent(svc.url, minioFixture('put-recording.json', id));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ message: 'Event processed.' });
    expect(['saved', 'notification_succeeded']).toContain(await statusOf(svc.db.url, id));
  });

  it('multipart-audio-in-folder.json (CompleteMultipartUpload, parent folder, encoded key) saves an audio recording', async () => {
    const id = await stoppedRecording(svc.url, owner, 'r2', 'transcript');
    const res = await postStorageEvent(svc.url, minioFixture('multipart-audio-in-folder.json', id));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ message: 'Event processed.' });
    expect(['saved', 'notification_succeeded']).toContain(await statusOf(svc.db.url, id));
  });

  it('not-a-recording.json is ignored and changes nothing', async () => {
    const id = await stoppedRecording(svc.url, owner, 'r3');
    const res = await postStorageEvent(svc.url, minioFixture('not-a-recording.json', id));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ message: 'Notification ignored.' });
    expect(await statusOf(svc.db.url, id)).toBe('stopped');
  });

  it('other-bucket.json is refused with 403', async () => {
    const id = await stoppedRecording(svc.url, owner, 'r4');
    const res = await postStorageEvent(svc.url, minioFixture('other-bucket.json', id));
    expect(res.status).toBe(403);
    expect(await statusOf(svc.db.url, id)).toBe('stopped');
  });

  it('ignores a video key for an audio recording and an unknown recording id', async () => {
    const id = await stoppedRecording(svc.url, owner, 'r5', 'transcript');
    const res = await postStorageEvent(svc.url, minioFixture('put-recording.json', id));
    expect(res.body).toEqual({ message: 'Notification ignored.' });
    expect(await statusOf(svc.db.url, id)).toBe('stopped');
    const unknown = await postStorageEvent(svc.url, minioFixture('put-recording.json', '00000000-0000-4000-8000-000000000000'));
    expect(unknown.status).toBe(200);
    expect(unknown.body).toEqual({ message: 'Notification ignored.' });
    const removed = minioFixture('put-recording.json', id) as { EventName: string; Records: { eventName: string }[] };
    removed.Records[0]!.eventName = 's3:ObjectRemoved:Delete';
    expect((await postStorageEvent(svc.url, removed)).body).toEqual({ message: 'Notification ignored.' });
  });
});

describe('authentication', () => {
  it('refuses a missing or wrong token with 401 and changes nothing', async () => {
    const before = await snapshot();
    const body = minioFixture('put-recording.json');
    expect((await postStorageEvent(svc.url, body, null)).status).toBe(401);
    expect((await postStorageEvent(svc.url, body, 'wrong-token')).status).toBe(401);
    expect((await postStorageEvent(svc.url, body, '')).status).toBe(401);
    expect(await snapshot()).toBe(before);
  });
});

describe('garbage', () => {
  const bodies: [string, unknown][] = [
    ['not JSON', 'this is not json'],
    ['empty body', ''],
    ['empty object', {}],
    ['no records', { Records: [] }],
    ['records of the wrong type', { Records: 'yes' }],
    ['key of the wrong type', { Records: [{ eventName: 's3:ObjectCreated:Put', s3: { bucket: { name: 'meet-media-storage' }, object: { key: 42 } } }] }],
    ['badly encoded key', { Records: [{ eventName: 's3:ObjectCreated:Put', s3: { bucket: { name: 'meet-media-storage' }, object: { key: '%E0%A4%A', contentType: 'video/mp4' } } }] }],
    ['null', null],
    ['array', [1, 2, 3]],
  ];
  it.each(bodies)('%s -> 403, nothing changed', async (_name, body) => {
    const before = await snapshot();
    const res = await postStorageEvent(svc.url, body === null ? 'null' : body);
    expect(res.status).toBe(403);
    expect(typeof res.body.detail).toBe('string');
    expect(await snapshot()).toBe(before);
  });

  it('200 random bodies never get a 5xx', async () => {
    const bodies = fc.sample(
      fc.oneof(
        fc.json(),
        fc.string(),
        fc.record({ Records: fc.array(fc.anything(), { maxLength: 3 }) }),
        fc.record({
          Records: fc.array(
            fc.record({
              eventName: fc.oneof(fc.constant('s3:ObjectCreated:Put'), fc.string()),
              s3: fc.record({
                bucket: fc.record({ name: fc.oneof(fc.constant('meet-media-storage'), fc.string()) }),
                object: fc.record({ key: fc.oneof(fc.string(), fc.constant('recordings%2F..%2Fx.mp4')), contentType: fc.string() }),
              }),
            }),
            { maxLength: 3 },
          ),
        }),
      ),
      { numRuns: 200, seed: 4242 },
    );
    for (const body of bodies) {
      const res = await postStorageEvent(svc.url, typeof body === 'string' ? body : JSON.stringify(body));
      expect(res.status).toBeLessThan(500);
    }
  });
});

describe('idempotency', () => {
  it('the same event twice, and ten times concurrently, sends one email', async () => {
    const user: TestUser = { sub: 'idem', email: 'idem@example.org', rooms: { idem: 'owner', idem2: 'owner' } };
    const id = await stoppedRecording(svc.url, user, 'idem');
    const event = minioFixture('put-recording.json', id);
    expect((await postStorageEvent(svc.url, event)).body).toEqual({ message: 'Event processed.' });
    expect((await postStorageEvent(svc.url, event)).body).toEqual({ message: 'Event processed.' });

    const id2 = await stoppedRecording(svc.url, user, 'idem2');
    const event2 = minioFixture('put-recording.json', id2);
    const answers = await Promise.all(Array.from({ length: 10 }, () => postStorageEvent(svc.url, event2)));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));

    await eventually(async () => (await statusOf(svc.db.url, id2)) === 'notification_succeeded', 10_000, 'notification');
    await eventually(async () => (await statusOf(svc.db.url, id)) === 'notification_succeeded', 10_000, 'notification');
    await jobsSettled(svc.db.url, 'email.%'); // a duplicate would have been sent by now
    const mails = smtp.messages.filter((m) => m.to.includes('idem@example.org'));
    expect(mails).toHaveLength(2);
    expect(new Set(mails.map((m) => m.text.includes(id) ? id : id2)).size).toBe(2);
    // A late repeat after the notification changes nothing either.
    expect((await postStorageEvent(svc.url, event2)).body).toEqual({ message: 'Event processed.' });
    expect(await statusOf(svc.db.url, id2)).toBe('notification_succeeded');
  });
});

describe('AWS S3 flavour (RECORDING_EVENT_PARSER=aws)', () => {
  it('takes the content type from the extension and accepts AWS event names', async () => {
    const aws = await startStack({ RECORDING_EVENT_PARSER: 'aws' });
    try {
      const user: TestUser = { sub: 'aws', email: 'aws@example.org', rooms: { aws: 'owner' } };
      const id = await stoppedRecording(aws.svc.url, user, 'aws');
      const event = minioFixture('put-recording.json', id) as { Records: { eventName: string; s3: { object: Record<string, unknown> } }[] };
      event.Records[0]!.eventName = 'ObjectCreated:Put';
      delete event.Records[0]!.s3.object.contentType;
      delete event.Records[0]!.s3.object.userMetadata;
      expect((await postStorageEvent(aws.svc.url, event)).body).toEqual({ message: 'Event processed.' });
      expect(['saved', 'notification_succeeded']).toContain(await statusOf(aws.svc.db.url, id));
    } finally {
      await aws.close();
    }
  });
});

describe('fixture copies', () => {
  // TEST_CONTRACT_FIXTURES: a folder of the contract's own sample payloads, to compare the copies with.
  it('test/fixtures matches the contract fixtures in TEST_CONTRACT_FIXTURES when it is set', () => {
    const shared = process.env.TEST_CONTRACT_FIXTURES;
    if (!shared || !existsSync(shared)) return;
    for (const dir of ['minio', 'livekit']) {
      for (const name of readdirSync(path.join(shared, dir))) {
        expect(readFileSync(path.join(__dirname, 'fixtures', dir, name), 'utf8')).toBe(readFileSync(path.join(shared, dir, name), 'utf8'));
      }
    }
  });
});
