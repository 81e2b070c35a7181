import type { WorkerKind } from '../../config/config';
import type { ParticipantTrackWorker } from './participant-tracks';
import type { RecorderPool } from './recorder-pool';
import type { InstanceStatusReports } from './status-reports';
import type { StopOutcome, WorkerState } from './worker-states';

export { WorkerError, type StopOutcome, type WorkerErrorCode, type WorkerState } from './worker-states';

/** Identifies the job a worker is asked to record. */
export interface StartRequest {
  recordingId: string;
  room: string;
  /** The object key the file must be uploaded to: `{folder}/{recordingId}.{ext}`. */
  objectKey: string;
  /** LiveKit room-composite layout asked for at start (LiveKit video only); unset: the worker's default. */
  layout?: string;
  /** Worker ids of this recording's jobs that were given up: a worker with several instances prefers another one. */
  avoid?: readonly string[];
  /** A resumed stretch (pause and resume): its number, from 1; `objectKey` is then its part's key. */
  stretch?: number;
}

/**
 * The contract between the mediator and a recording backend (LiveKit Egress, Jibri, ...).
 * Implementations translate every failure into WorkerError; they never touch the database.
 */
export interface WorkerService {
  readonly kind: WorkerKind;
  /**
   * The longest a start can take, all its calls and retries included. The mediator holds the
   * start to it, and the reconciler never judges a recording before it has passed.
   */
  readonly startDeadlineMs: number;
  /** Start recording the room; resolves to the worker's id for this job (egress id, jibri instance + session). */
  start(request: StartRequest): Promise<string>;
  /** Stop the job; resolves to how it ended. */
  stop(workerId: string): Promise<StopOutcome>;
  /** Ask the worker about a job it was given (reconciliation). */
  inspect(workerId: string): Promise<WorkerState>;
  /**
   * Look for a job the worker runs for this recording although we never stored its id
   * (the service died between the worker call and the database write). Null when none.
   */
  findByRecording(request: StartRequest): Promise<string | null>;
  /** Per-participant audio tracks (LiveKit Track Egress); undefined for workers that cannot record them. */
  readonly participantTracks?: ParticipantTrackWorker;
  /** Status reports its instances push (Jibri's status webhook); undefined for workers without them. */
  readonly statusReports?: InstanceStatusReports;
  /** Recorders seen one by one (the Jibri pool): states, drain, health poll; undefined for the others. */
  readonly recorders?: RecorderPool;
}
