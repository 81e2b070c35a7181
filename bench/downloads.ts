/**
 * bench/downloads: what nginx's auth_request to media-auth costs, through the real nginx.
 *
 * A proxy nginx runs two servers: the project's nginx/recordings.conf (each request asks the
 * service, then fetches from the storage with the signed headers) and, for comparison, a plain
 * server proxying straight to the storage with the same proxy settings and no auth. The service
 * (`src/main.ts` on real PostgreSQL), the storage and nginx are separate processes; everything
 * listens on 127.0.0.1. Two storages are measured in turn:
 *   - s3rver, the S3 server of the tests (Node; slow, so it tends to hide the auth cost);
 *   - a MinIO-speed stand-in: a second nginx serving the same bytes from disk at /{bucket}/{key}
 *     (it ignores the signature, which the tests check; here only speed matters).
 * For each: (a) a 200 MB recording downloaded whole, auth vs plain, alternating (median MB/s);
 * (b) 1 MB Range requests at random offsets, auth vs plain (req/s, p50/p99), with autocannon and
 * with a keep-alive Node HTTP client loop (autocannon reads bodies at ~50-60 MB/s on a small
 * machine, so for 1 MB responses it measures itself; the loop does not have that ceiling).
 *
 *   npx tsx bench/downloads.ts
 * Needs PostgreSQL (scripts/test.sh sets it up): TEST_PG_ADMIN_URL or the default below, and
 * nginx (TEST_NGINX_BIN or /usr/sbin/nginx). Bounded: stops by itself within a few minutes.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import jwt from 'jsonwebtoken';
import * as Minio from 'minio';
import { Client } from 'pg';
import { projectConfigFor, TEST_MEDIA_AUTH_SECRET } from '../test/helpers/nginx';
import { freePort } from '../test/helpers/ports';

process.env.TEST_PG_ADMIN_URL ??= 'postgres://rec_test:rec_test@127.0.0.1:5432/postgres';
const ROOT = resolve(__dirname, '..');
const NGINX_BIN = process.env.TEST_NGINX_BIN || '/usr/sbin/nginx';
const LARGE_BYTES = 200 * 1024 * 1024;
const RANGE_BYTES = 1024 * 1024;
const LARGE_RUNS = 7;
const RANGE_SECONDS = 8;
const WARMUP_SECONDS = 2;
const CONNECTIONS = 10;
const HARD_LIMIT_MS = 6 * 60 * 1000;
const JWT_SECRET = `bench-${randomBytes(16).toString('hex')}`;
const STORAGE_TOKEN = `bench-${randomBytes(8).toString('hex')}`;
const BUCKET = 'bench-recordings';
const S3_KEY = 'S3RVER';

// autocannon ships no type declarations: the part of its API used here.
interface AutocannonResult {
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  '2xx': number;
}
interface AutocannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
}
type Autocannon = (opts: {
  url: string;
  connections: number;
  duration: number;
  timeout: number;
  requests: { method: string; path: string; setupRequest: (req: AutocannonRequest) => AutocannonRequest }[];
}) => Promise<AutocannonResult>;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as Autocannon;

/** One load run, whatever generated it. */
interface RangeFigures {
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  failed: number;
}

const children: ChildProcess[] = [];
const cleanups: (() => Promise<void>)[] = [];
let stopping = false;


