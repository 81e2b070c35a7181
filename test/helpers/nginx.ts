import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from './ports';

/**
 * Runs the project's own nginx/recordings.conf in a real nginx. Only the two upstream
 * addresses (the service's may become several `server` entries, as an operator running
 * several instances writes them), the listen line (port, and `ssl` with a certificate when
 * asked) and the access log's file are replaced; everything else, the log format included,
 * is the file operators deploy.
 * nginx runs in the foreground as a single process (`daemon off; master_process off;`), a
 * child of the test process, so stopping it is one signal to one pid.
 */

export const PROJECT_NGINX_CONF = resolve(__dirname, '../../nginx/recordings.conf');
/** The MEDIA_AUTH_SECRET the harness fills in, as the nginx image's envsubst does in production. */
export const TEST_MEDIA_AUTH_SECRET = 'test-media-auth-secret-0123456789abcdef';
const START_TIMEOUT_MS = 10000;
const STOP_TIMEOUT_MS = 5000;

export interface TestNginx {
  /** e.g. `http://127.0.0.1:40125` (`https://` with `tls`) */
  url: string;
  port: number;
  stop(): Promise<void>;
  /** The contents of nginx's error log so far (for failure messages). */
  errorLog(): string;
  /** The access log nginx wrote so far, in the project's own format. */
  accessLog(): string;
}

/** PEM files nginx terminates TLS with (see self-signed-cert.ts). */
export interface NginxTls {
  certPath: string;
  keyPath: string;
}

export interface StartNginxOptions {
  /**
   * Base URL of the service, e.g. `http://127.0.0.1:40001` (only host:port is used); several
   * (instances on one database) become one `server` entry each, which nginx takes round-robin.
   */
  serviceUrl: string | readonly string[];
  /** Base URL of the storage, e.g. `http://127.0.0.1:40002` (only host:port is used). */
  storageUrl: string;
  /** Listen with `ssl` and this certificate, so `$scheme` is https. */
  tls?: NginxTls;
  /** What nginx sends media-auth as X-Media-Auth-Secret (default TEST_MEDIA_AUTH_SECRET). */
  mediaAuthSecret?: string;
  /**
   * Listen on this port (e.g. one PUBLIC_URL already names) instead of a free one; start-up
   * then fails if it was taken meanwhile.
   */
  port?: number;
}

function hostPort(baseUrl: string): string {
  const url = new URL(baseUrl);
  if (!url.port) throw new Error(`nginx harness: ${baseUrl} needs an explicit port`);
  return `${url.hostname}:${url.port}`;
}

/** Replaces exactly one match, or fails loudly if the project file no longer has that shape. */
function replaceOnce(text: string, pattern: RegExp, replacement: string, what: string): string {
  const global = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
  const count = [...text.matchAll(global)].length;
  if (count !== 1) throw new Error(`nginx harness: expected exactly one ${what} in recordings.conf, found ${count}`);
  return text.replace(pattern, replacement);
}

/** The project config with the test's addresses; exported so a test can check what changed. */
export function projectConfigFor(opts: {
  /** host:port, or several: one `server` entry each, on the project file's one line. */
  serviceAddress: string | readonly string[];
  storageAddress: string;
  listenPort: number;
  accessLogPath: string;
  tls?: NginxTls;
  mediaAuthSecret?: string;
}): string {
  let conf = readFileSync(PROJECT_NGINX_CONF, 'utf8');
  const services = typeof opts.serviceAddress === 'string' ? [opts.serviceAddress] : opts.serviceAddress;
  if (services.length === 0) throw new Error('nginx harness: at least one service address');
  // The first address replaces the file's; the others follow on the same line (line numbers stay).
  conf = replaceOnce(
    conf,
    /(upstream\s+recordings_service\s*\{[^}]*?\bserver\s+)[^\s;]+/,
    `$1${services.join('; server ')}`,
    'recordings_service server',
  );
  conf = replaceOnce(
    conf,
    /(upstream\s+recordings_storage\s*\{[^}]*?\bserver\s+)[^\s;]+/,
    `$1${opts.storageAddress}`,
    'recordings_storage server',
  );
  // TLS goes on the listen line itself, so every other line keeps its number.
  const listen = opts.tls
    ? `127.0.0.1:${opts.listenPort} ssl; ssl_certificate ${opts.tls.certPath}; ssl_certificate_key ${opts.tls.keyPath};`
    : `127.0.0.1:${opts.listenPort};`;
  conf = replaceOnce(conf, /^(\s*listen\s+)[^;]+;/m, `$1${listen}`, 'listen directive');
  // The one placeholder the nginx image's envsubst fills in (MEDIA_AUTH_SECRET).
  conf = replaceOnce(conf, /\$\{MEDIA_AUTH_SECRET\}/, opts.mediaAuthSecret ?? TEST_MEDIA_AUTH_SECRET, 'MEDIA_AUTH_SECRET placeholder');
  // Every access log the file writes (not `off`, not comments) goes to the test's file.
  conf = conf.replace(/^(\s*access_log\s+)(?!off\b)[^\s;]+/gm, `$1${opts.accessLogPath}`);
  return conf;
}


