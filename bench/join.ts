/**
 * bench/join: joining a paused recording's parts, end to end through the real service.
 *
 * Ten 60 s 720p parts (H.264 + AAC, one clip made by ffmpeg in setup, uploaded ten times) are
 * written where the fake LiveKit's egress requests said, through a counting proxy in front of
 * s3rver. After the stop the service joins them: we report the join's wall time (the service's
 * own "parts joined" log line, and from the last storage event to the recording saved), the
 * peak RSS of the service process above its idle RSS and of its ffmpeg child, bytes the
 * service and ffmpeg read from and wrote to storage during the join, and speed against real time.
 *
 *   npx tsx bench/join.ts
 * Needs PostgreSQL (TEST_PG_ADMIN_URL or the default below) and ffmpeg/ffprobe on the path
 * (or TEST_FFMPEG_BIN, TEST_FFPROBE_BIN). Bounded: stops by itself within ten minutes.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { eventually, queryDb } from '../test/helpers/flow';
import { startFakeLivekit } from '../test/helpers/livekit-env';
import { storeEvent } from '../test/helpers/minio-events';
import { createTestDatabase } from '../test/helpers/pg';
import { startS3Server, type TestS3 } from '../test/helpers/s3';
import { bearer, TEST_JWT_SECRET, TEST_STORAGE_TOKEN } from '../test/helpers/service';
import { killAllServiceProcesses, serviceProcess } from '../test/helpers/service-process';

process.env.TEST_PG_ADMIN_URL ??= 'postgres://rec_test:rec_test@127.0.0.1:5432/postgres';
const FFMPEG = process.env.TEST_FFMPEG_BIN || 'ffmpeg';
const FFPROBE = process.env.TEST_FFPROBE_BIN || 'ffprobe';
const PARTS = 10;
const PART_SECONDS = 60;
const HARD_LIMIT_MS = 10 * 60 * 1000;
const run = promisify(execFile);
const owner = { sub: 'bench-owner', rooms: { bench: 'owner' } };

/** A proxy in front of s3rver that counts the bytes of request bodies (written) and of answers (read). */
async function countingProxy(s3: TestS3): Promise<{ url: string; counts: { read: number; written: number }; close(): Promise<void> }> {
  const counts = { read: 0, written: 0 };
  const server = http.createServer((req, res) => {
    // s3rver lacks ListMultipartUploads, which the MinIO client asks before a multipart upload:
    // answered here as MinIO does when none is in progress.
    const url = new URL(req.url ?? '/', 'http://storage');
    if (req.method === 'GET' && url.searchParams.has('uploads')) {
      res.writeHead(200, { 'Content-Type': 'application/xml' });
      res.end(`<?xml version="1.0" encoding="UTF-8"?><ListMultipartUploadsResult><Bucket>${s3.bucket}</Bucket><IsTruncated>false</IsTruncated></ListMultipartUploadsResult>`);
      req.resume();
      return;
    }
    const upstream = http.request({ host: s3.host, port: s3.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.on('data', (c: Buffer) => (counts.read += c.length));
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.on('data', (c: Buffer) => (counts.written += c.length));
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** Resident memory of a process in bytes (Linux /proc), 0 once it is gone. */
async function rssOf(pid: number): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/** The ids of the processes whose parent is `pid`. */
async function childrenOf(pid: number): Promise<number[]> {
  const found: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) found.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'bench-join-'));
  const clip = join(work, 'part.mp4');
  const made = Date.now();
  await run(FFMPEG, ['-nostdin', '-v', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=1280x720:rate=25:duration=${PART_SECONDS}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${PART_SECONDS}`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', '50', '-b:v', '2500k',
    '-c:a', 'aac', '-b:a', '128k', '-shortest', '-movflags', '+faststart', clip], { timeout: 300_000 });
  const bytes = await readFile(clip);
  console.log(`setup: one ${PART_SECONDS} s 720p part, ${mb(bytes.length)}, made in ${((Date.now() - made) / 1000).toFixed(1)} s`);

  const { livekit, env } = await startFakeLivekit();
  const s3 = await startS3Server();
  const proxy = await countingProxy(s3);
  const db = await createTestDatabase();
  const svc = await serviceProcess({
    ...env,
    AWS_S3_ENDPOINT_URL: proxy.url,
    AWS_S3_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    AWS_STORAGE_BUCKET_NAME: s3.bucket,
    DATABASE_URL: db.url,
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    RECORDING_STORAGE_EVENT_TOKEN: TEST_STORAGE_TOKEN,
    JOBS_POLL_INTERVAL_MS: '200',
    RECORDING_JOIN_FFMPEG_PATH: FFMPEG,
    RECORDING_JOIN_FFPROBE_PATH: FFPROBE,
    ROOM_RECONCILE_INTERVAL_MS: '0',
    LOG_LEVEL: 'info',
  }, { outputLimit: 1024 * 1024 });
  const post = (what: string) => request(svc.url).post(`/api/v1.0/rooms/bench/${what}-recording/`).set(bearer(owner)).send(what === 'start' ? { mode: 'screen_recording' } : undefined);
  const filepath = () => {
    const body = livekit.requestsFor('StartRoomCompositeEgress').at(-1)!.body as Record<string, any>;
    return (body.fileOutputs ?? [body.file])[0].filepath as string;
  };
  try {
    await svc.start();
    const id = (await post('start')).body.id as string;
    const keys: string[] = [];
    for (let n = 0; n < PARTS; n++) {
      if (n > 0) await post('resume');
      keys.push(filepath());
      await post(n < PARTS - 1 ? 'pause' : 'stop');
    }
    // Settle after start-up before measuring idle.
    await new Promise((r) => setTimeout(r, 2000));
    const pid = svc.pid!;
    const idle = await rssOf(pid);
    for (const key of keys) await s3.putObject(key, bytes, 'video/mp4');
    proxy.counts.read = 0;
    proxy.counts.written = 0;
    let peak = idle;
    let ffmpegPeak = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, await rssOf(pid));
        for (const child of await childrenOf(pid)) ffmpegPeak = Math.max(ffmpegPeak, await rssOf(child));
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const began = Date.now();
    for (const key of keys) await storeEvent(svc.url, s3.bucket, key, { size: bytes.length });
    await eventually(async () => (await queryDb<{ status: string }>(db.url, 'SELECT status FROM recordings WHERE id = $1', [id]))[0]!.status === 'notification_succeeded', HARD_LIMIT_MS, 'the join');
    const wall = (Date.now() - began) / 1000;
    sampling = false;
    await sampler;
    const line = svc.output().split('\n').find((l) => l.includes('"parts joined"'));
    const joined = line ? (JSON.parse(line) as { seconds: number; bytes: number; copy: boolean }) : null;
    const out = join(work, 'joined.mp4');
    await writeFile(out, await s3.getObject(`recordings/${id}.mp4`));
    const { stdout } = await run(FFPROBE, ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', out]).catch(() => ({ stdout: '?' }));
    const recorded = PARTS * PART_SECONDS;
    console.log(`join of ${PARTS} x ${PART_SECONDS} s 720p parts (${mb(bytes.length * PARTS)}), stream copy: ${joined?.copy ?? '?'}`);
    console.log(`  the join itself (ffprobe, ffmpeg, upload): ${joined ? joined.seconds.toFixed(2) : '?'} s = ${joined ? (recorded / joined.seconds).toFixed(0) : '?'}x real time`);
    console.log(`  last storage event to saved (the first stretch copied, the join, removal, save): ${wall.toFixed(2)} s = ${(recorded / wall).toFixed(0)}x real time`);
    console.log(`  service RSS: idle ${mb(idle)}, peak ${mb(peak)} (+${mb(peak - idle)}); ffmpeg peak RSS ${mb(ffmpegPeak)}`);
    console.log(`  storage: read ${mb(proxy.counts.read)}, written ${mb(proxy.counts.written)}; joined file ${joined ? mb(joined.bytes) : '?'}, ffprobe duration ${String(stdout).trim()} s`);
  } finally {
    await svc.kill();
    await killAllServiceProcesses();
    await livekit.close();
    await proxy.close();
    // s3rver can be slow to close after a large upload; the numbers are out already.
    await s3.close().catch(() => undefined);
    await db.drop();
    await rm(work, { recursive: true, force: true });
  }
}

const limit = setTimeout(() => {
  console.error('bench/join: over its time limit');
  process.exit(1);
}, HARD_LIMIT_MS + 120_000);
limit.unref();
main().then(() => process.exit(0), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