async function waitFor(what: string, check: () => Promise<boolean>, ms = 30000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not come up within ${ms} ms`);
}

async function statusOf(url: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(5000) });
  await res.body?.cancel();
  return res.status;
}

function startChild(name: string, command: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000);
  });
  child.once('exit', (code, signal) => {
    if (!stopping && !(child as ChildProcess & { expectedExit?: boolean }).expectedExit) {
      console.error(`${name} exited early (${code ?? signal}):\n${stderr}`);
    }
  });
  children.push(child);
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  (child as ChildProcess & { expectedExit?: boolean }).expectedExit = true;
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const exited = await new Promise<boolean>((r) => {
    const timer = setTimeout(() => r(false), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      r(true);
    });
  });
  if (!exited) child.kill('SIGKILL');
}

async function stopAll(): Promise<void> {
  stopping = true;
  for (const child of [...children].reverse()) await stopChild(child);
  for (const cleanup of [...cleanups].reverse()) await cleanup().catch(() => undefined);
}

async function createDatabase(): Promise<string> {
  const name = `rec_bench_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const admin = new Client({ connectionString: process.env.TEST_PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  cleanups.push(async () => {
    const c = new Client({ connectionString: process.env.TEST_PG_ADMIN_URL });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.end();
  });
  const url = new URL(process.env.TEST_PG_ADMIN_URL!);
  url.pathname = `/${name}`;
  return url.toString();
}

async function startS3rver(dir: string): Promise<number> {
  const port = await freePort();
  const script = `
    const S3rver = require('s3rver');
    new S3rver({ address: '127.0.0.1', port: ${port}, silent: true, directory: ${JSON.stringify(dir)},
                 vhostBuckets: false, configureBuckets: [{ name: ${JSON.stringify(BUCKET)} }] }).run();`;
  startChild('s3rver', process.execPath, ['-e', script], { PATH: process.env.PATH });
  await waitFor('s3rver', async () => (await statusOf(`http://127.0.0.1:${port}/`)) > 0);
  return port;
}

function nginxMain(dir: string, body: string): string {
  return `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path ${dir}/body;
    proxy_temp_path ${dir}/proxy;
    fastcgi_temp_path ${dir}/fastcgi;
    uwsgi_temp_path ${dir}/uwsgi;
    scgi_temp_path ${dir}/scgi;
${body}
}
`;
}

async function runNginx(name: string, dir: string, conf: string): Promise<ChildProcess> {
  await mkdir(dir, { recursive: true });
  const confPath = join(dir, 'nginx.conf');
  await writeFile(confPath, nginxMain(dir, conf));
  return startChild(name, NGINX_BIN, ['-p', dir, '-c', confPath, '-e', join(dir, 'error.log')], { PATH: process.env.PATH });
}

/** The stand-in storage: files under `root` served at /{bucket}/{key}, with Range support. */
async function startStaticStorage(dir: string, root: string): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  const child = await runNginx('static storage', dir, `
server {
    listen 127.0.0.1:${port};
    root ${root};
    location / { types { } default_type video/mp4; }
}`);
  await waitFor('static storage', async () => (await statusOf(`http://127.0.0.1:${port}/`)) > 0);
  return { port, child };
}

/** The project's file (auth) plus a plain server with the media location's proxy settings, no auth. */
async function startProxy(dir: string, servicePort: number, storagePort: number): Promise<{ auth: string; plain: string; child: ChildProcess }> {
  const authPort = await freePort();
  const plainPort = await freePort();
  const project = projectConfigFor({
    serviceAddress: `127.0.0.1:${servicePort}`,
    storageAddress: `127.0.0.1:${storagePort}`,
    listenPort: authPort,
    accessLogPath: join(dir, 'access.log'),
  });
  const plain = `
upstream bench_plain_storage {
    server 127.0.0.1:${storagePort};
    keepalive 16;
}
server {
    listen 127.0.0.1:${plainPort};
    location ^~ /media/ {
        access_log off;
        proxy_pass_request_headers off;
        proxy_pass_request_body off;
        proxy_set_header Content-Length "";
        proxy_set_header Host 127.0.0.1:${storagePort};
        proxy_set_header Range $http_range;
        proxy_set_header Connection "";
        proxy_http_version 1.1;
        proxy_method GET;
        proxy_pass http://bench_plain_storage/${BUCKET}/;
        proxy_buffering off;
        proxy_buffer_size 64k;   # as the project's media location reads storage
        proxy_buffers 4 64k;
        add_header Content-Disposition "attachment";
        add_header Cache-Control "private, no-store";
    }
}`;
  const child = await runNginx('proxy nginx', dir, `${project}\n${plain}`);
  const auth = `http://127.0.0.1:${authPort}`;
  const plainUrl = `http://127.0.0.1:${plainPort}`;
  await waitFor('proxy nginx', async () => (await statusOf(`${auth}/health`)) === 200 && (await statusOf(`${plainUrl}/`)) > 0);
  return { auth, plain: plainUrl, child };
}

/** One whole download, streamed and discarded; MB/s (MiB). */
function download(base: string, path: string, headers: Record<string, string>): Promise<number> {
  const url = new URL(path, base);
  return new Promise((resolveRate, reject) => {
    const began = performance.now();
    let bytes = 0;
    const req = http.get({ host: url.hostname, port: url.port, path: url.pathname, headers, agent: false, timeout: 60000 }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`GET ${url.pathname} -> ${res.statusCode}`));
        return;
      }
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => {
        if (bytes !== LARGE_BYTES) reject(new Error(`short download: ${bytes} bytes`));
        else resolveRate(bytes / 1024 / 1024 / ((performance.now() - began) / 1000));
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('download timed out')));
    req.on('error', reject);
  });
}

