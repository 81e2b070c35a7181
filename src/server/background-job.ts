/** Periodic work (email sending, reconciliation). Safe with several instances: each job claims rows with SKIP LOCKED. */
export interface BackgroundJob {
  readonly name: string;
  start(): void;
  /** Stops scheduling and waits for the run in progress. */
  stop(): Promise<void>;
}

/** Runs `tick` every `intervalMs` (never overlapping itself), and again soon after `kick()`. */
export class IntervalJob implements BackgroundJob {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  private kicked = false;

  constructor(
    readonly name: string,
    private readonly intervalMs: number,
    private readonly tick: () => Promise<void>,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(): void {
    if (!this.stopped || this.intervalMs <= 0) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Ask for a run as soon as the current one (if any) ends. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.kicked = true;
      return;
    }
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.run(), delay);
    this.timer.unref?.();
  }

  private async run(): Promise<void> {
    this.timer = null;
    if (this.running || this.stopped) return;
    this.running = this.tick().catch(this.onError);
    await this.running;
    this.running = null;
    const again = this.kicked;
    this.kicked = false;
    this.schedule(again ? 0 : this.intervalMs);
  }
}
