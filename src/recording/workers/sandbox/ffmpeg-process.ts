import { spawn, type ChildProcess } from 'node:child_process';

/** How long ffmpeg gets to write the file's end after `q`, and again after SIGINT, before SIGKILL. */
const FINISH_GRACE_MS = 5_000;
const STDERR_TAIL_CHARS = 600;

/** Every ffmpeg still running in this process: killed if the process exits without stopping them. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

export interface FfmpegExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One ffmpeg process: started, told to finish its file, or killed. */
export class FfmpegProcess {
  /** Settles once, when the process has exited (or could not be spawned: code null). */
  readonly exited: Promise<FfmpegExit>;
  private stderr = '';
  private exit: FfmpegExit | null = null;

  private constructor(private readonly child: ChildProcess) {
    running.add(child);
    installExitHook();
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-STDERR_TAIL_CHARS);
    });
    // Progress lines keep coming on stdout: read and dropped so the pipe never fills.
    child.stdout?.resume();
    // A write to stdin after ffmpeg exited must not crash the service.
    child.stdin?.on('error', () => undefined);
    this.exited = new Promise((resolve) => {
      const done = (exit: FfmpegExit) => {
        if (this.exit) return;
        this.exit = exit;
        running.delete(child);
        resolve(exit);
      };
      child.once('error', (err) => {
        this.stderr = `${this.stderr}\n${err.message}`.slice(-STDERR_TAIL_CHARS);
        done({ code: null, signal: null });
      });
      child.once('close', (code, signal) => done({ code, signal }));
    });
  }

  /**
   * Spawns ffmpeg and resolves once it reports progress (it records); rejects with ffmpeg's
   * last words when it exits first, or when it says nothing within `readyTimeoutMs` (killed then).
   */
  static async start(ffmpegPath: string, args: string[], readyTimeoutMs: number): Promise<FfmpegProcess> {
    const proc = new FfmpegProcess(spawn(ffmpegPath, args, { stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true }));
    let timer: NodeJS.Timeout | undefined;
    const ready = new Promise<void>((resolve) => proc.child.stdout?.once('data', () => resolve()));
    const outcome = await Promise.race([
      ready.then(() => 'ready' as const),
      proc.exited.then(() => 'exited' as const),
      new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), readyTimeoutMs))),
    ]).finally(() => clearTimeout(timer));
    if (outcome === 'ready') return proc;
    proc.kill();
    throw new Error(outcome === 'timeout' ? `ffmpeg did not start recording within ${readyTimeoutMs} ms` : `ffmpeg exited: ${proc.lastWords()}`);
  }

  get hasExited(): boolean {
    return this.exit !== null;
  }

  /** The end of what ffmpeg wrote on stderr, for error messages. */
  lastWords(): string {
    return this.stderr.trim().split('\n').slice(-3).join(' | ') || (this.exit ? `code ${this.exit.code}, signal ${this.exit.signal}` : 'no output');
  }

  /**
   * Asks ffmpeg to end its file as `q` on the keyboard would, then with SIGINT, then kills it.
   * Resolves true when it exited cleanly (the file is complete).
   */
  async finish(): Promise<boolean> {
    if (!this.exit) this.child.stdin?.end('q');
    if (!(await this.exitsWithin(FINISH_GRACE_MS))) {
      this.child.kill('SIGINT');
      if (!(await this.exitsWithin(FINISH_GRACE_MS))) this.kill();
    }
    const exit = await this.exited;
    return exit.code === 0;
  }

  /** Ends the process now (service shutdown, a failed start); the file is left incomplete. */
  kill(): void {
    if (!this.exit) this.child.kill('SIGKILL');
  }

  private async exitsWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const exited = await Promise.race([
      this.exited.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
    ]).finally(() => clearTimeout(timer));
    return exited;
  }
}
