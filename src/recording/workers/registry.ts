import type { UploadCapabilityRecorder } from '../store/jibri-upload-store';
import type { AppConfig, WorkerKind } from '../../config/config';
import type { JibriPoolStore } from './jibri/pool-store';
import { WorkerError, type WorkerService } from './worker-service';

/** Maps each recording mode (RECORDING_WORKERS) to the worker that records it. */
export class WorkerRegistry {
  constructor(
    private readonly modes: Record<string, WorkerKind>,
    private readonly workers: Partial<Record<WorkerKind, WorkerService>>,
  ) {}

  get modeNames(): string[] {
    return Object.keys(this.modes);
  }

  kindForMode(mode: string): WorkerKind | undefined {
    return Object.prototype.hasOwnProperty.call(this.modes, mode) ? this.modes[mode] : undefined;
  }

  /** The worker for a kind; a kind without settings gets a worker that fails with `not_configured`. */
  forKind(kind: WorkerKind): WorkerService {
    return this.workers[kind] ?? new UnconfiguredWorker(kind);
  }

  /** Service shutdown: workers that run processes of their own (the sandbox) end them. */
  async close(): Promise<void> {
    const closable = Object.values(this.workers).filter((w): w is WorkerService & { close(): Promise<void> } => typeof (w as { close?: unknown }).close === 'function');
    await Promise.all(closable.map((worker) => worker.close()));
  }
}

/** Stands in for a worker kind whose settings are missing, so the API answers a clear 502. */
class UnconfiguredWorker implements WorkerService {
  readonly startDeadlineMs = 0;
  constructor(readonly kind: WorkerKind) {}
  private fail(): never {
    const what =
      this.kind === 'jibri'
        ? 'JIBRI_URLS and JITSI_BASE_URL'
        : this.kind.startsWith('sandbox')
          ? 'the AWS_S3_* storage settings and map a mode to it in RECORDING_WORKERS'
          : 'LIVEKIT_API_URL, LIVEKIT_API_KEY, LIVEKIT_API_SECRET and the AWS_S3_* storage settings';
    throw new WorkerError('not_configured', `The ${this.kind} worker is not configured: set ${what}.`, this.kind);
  }
  start(): Promise<string> {
    return Promise.resolve().then(() => this.fail());
  }
  stop(): Promise<'stopped'> {
    return Promise.resolve().then(() => this.fail());
  }
  inspect() {
    return Promise.resolve({ state: 'unknown' as const });
  }
  findByRecording() {
    return Promise.resolve(null);
  }
}

/** What the composition root hands the worker factories besides the configuration. */
export interface WorkerDeps {
  /** The Jibri pool's shared state (its own table, not the recordings'). */
  jibriPool: JibriPoolStore;
  /** Where a Jibri start leaves the hash of the upload capability it hands that Jibri. */
  uploadCapabilities: UploadCapabilityRecorder;
}

export type WorkerFactory = (config: AppConfig, deps: WorkerDeps) => Partial<Record<WorkerKind, WorkerService>>;

export function createWorkerRegistry(config: AppConfig, factories: WorkerFactory[], deps: WorkerDeps): WorkerRegistry {
  const workers: Partial<Record<WorkerKind, WorkerService>> = {};
  for (const factory of factories) Object.assign(workers, factory(config, deps));
  return new WorkerRegistry(config.workers.modes, workers);
}