function randomRange(): string {
  const from = Math.floor(Math.random() * ((LARGE_BYTES - RANGE_BYTES) / 4096)) * 4096;
  return `bytes=${from}-${from + RANGE_BYTES - 1}`;
}

async function rangesAutocannon(base: string, path: string, headers: Record<string, string>, seconds: number): Promise<RangeFigures> {
  const r = await autocannon({
    url: base,
    connections: CONNECTIONS,
    duration: seconds,
    timeout: 10,
    requests: [{ method: 'GET', path, setupRequest: (req) => ({ ...req, headers: { ...headers, range: randomRange() } }) }],
  });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, ok: r['2xx'], failed: r.non2xx + r.errors + r.timeouts };
}

/** CONNECTIONS keep-alive loops, each GET after GET until the time is up. */
async function rangesLoop(base: string, path: string, headers: Record<string, string>, seconds: number): Promise<RangeFigures> {
  const url = new URL(base);
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const latencies: number[] = [];
  let failed = 0;
  const one = () =>
    new Promise<void>((done) => {
      const t0 = performance.now();
      const req = http.get({ host: url.hostname, port: url.port, path, agent, timeout: 10000, headers: { ...headers, range: randomRange() } }, (res) => {
        let bytes = 0;
        res.on('data', (c: Buffer) => (bytes += c.length));
        res.on('end', () => {
          if (res.statusCode === 206 && bytes === RANGE_BYTES) latencies.push(performance.now() - t0);
          else failed += 1;
          done();
        });
        res.on('error', () => {
          failed += 1;
          done();
        });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        failed += 1;
        done();
      });
    });
  const began = performance.now();
  const end = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (Date.now() < end) await one();
    }),
  );
  const elapsed = (performance.now() - began) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  return { rps: latencies.length / elapsed, p50: at(0.5), p99: at(0.99), ok: latencies.length, failed };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

const pct = (ratio: number) => `${(ratio * 100).toFixed(1)}%`;
const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
const fmtRange = (r: RangeFigures) =>
  `${r.rps.toFixed(0).padStart(5)} req/s, p50 ${r.p50.toFixed(1).padStart(6)} ms, p99 ${r.p99.toFixed(1).padStart(6)} ms  (${r.ok} ok, ${r.failed} failed)`;

