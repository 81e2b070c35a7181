import type { WorkerKind } from '../config/config';
import type { RecorderPool, RecorderState } from './workers/recorder-pool';

/** One recorder in the recorders API. */
export interface RecorderEntry {
  kind: WorkerKind;
  id: string;
  state: RecorderState;
  recording: string | null;
  lastSeenAt: Date | null;
}

export interface RecordersDeps {
  /** The worker kinds the recording modes use. */
  kinds: readonly WorkerKind[];
  pools(kind: WorkerKind): RecorderPool | undefined;
  queuedCounts(): Promise<Record<string, number>>;
  /** A poll found recorders of this kind free: the start queue tries its head. */
  onIdleFound(kind: WorkerKind): void;
}

/**
 * What operators see of the recorders: queued starts per kind, every recorder seen one by one
 * (the Jibri pool) with its state, drain and undrain, and the health poll behind those states.
 */
export class Recorders {
  constructor(private readonly deps: RecordersDeps) {}

  async overview(): Promise<{ queued: Record<string, number>; results: RecorderEntry[] }> {
    const counts = await this.deps.queuedCounts();
    const queued: Record<string, number> = {};
    for (const kind of this.deps.kinds) queued[kind] = counts[kind] ?? 0;
    return { queued, results: await this.list() };
  }

  async list(): Promise<RecorderEntry[]> {
    const entries: RecorderEntry[] = [];
    for (const kind of this.deps.kinds) {
      const pool = this.deps.pools(kind);
      if (pool) for (const view of await pool.list()) entries.push({ kind, ...view });
    }
    return entries;
  }

  /** Null when no recorder has this id. */
  async drain(id: string, drained: boolean): Promise<RecorderEntry | null> {
    for (const kind of this.deps.kinds) {
      const view = await this.deps.pools(kind)?.drain(id, drained);
      if (view) {
        // Undrained, it may take a queued start at once.
        if (!drained && view.state === 'idle') this.deps.onIdleFound(kind);
        return { kind, ...view };
      }
    }
    return null;
  }

  /** The recurring health poll of every pool. */
  async poll(): Promise<void> {
    for (const kind of this.deps.kinds) {
      const pool = this.deps.pools(kind);
      if (pool && (await pool.poll()).idle > 0) this.deps.onIdleFound(kind);
    }
  }
}
