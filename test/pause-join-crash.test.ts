import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { eventually, jobsSettled, queryDb } from './helpers/flow';
import { startFakeLivekit } from './helpers/livekit-env';
import { probeMedia, testPart, JOIN_ENV } from './helpers/media';
import { storeEvent } from './helpers/minio-events';
import { createTestDatabase } from './helpers/pg';
import { startS3Server } from './helpers/s3';
import { startS3Recorder } from './helpers/s3-recorder';
import { bearer, TEST_JWT_SECRET, TEST_STORAGE_TOKEN, type TestUser } from './helpers/service';
import { killAllServiceProcesses, serviceProcess } from './helpers/service-process';
import { startSmtpServer } from './helpers/smtp';

/**
 * The service SIGKILLed while the join uploads the joined file: nothing partial lands at the
 * key (the upload never completed), the parts are still there, and after the restart the join
 * runs again once its lease is over and saves one whole file, with one email.
 */

afterAll(() => killAllServiceProcesses());

const owner: TestUser = { sub: 'crash-owner', email: 'crash-owner@example.org', rooms: { crash: 'owner' } };

it('a join killed during its upload is finished after the restart: the file is whole, one email', async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'pause-crash-test-'));
  const { livekit, env } = await startFakeLivekit();
  const s3 = await startS3Server();
  const storage = await startS3Recorder(s3);
  const smtp = await startSmtpServer();
  const db = await createTestDatabase();
  const svc = await serviceProcess({
    ...env,
    ...storage.env,
    ...smtp.env,
    DATABASE_URL: db.url,
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    RECORDING_STORAGE_EVENT_TOKEN: TEST_STORAGE_TOKEN,
    JOBS_POLL_INTERVAL_MS: '200',
    RECORDING_JOIN_TIMEOUT_SECONDS: '5',
    ...JOIN_ENV,
    ROOM_RECONCILE_INTERVAL_MS: '0',
  });
  const post = (what: string) => request(svc.url).post(`/api/v1.0/rooms/crash/${what}-recording/`).set(bearer(owner)).send(what === 'start' ? { mode: 'screen_recording' } : undefined);
  const lastFilepath = () => {
    const body = livekit.requestsFor('StartRoomCompositeEgress').at(-1)!.body as Record<string, any>;
    return (body.fileOutputs ?? [body.file])[0].filepath as string;
  };
  const uploads = async (key: string, seconds: number) => {
    const part = await testPart(seconds);
    await s3.putObject(key, part.bytes, 'video/mp4');
    await storeEvent(svc.url, s3.bucket, key, { size: part.bytes.length });
  };
  try {
    await svc.start();
    const id = (await post('start')).body.id as string;
    const finalPath = `/${s3.bucket}/recordings/${id}.mp4`;
    const isJoinUpload = (r: { method: string; path: string }) => r.method === 'PUT' && r.path === finalPath;
    const release = storage.hold(isJoinUpload);
    const first = lastFilepath();
    expect((await post('pause')).status).toBe(200);
    await uploads(first, 2);
    expect((await post('resume')).status).toBe(200);
    const second = lastFilepath();
    expect((await post('stop')).status).toBe(200);
    await uploads(second, 3);

    await eventually(async () => storage.requests.some(isJoinUpload), 30_000, 'the join to upload the joined file');
    await svc.kill();
    // The upload the crash cut never completes: nothing lands at the key.
    const refuse = storage.refuse(isJoinUpload);
    release();
    refuse();
    expect(await s3.hasObject(`recordings/${id}.mp4`)).toBe(false);
    expect(await s3.hasObject(`recordings/${id}/parts/000.mp4`)).toBe(true);
    expect(await s3.hasObject(`recordings/${id}/parts/001.mp4`)).toBe(true);

    await svc.start();
    await eventually(async () => (await queryDb<{ status: string }>(db.url, 'SELECT status FROM recordings WHERE id = $1', [id]))[0]!.status === 'notification_succeeded', 45_000, 'the join finished after the restart');
    const file = path.join(tmp, 'joined.mp4');
    writeFileSync(file, await s3.getObject(`recordings/${id}.mp4`));
    expect(Math.abs((await probeMedia(file)).durationSeconds - 5)).toBeLessThanOrEqual(1);
    expect(await s3.hasObject(`recordings/${id}/parts/000.mp4`)).toBe(false);
    expect(await s3.hasObject(`recordings/${id}/parts/001.mp4`)).toBe(false);
    await jobsSettled(db.url, 'email.%');
    expect(smtp.messages).toHaveLength(1);
  } finally {
    await svc.kill();
    await livekit.close();
    await storage.close();
    await s3.close();
    await smtp.stop();
    await db.drop();
    rmSync(tmp, { recursive: true, force: true });
  }
}, 120_000);
