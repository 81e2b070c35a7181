import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { createTestDatabase } from './helpers/pg';
import { serviceEntryArgs } from './helpers/service-process';
import { TEST_JWT_SECRET, TEST_STORAGE_TOKEN } from './helpers/service';

/** Start-up failures end the real process within 10 s with one line naming the setting (issue 23, items 9 to 12). */

const ROOT = path.resolve(__dirname, '..');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs the service (dist/ when built, else `npm start`'s entry point) with exactly these settings; kills it after `limitMs`. */
function runService(env: Record<string, string>, limitMs = 25_000): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, serviceEntryArgs(), {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', DOTENV_CONFIG_PATH: '/nonexistent/.env', DOTENV_CONFIG_QUIET: 'true', HOST: '127.0.0.1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => proc.kill('SIGKILL'), limitMs);
    proc.once('error', reject);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** A service that keeps running: resolves once it logs that it is listening. */
function startService(env: Record<string, string>, limitMs = 60_000): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, serviceEntryArgs(), {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', DOTENV_CONFIG_PATH: '/nonexistent/.env', DOTENV_CONFIG_QUIET: 'true', HOST: '127.0.0.1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`not listening within ${limitMs} ms: ${output}`));
    }, limitMs);
    const onData = (c: Buffer) => {
      output += c.toString('utf8');
      if (/recording orchestrator listening/.test(output)) {
        clearTimeout(timer);
        resolve(proc);
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code}) before listening: ${output}`));
    });
  });
}

// The contract bounds the exit at 10 s; the process here may also pay for tsx's start-up (no dist/
// built), which takes several seconds on a loaded 2-core machine, so the test allows twice that.
const EXIT_BOUND_MS = 20_000;

const lines = (text: string) => text.split('\n').filter((l) => l.trim() !== '');
const production = { NODE_ENV: 'production', AUTH_JWT_SECRET: TEST_JWT_SECRET, RECORDING_STORAGE_EVENT_TOKEN: TEST_STORAGE_TOKEN };

describe('a taken port', () => {
  let other: Server;
  let port: number;
  beforeAll(async () => {
    other = createServer();
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
    port = (other.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => other.close(() => r())));

  it('stops start-up within 10 s with one line naming PORT, and never says it is listening', async () => {
    const db = await createTestDatabase();
    try {
      const run = await runService({ ...production, DATABASE_URL: db.url, PORT: String(port) });
      expect(run.code).not.toBe(0);
      expect(run.code).not.toBeNull();
      expect(run.ms).toBeLessThan(EXIT_BOUND_MS);
      expect(lines(run.stderr)).toEqual([expect.stringMatching(new RegExp(`PORT ${port}: cannot listen \\(EADDRINUSE\\)`))]);
      expect(run.stdout).not.toMatch(/listening/);
    } finally {
      await db.drop();
    }
  }, 45_000);
});

describe('DATABASE_URL', () => {
  const password = 'Secr3t-pw-9137';

  it.each([
    ['no scheme', 'rec0rder-host'],
    ['a bad port', `postgres://recorder:${password}@base:port/recorder`],
    ['another scheme', `mysql://recorder:${password}@base/recorder`],
  ])('that cannot be parsed (%s) stops start-up naming DATABASE_URL, not its value', async (_case, url) => {
    const run = await runService({ ...production, DATABASE_URL: url, PORT: '0' });
    expect(run.code).toBe(1);
    expect(run.ms).toBeLessThan(EXIT_BOUND_MS);
    expect(lines(run.stderr)).toEqual([expect.stringMatching(/^Configuration error: DATABASE_URL: cannot be parsed/)]);
    expect(run.stderr + run.stdout).not.toContain(password);
    expect(run.stderr).not.toContain(url);
  }, 45_000);

  it('naming an unknown host stops start-up with one line naming DATABASE_URL and the host, not the password', async () => {
    const run = await runService({ ...production, DATABASE_URL: `postgres://recorder:${password}@no-such-host.invalid:5432/recorder`, PORT: '0' });
    expect(run.code).toBe(1);
    expect(run.ms).toBeLessThan(EXIT_BOUND_MS);
    expect(lines(run.stderr)).toEqual([expect.stringMatching(/DATABASE_URL: cannot connect to no-such-host\.invalid:5432\/recorder \(ENOTFOUND\)$/)]);
    expect(run.stderr + run.stdout).not.toContain(password);
    expect(run.stdout).not.toMatch(/listening/);
  }, 45_000);

  it('with a wrong password, or none, stops start-up naming DATABASE_URL and never prints the password', async () => {
    const db = await createTestDatabase();
    try {
      const wrong = new URL(db.url);
      wrong.password = password;
      const target = `${wrong.hostname}:${wrong.port}${wrong.pathname}`;
      const bad = await runService({ ...production, DATABASE_URL: wrong.toString(), PORT: '0' });
      expect(bad.code).toBe(1);
      expect(bad.ms).toBeLessThan(EXIT_BOUND_MS);
      expect(lines(bad.stderr)).toEqual([expect.stringContaining(`DATABASE_URL: cannot connect to ${target} (password authentication failed`)]);
      expect(bad.stderr + bad.stdout).not.toContain(password);

      wrong.password = '';
      const none = await runService({ ...production, DATABASE_URL: wrong.toString(), PORT: '0' });
      expect(none.code).toBe(1);
      expect(lines(none.stderr)).toEqual([expect.stringContaining(`DATABASE_URL: cannot connect to ${target} (`)]);
    } finally {
      await db.drop();
    }
  }, 45_000);
});