async function measure(label: string, proxy: { auth: string; plain: string }, mediaPath: string, authHeaders: Record<string, string>): Promise<void> {
  // Sanity: the auth server really asks the service (no credentials -> 401), both serve the file.
  if ((await statusOf(`${proxy.auth}${mediaPath}`)) !== 401) throw new Error(`${label}: expected 401 without credentials`);
  if ((await statusOf(`${proxy.auth}${mediaPath}`, { ...authHeaders, range: 'bytes=0-0' })) !== 206) throw new Error(`${label}: auth download failed`);
  if ((await statusOf(`${proxy.plain}${mediaPath}`, { range: 'bytes=0-0' })) !== 206) throw new Error(`${label}: plain download failed`);

  // (a) whole downloads: one warm-up each, then alternating which goes first.
  await download(proxy.auth, mediaPath, authHeaders);
  await download(proxy.plain, mediaPath, {});
  const withAuth: number[] = [];
  const without: number[] = [];
  for (let i = 0; i < LARGE_RUNS; i++) {
    if (i % 2 === 0) {
      withAuth.push(await download(proxy.auth, mediaPath, authHeaders));
      without.push(await download(proxy.plain, mediaPath, {}));
    } else {
      without.push(await download(proxy.plain, mediaPath, {}));
      withAuth.push(await download(proxy.auth, mediaPath, authHeaders));
    }
  }

  // (b) 1 MB ranges.
  await rangesLoop(proxy.auth, mediaPath, authHeaders, WARMUP_SECONDS);
  await rangesLoop(proxy.plain, mediaPath, {}, WARMUP_SECONDS);
  const acAuth = await rangesAutocannon(proxy.auth, mediaPath, authHeaders, RANGE_SECONDS);
  const acPlain = await rangesAutocannon(proxy.plain, mediaPath, {}, RANGE_SECONDS);
  const loopAuth = await rangesLoop(proxy.auth, mediaPath, authHeaders, RANGE_SECONDS);
  const loopPlain = await rangesLoop(proxy.plain, mediaPath, {}, RANGE_SECONDS);

  // Other load on the machine drifts over a run: the ratio of each back-to-back pair cancels
  // most of it, so the verdict uses the median of the pair ratios.
  const large = median(withAuth.map((v, i) => v / without[i]!));
  console.log(`\n== storage: ${label}`);
  console.log(`(a) 200 MB download, median of ${LARGE_RUNS}:`);
  console.log(`    with auth_request   ${median(withAuth).toFixed(0).padStart(5)} MB/s   (runs ${withAuth.map((v) => v.toFixed(0)).join(', ')})`);
  console.log(`    without auth        ${median(without).toFixed(0).padStart(5)} MB/s   (runs ${without.map((v) => v.toFixed(0)).join(', ')})`);
  console.log(`    ratio ${pct(large)} (median of pair ratios; of medians ${pct(median(withAuth) / median(without))})   (aim >= 95%: ${verdict(large >= 0.95)})`);
  console.log(`(b) 1 MB Range requests at random offsets, ${CONNECTIONS} connections, ${RANGE_SECONDS} s each:`);
  console.log(`    autocannon  with auth_request   ${fmtRange(acAuth)}`);
  console.log(`    autocannon  without auth        ${fmtRange(acPlain)}`);
  console.log(`    autocannon  ratio ${pct(acAuth.rps / acPlain.rps)}   (aim >= 50%: ${verdict(acAuth.rps / acPlain.rps >= 0.5)})`);
  console.log(`    node loop   with auth_request   ${fmtRange(loopAuth)}`);
  console.log(`    node loop   without auth        ${fmtRange(loopPlain)}`);
  console.log(`    node loop   ratio ${pct(loopAuth.rps / loopPlain.rps)}   (aim >= 50%: ${verdict(loopAuth.rps / loopPlain.rps >= 0.5)})`);
  if (acAuth.failed || acPlain.failed || loopAuth.failed || loopPlain.failed) {
    throw new Error(`${label}: some range requests failed; the figures are not comparable`);
  }
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'rec-bench-downloads-'));
  cleanups.push(() => rm(work, { recursive: true, force: true }));

  // The recording: 200 MB of random bytes on disk (served by the stand-in) and in s3rver.
  const id = randomUUID();
  const key = `recordings/${id}.mp4`;
  const staticRoot = join(work, 'static');
  const file = join(staticRoot, BUCKET, key);
  await mkdir(dirname(file), { recursive: true });
  await new Promise<void>((done, fail) => {
    const out = createWriteStream(file);
    out.on('error', fail);
    const chunk = randomBytes(1024 * 1024);
    for (let i = 0; i < LARGE_BYTES / chunk.length; i++) out.write(i === 0 ? chunk : randomBytes(chunk.length));
    out.end(done);
  });

  const databaseUrl = await createDatabase();
  const s3Port = await startS3rver(join(work, 's3'));
  // One part: s3rver lacks ListMultipartUploads, which the client calls before a multipart upload.
  const s3 = new Minio.Client({
    endPoint: '127.0.0.1',
    port: s3Port,
    useSSL: false,
    accessKey: S3_KEY,
    secretKey: S3_KEY,
    region: 'us-east-1',
    pathStyle: true,
    partSize: 2 * LARGE_BYTES,
  });
  await s3.putObject(BUCKET, key, createReadStream(file), LARGE_BYTES, { 'Content-Type': 'video/mp4' });

  const servicePort = await freePort();
  startChild('service', process.execPath, [resolve(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'src/main.ts'], {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    PORT: String(servicePort),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    AUTH_JWT_SECRET: JWT_SECRET,
    RECORDING_STORAGE_EVENT_TOKEN: STORAGE_TOKEN,
    AWS_S3_ENDPOINT_URL: `http://127.0.0.1:${s3Port}`,
    AWS_S3_ACCESS_KEY_ID: S3_KEY,
    AWS_S3_SECRET_ACCESS_KEY: S3_KEY,
    AWS_STORAGE_BUCKET_NAME: BUCKET,
    MEDIA_AUTH_SECRET: TEST_MEDIA_AUTH_SECRET, // what projectConfigFor fills into nginx's config
  });
  await waitFor('service', async () => (await statusOf(`http://127.0.0.1:${servicePort}/ready`)) === 200);

  // A saved recording owned by the bench user (rows written directly: this measures downloads).
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  await db.query(
    "INSERT INTO recordings (id, room, mode, status, worker_kind) VALUES ($1, 'bench-room', 'screen_recording', 'saved', 'livekit-video')",
    [id],
  );
  await db.query("INSERT INTO recording_accesses (id, recording_id, user_sub, role) VALUES (gen_random_uuid(), $1, 'bench-owner', 'owner')", [id]);
  await db.end();

  const token = jwt.sign({ sub: 'bench-owner' }, JWT_SECRET, { algorithm: 'HS256', expiresIn: '1h' });
  const authHeaders = { authorization: `Bearer ${token}` };
  const mediaPath = `/media/${key}`;
  const nginxVersion = /nginx\/(\S+)/.exec(spawnSync(NGINX_BIN, ['-v'], { encoding: 'utf8', timeout: 5000 }).stderr ?? '')?.[1] ?? '?';
  console.log(
    `downloads bench: nginx ${nginxVersion} (1 worker each), service (src/main.ts, PostgreSQL) and storage in their own processes, ${cpus().length} cores, all on 127.0.0.1`,
  );

  const viaS3rver = await startProxy(join(work, 'proxy-s3rver'), servicePort, s3Port);
  await measure('s3rver', viaS3rver, mediaPath, authHeaders);
  await stopChild(viaS3rver.child);

  const fast = await startStaticStorage(join(work, 'static-nginx'), staticRoot);
  const viaFast = await startProxy(join(work, 'proxy-static'), servicePort, fast.port);
  await measure('nginx static files (MinIO-speed stand-in)', viaFast, mediaPath, authHeaders);
}

const hardLimit = setTimeout(() => {
  console.error(`bench did not finish within ${HARD_LIMIT_MS / 1000} s: stopping`);
  void stopAll().finally(() => process.exit(1));
}, HARD_LIMIT_MS);

main()
  .then(
    () => 0,
    (err: unknown) => {
      console.error(err instanceof Error ? err.stack : err);
      return 1;
    },
  )
  .then(async (code) => {
    clearTimeout(hardLimit);
    await stopAll();
    process.exit(code);
  });
