/**
 * The ZIP's throughput against plain downloads of the same bytes, shared by bench/archive.ts and
 * bench/list.ts: three 100 MB recordings (sparse objects in s3rver) of one owner, then rounds
 * that take them as three plain downloads (download links under /media/) and as one ZIP
 * (archive-link), both through nginx, in alternating order: the machine is shared, so the
 * ratio that counts is the one between neighbours.
 */
import { truncate } from 'node:fs/promises';
import http from 'node:http';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'pg';
import type { startS3Server } from '../test/helpers/s3';
import { bearer } from '../test/helpers/service';

export const ZIP_OBJECT_BYTES = 100 * 1024 * 1024;
const OWNER = { sub: 'zip-bench', rooms: {} };

export function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; bytes: number }> {
  return new Promise((done, fail) => {
    const req = http.get(url, { headers, timeout: 120_000 }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => done({ status: res.statusCode ?? 0, bytes }));
      res.on('error', fail);
    });
    req.on('error', fail);
    req.on('timeout', () => req.destroy(new Error('timeout')));
  });
}

async function post(url: string, body: unknown, headers: Record<string, string>): Promise<Record<string, unknown>> {
  const res = await fetch(url, { method: 'POST', headers: { ...headers, 'Content-Type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return (await res.json()) as Record<string, unknown>;
}

export const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
const mbPerSecond = (bytes: number, ms: number) => bytes / 2 ** 20 / (ms / 1000);

/** Three saved recordings of the bench's owner, each a sparse 100 MB object in s3rver. */
export async function seedZipRecordings(db: Client, s3: Awaited<ReturnType<typeof startS3Server>>): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < 3; i += 1) {
    const [row] = (await db.query(`INSERT INTO recordings (id, room, mode, status, worker_kind, reconcile_at) VALUES (gen_random_uuid(), 'zip-room', 'screen_recording', 'saved', 'livekit-video', NULL) RETURNING id`)).rows as { id: string }[];
    const id = row!.id;
    await db.query(`INSERT INTO recording_accesses (id, recording_id, user_sub, role) VALUES (gen_random_uuid(), $1, $2, 'owner')`, [id, OWNER.sub]);
    await db.query(`INSERT INTO recording_files (recording_id, relative_key, kind, content_type, size, status) VALUES ($1, $2, 'composite', 'video/mp4', $3, 'saved')`, [id, `${id}.mp4`, ZIP_OBJECT_BYTES]);
    await s3.putObject(`recordings/${id}.mp4`, Buffer.alloc(1024, 1), 'video/mp4');
    await truncate(join(s3.directory, s3.bucket, 'recordings', `${id}.mp4._S3rver_object`), ZIP_OBJECT_BYTES);
    ids.push(id);
  }
  return ids;
}

export interface ZipRounds {
  plain: number[];
  zip: number[];
  /** ZIP over plain, round by round. */
  ratios: number[];
}

/**
 * `rounds` rounds after one warm-up ZIP, each printed with the load average. `around` wraps
 * each download (e.g. to read CPU counters before and after) and passes its bytes on.
 */
export async function zipRounds(opts: {
  svcUrl: string;
  nginxUrl: string;
  ids: string[];
  rounds: number;
  around?: (which: 'plain' | 'zip', run: () => Promise<{ rate: number; bytes: number }>) => Promise<number>;
}): Promise<ZipRounds> {
  const headers = bearer(OWNER);
  const around = opts.around ?? (async (_which, run) => (await run()).rate);
  const plainRound = async () => {
    const began = Date.now();
    let bytes = 0;
    for (const id of opts.ids) {
      const link = await post(`${opts.svcUrl}/api/v1.0/recordings/${id}/download-link/`, {}, headers);
      const got = await get(`${opts.nginxUrl}${link.url as string}`);
      if (got.status !== 200) throw new Error(`plain download: ${got.status}`);
      bytes += got.bytes;
    }
    return { rate: mbPerSecond(bytes, Date.now() - began), bytes };
  };
  const zipRound = async () => {
    const link = await post(`${opts.svcUrl}/api/v1.0/recordings/archive-link/`, { ids: opts.ids }, headers);
    const began = Date.now();
    const got = await get(`${opts.nginxUrl}${link.url as string}`);
    if (got.status !== 200 || got.bytes < opts.ids.length * ZIP_OBJECT_BYTES) throw new Error(`zip download: ${got.status}, ${got.bytes} bytes`);
    return { rate: mbPerSecond(got.bytes, Date.now() - began), bytes: got.bytes };
  };
  await zipRound(); // warm-up (JIT, connections)
  const result: ZipRounds = { plain: [], zip: [], ratios: [] };
  for (let round = 0; round < opts.rounds; round += 1) {
    const load = loadavg()[0]!.toFixed(2);
    let p: number;
    let z: number;
    if (round % 2 === 0) {
      p = await around('plain', plainRound);
      z = await around('zip', zipRound);
    } else {
      z = await around('zip', zipRound);
      p = await around('plain', plainRound);
    }
    result.plain.push(p);
    result.zip.push(z);
    result.ratios.push(z / p);
    console.log(`  round ${round + 1}: load ${load}  plain ${p.toFixed(0)} MB/s  ZIP ${z.toFixed(0)} MB/s  (${((100 * z) / p).toFixed(0)}%)`);
  }
  return result;
}
