import type { WorkerKind } from '../config/config';
import type { Recording } from './recording';
import type { RecordingStatus } from './status';
import type { TransitionPatch } from './store/recording-changes';
import type { ReportReceipt } from './workers/status-reports';

/** The mediator's settings and hooks, and what it answers to a worker's status report. */

/** What became of a worker's status report: the worker's receipt, with the recordings it ended. */
export type StatusReport =
  | Exclude<ReportReceipt, { outcome: 'recorded' }>
  | { outcome: 'not_configured' }
  | { outcome: 'recorded'; instance: string; status: string; ended: Recording[] };

export interface MediatorOptions {
  outputFolder: string;
  /** RECONCILE_INITIATED_GRACE_MS: how much longer than a start's deadline the reconciler waits. */
  initiatedGraceMs: number;
  onWorkerCall?(kind: string, op: 'start' | 'stop', outcome: 'ok' | 'error', seconds: number): void;
  /** The worker had no recorder free: the start queue keeps it waiting (the recording, now `queued`), or null to fail it. */
  noRecorder?(recording: Recording, err: unknown): Promise<Recording | null>;
  /** A recorder of this kind may be free now (a stop, an idle report): the start queue tries its head. */
  onRecorderFreed?(kind: WorkerKind): void;
  /** Stores a started job's worker id with its start watchdog queued (src/recording/watchdog); unset: a plain transition. */
  startRecorder?: StartRecorderCalls;
}

/** The change that records a first start (StartRecorder.record). */
export interface StartRecorderCalls {
  record(id: string, from: readonly RecordingStatus[], to: RecordingStatus, patch: TransitionPatch): Promise<Recording | null>;
}
