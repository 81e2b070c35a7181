import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { freePort } from './ports';

export { freePort };

/**
 * The real service as a separate operating-system process (`src/main.ts`, the `npm start`
 * entry point, or the compiled dist/main.js the image runs), so a test can SIGKILL it mid-flow
 * and start it again on the same port.
 *
 * It runs as `node --import tsx src/main.ts` rather than `node_modules/.bin/tsx src/main.ts`:
 * the tsx CLI forks the real node process as its child, and a SIGKILL to the CLI would leave
 * that child running (port, database connections and all). The child also gets its own
 * process group, killed as a whole, so nothing it started survives a "crash".
 */

const PROJECT_ROOT = resolve(__dirname, '../..');
const OUTPUT_LIMIT = 64 * 1024;
const live = new Set<ChildProcess>();

export interface ServiceProcess {
  /** `http://127.0.0.1:<port>`; the port stays the same across restarts. */
  readonly url: string;
  readonly port: number;
  /** The current process id, undefined while not running. */
  readonly pid: number | undefined;
  readonly running: boolean;
  /** How many times the process was started. */
  readonly starts: number;
  /** The last 64 KB (or `outputLimit`) of stdout and stderr (JSON logs). */
  output(): string;
  /** Spawns the service and resolves once GET /health answers 200. */
  start(): Promise<void>;
  /** SIGKILL (no shutdown, no cleanup: a crash); resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM (graceful shutdown), SIGKILL if it is not gone within 10 s. */
  stop(): Promise<void>;
}

export interface ServiceProcessOptions {
  readyTimeoutMs?: number;
  /** Extra node flags placed before the script, e.g. ['--cpu-prof']. */
  nodeArgs?: string[];
  /** How much of stdout and stderr `output()` keeps (its end); default 64 KB. */
  outputLimit?: number;
  /** Which entry point runs: see serviceEntryArgs(). */
  entry?: ServiceEntry;
}

/**
 * `source`: src/main.ts through tsx, as `npm start` runs it. `dist`: the compiled service, as
 * the image runs it (`node dist/main.js`; build it first with buildService()). `auto` (the
 * default): dist when scripts/test.sh built it before jest (TEST_DIST_BUILT=1), which spares
 * every start tsx's compile; source otherwise, so a plain `npx jest` never runs a stale dist/.
 */
export type ServiceEntry = 'auto' | 'source' | 'dist';

/** The node arguments (after any flags) that start the service from this entry point. */
export function serviceEntryArgs(entry: ServiceEntry = 'auto'): string[] {
  const dist = entry === 'dist' || (entry === 'auto' && process.env.TEST_DIST_BUILT === '1');
  return dist ? ['dist/main.js'] : ['--import', 'tsx', 'src/main.ts'];
}

let built: Promise<void> | undefined;

/**
 * `npm run build` (dist/, what the image runs), once per test process; scripts/test.sh builds it
 * before jest starts (TEST_DIST_BUILT=1), so the tests do not compile beside each other.
 */
export function buildService(): Promise<void> {
  if (process.env.TEST_DIST_BUILT === '1') return Promise.resolve();
  built ??= new Promise<void>((resolveBuild, reject) => {
    const proc = spawn('npm', ['run', 'build'], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    proc.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
    proc.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
    proc.once('error', reject);
    proc.once('exit', (code) => (code === 0 ? resolveBuild() : reject(new Error(`npm run build failed (${code}):\n${output.slice(-4000)}`))));
  });
  return built;
}


function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true);
  return new Promise((resolveExit) => {
    const timer = setTimeout(() => resolveExit(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolveExit(true);
    });
  });
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || exited(child)) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
    return res.status === 200;
  } catch {
    return false;
  }
}

/**
 * A service process with these settings (DATABASE_URL, AUTH_JWT_SECRET, ...). PORT and HOST
 * are chosen here; nothing is inherited from the test's environment except PATH.
 */
export async function serviceProcess(env: Record<string, string>, options: ServiceProcessOptions = {}): Promise<ServiceProcess> {
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  let port = await freePort();
  let child: ChildProcess | undefined;
  let output = '';
  let starts = 0;

  const append = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    const limit = options.outputLimit ?? OUTPUT_LIMIT;
    if (output.length > limit) output = output.slice(-limit);
  };

  const spawnOnce = async (): Promise<'ready' | 'port-taken'> => {
    const proc = spawn(process.execPath, [...(options.nodeArgs ?? []), ...serviceEntryArgs(options.entry)], {
      cwd: PROJECT_ROOT,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        // Never pick up a developer's .env: the test decides every setting.
        DOTENV_CONFIG_PATH: '/nonexistent/.env',
        DOTENV_CONFIG_QUIET: 'true',
        ...env,
        PORT: String(port),
        HOST: '127.0.0.1',
      },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    live.add(proc);
    proc.once('exit', () => live.delete(proc));
    proc.stdout?.on('data', append);
    proc.stderr?.on('data', append);
    starts += 1;

    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + readyTimeoutMs;
    while (Date.now() < deadline) {
      if (exited(proc)) {
        if (/EADDRINUSE/.test(output)) return 'port-taken';
        throw new Error(`service exited during start-up (code ${proc.exitCode}, signal ${proc.signalCode}):\n${output.slice(-4000)}`);
      }
      if (await healthy(url)) return 'ready';
      await new Promise((r) => setTimeout(r, 50));
    }
    signalGroup(proc, 'SIGKILL');
    await waitForExit(proc, 5000);
    throw new Error(`service not healthy within ${readyTimeoutMs} ms:\n${output.slice(-4000)}`);
  };

  const handle: ServiceProcess = {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    get pid() {
      return child && !exited(child) ? child.pid : undefined;
    },
    get running() {
      return child !== undefined && !exited(child);
    },
    get starts() {
      return starts;
    },
    output: () => output,
    async start() {
      if (handle.running) throw new Error('service process already running');
      for (let attempt = 0; attempt < 3; attempt++) {
        if ((await spawnOnce()) === 'ready') return;
        // Someone took the port between two runs: move to another one.
        port = await freePort();
      }
      throw new Error('service process: no free port after 3 attempts');
    },
    async kill() {
      if (!child) return;
      signalGroup(child, 'SIGKILL');
      await waitForExit(child, 10_000);
    },
    async stop() {
      if (!child || exited(child)) return;
      signalGroup(child, 'SIGTERM');
      if (!(await waitForExit(child, 10_000))) {
        signalGroup(child, 'SIGKILL');
        await waitForExit(child, 5000);
      }
    },
  };
  return handle;
}

/** SIGKILLs every service process still running (for afterAll/afterEach, whatever happened). */
export async function killAllServiceProcesses(): Promise<void> {
  const children = [...live];
  for (const c of children) signalGroup(c, 'SIGKILL');
  await Promise.all(children.map((c) => waitForExit(c, 10_000)));
}

// Last resort if the test runner exits without running afterAll: no orphaned services.
process.once('exit', () => {
  for (const c of live) signalGroup(c, 'SIGKILL');
});