describe('production settings', () => {
  it.each([
    ['AUTH_JWT_SECRET', 'change-me-jwt-secret-0123456789'],
    ['DATABASE_URL', 'postgres://recorder:change-me@127.0.0.1:5432/recorder'],
    ['LIVEKIT_API_SECRET', 'Change-Me-livekit-secret-0123456789abcdef'],
  ])('%s left at the .env.example placeholder stops start-up naming it, never its value', async (name, value) => {
    const run = await runService({ ...production, DATABASE_URL: 'postgres://recorder:pw@127.0.0.1:5432/recorder', PORT: '0', [name]: value });
    expect(run.code).toBe(1);
    expect(run.ms).toBeLessThan(EXIT_BOUND_MS);
    expect(lines(run.stderr)).toEqual([`Configuration error: ${name}: still the change-me placeholder of .env.example; set a real value for production`]);
    expect(run.stderr + run.stdout).not.toContain(value);
  }, 45_000);

  it('refuse the embedded database unless DATABASE_URL=embedded asks for it', async () => {
    const run = await runService({ ...production, PORT: '0', DATA_DIR: '/nonexistent/data' });
    expect(run.code).toBe(1);
    expect(run.ms).toBeLessThan(EXIT_BOUND_MS);
    expect(lines(run.stderr)).toEqual([expect.stringMatching(/^Configuration error: DATABASE_URL: unset in production: .*DATABASE_URL=embedded/)]);
    expect(run.stdout).not.toMatch(/listening/);
  }, 45_000);
});

describe('the embedded database under one DATA_DIR', () => {
  it('takes over a stale lock, stops a second process with one line naming DATA_DIR, and is unlocked on stop', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'startup-lock-'));
    const lockFile = path.join(dataDir, 'embedded-database.lock');
    // A lock left by a process that is gone (a crash): taken over.
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(lockFile, `${gone}\n`);
    let first: ChildProcess | undefined;
    try {
      // DATABASE_URL=embedded: the embedded database chosen on purpose, accepted in production.
      first = await startService({ ...production, DATABASE_URL: 'embedded', DATA_DIR: dataDir, PORT: '0' });
      expect(readFileSync(lockFile, 'utf8').trim()).toBe(String(first.pid));

      const second = await runService({ DATA_DIR: dataDir, PORT: '0' });
      expect(second.code).toBe(1);
      expect(second.ms).toBeLessThan(EXIT_BOUND_MS);
      expect(lines(second.stderr)).toEqual([expect.stringContaining(`DATA_DIR ${dataDir}: the embedded database is in use by process ${first.pid}`)]);
      expect(second.stdout).not.toMatch(/listening/);

      const exited = new Promise<number | null>((r) => first!.once('exit', (code) => r(code)));
      first.kill('SIGTERM');
      expect(await exited).toBe(0);
      first = undefined;
      expect(existsSync(lockFile)).toBe(false);
    } finally {
      first?.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