function canConnect(port: number): Promise<boolean> {
  return new Promise((resolveConnect) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolveConnect(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** nginx's own http-level log (default format) shares the file: whatever the project file
 * does not log itself still shows up there. */
function mainConfig(dir: string, includePath: string): string {
  return `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;
events { worker_connections 256; }
http {
    access_log ${dir}/access.log;
    client_body_temp_path ${dir}/tmp/body;
    proxy_temp_path ${dir}/tmp/proxy;
    fastcgi_temp_path ${dir}/tmp/fastcgi;
    uwsgi_temp_path ${dir}/tmp/uwsgi;
    scgi_temp_path ${dir}/tmp/scgi;
    include ${includePath};
}
`;
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolveExit) => {
    const timer = setTimeout(() => resolveExit(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolveExit(true);
    });
  });
}

async function startOnce(opts: StartNginxOptions, bin: string): Promise<TestNginx | 'port-taken'> {
  const dir = await mkdtemp(join(tmpdir(), 'rec-nginx-'));
  await mkdir(join(dir, 'tmp'), { recursive: true });
  const port = opts.port ?? (await freePort());
  const includePath = join(dir, 'recordings.conf');
  await writeFile(
    includePath,
    projectConfigFor({
      serviceAddress: typeof opts.serviceUrl === 'string' ? hostPort(opts.serviceUrl) : opts.serviceUrl.map(hostPort),
      storageAddress: hostPort(opts.storageUrl),
      listenPort: port,
      accessLogPath: join(dir, 'access.log'),
      tls: opts.tls,
      mediaAuthSecret: opts.mediaAuthSecret,
    }),
  );
  const confPath = join(dir, 'nginx.conf');
  await writeFile(confPath, mainConfig(dir, includePath));

  const errorLogPath = join(dir, 'error.log');
  const errorLog = (): string => (existsSync(errorLogPath) ? readFileSync(errorLogPath, 'utf8') : '');
  const accessLogPath = join(dir, 'access.log');
  const accessLog = (): string => (existsSync(accessLogPath) ? readFileSync(accessLogPath, 'utf8') : '');
  let stderr = '';
  const child = spawn(bin, ['-p', dir, '-c', confPath, '-e', errorLogPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  let spawnError: Error | undefined;
  child.once('error', (err) => {
    spawnError = err;
  });

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      if (!(await waitForExit(child, STOP_TIMEOUT_MS))) {
        child.kill('SIGKILL');
        await waitForExit(child, STOP_TIMEOUT_MS);
      }
    }
    await rm(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (spawnError || child.exitCode !== null || child.signalCode !== null) {
      await waitForExit(child, 1000);
      const log = `${errorLog()}\n${stderr}`;
      await rm(dir, { recursive: true, force: true });
      if (/Address already in use/i.test(log)) return 'port-taken';
      throw new Error(`nginx did not start (${spawnError?.message ?? `exit ${child.exitCode}`}):\n${log}`);
    }
    if (await canConnect(port)) {
      return { url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`, port, stop, errorLog, accessLog };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const log = errorLog();
  await stop();
  throw new Error(`nginx did not listen on port ${port} within ${START_TIMEOUT_MS} ms:\n${log}`);
}

export async function startNginx(opts: StartNginxOptions): Promise<TestNginx> {
  const bin = process.env.TEST_NGINX_BIN || '/usr/sbin/nginx';
  // The free port is found then released before nginx binds it: retry if another test took it meanwhile.
  for (let attempt = 0; attempt < 5; attempt++) {
    const started = await startOnce(opts, bin);
    if (started !== 'port-taken') return started;
    if (opts.port !== undefined) throw new Error(`nginx harness: port ${opts.port} is taken`);
  }
  throw new Error('nginx harness: could not bind a free port after 5 attempts');
}

