import { isAvailable } from './jibri-api';
import type { JibriInstance, JibriPool } from './jibri-pool';
import { isInPool } from './jibri-pool';
import type { PoolRow } from './pool-store';
import type { RecorderPool, RecorderState, RecorderView } from '../recorder-pool';
import { recordingOfSession } from './worker-id';

/**
 * The Jibri pool as operators see it (the recorders API, /metrics): every instance's state from
 * the shared `jibri_instances` rows, drain and undrain, and the health poll that keeps those
 * rows current (so a Jibri that Jicofo took for its own recording is seen busy).
 */
export class JibriRecorders implements RecorderPool {
  constructor(private readonly pool: JibriPool) {}

  async list(): Promise<RecorderView[]> {
    const rows = await this.pool.view();
    return this.pool.instances.map((instance, i) => view(this.idOf(instance, i), rows.get(instance.key) ?? null));
  }

  async drain(id: string, drained: boolean): Promise<RecorderView | null> {
    const index = this.pool.instances.findIndex((instance, i) => this.idOf(instance, i) === id);
    const instance = this.pool.instances[index];
    if (!instance || !(await this.pool.drain(instance.key, drained))) return null;
    return view(id, await this.pool.viewOf(instance.key));
  }

  async poll(): Promise<{ idle: number }> {
    const seen = await this.pool.view();
    const answers = await Promise.all(
      this.pool.instances.map(async (instance) => {
        try {
          const { report, row } = await this.pool.probe(instance, seen.get(instance.key) ?? null);
          return isAvailable(report) && !row?.reservedFor && !row?.drainedAt;
        } catch {
          return false; // recorded as unreachable by the probe
        }
      }),
    );
    return { idle: answers.filter(Boolean).length };
  }

  /** `jibri.id` when JIBRI_IDS names the instances, else its place in JIBRI_URLS. */
  private idOf(instance: JibriInstance, index: number): string {
    return instance.jibriId ?? `jibri-${index + 1}`;
  }
}

function stateOf(row: PoolRow | null): RecorderState {
  if (row?.drainedAt) return 'draining';
  if (row?.reachable === false || !isInPool(row)) return 'unreachable';
  if (row?.busyStatus === 'BUSY' || row?.reservedFor) return 'busy';
  return 'idle';
}

function view(id: string, row: PoolRow | null): RecorderView {
  return { id, state: stateOf(row), recording: row?.reservedFor ? recordingOfSession(row.reservedFor) : null, lastSeenAt: row?.reportedAt ?? null };
}
