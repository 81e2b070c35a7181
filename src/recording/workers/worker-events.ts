import type { WorkerKind } from '../../config/config';
import type { PublishedAudioTrack } from './participant-tracks';
import type { WorkerState } from './worker-states';

/** What a worker reports of one of its egress jobs, in plain terms (the LiveKit adapter makes it from EgressInfo). */
export interface EgressReport {
  /** The job's worker id; empty when the report did not carry one. */
  egressId: string;
  /** A participant's track egress rather than a recording's composite. */
  track: boolean;
  state: WorkerState;
  /** When the job began recording, once it has. */
  startedAt: Date | null;
  /** Every file path the job names: the requested outputs and, once written, the results. */
  filepaths: string[];
  /** The size of its first file, once written. */
  fileSize: number | null;
}

/**
 * What a worker tells on its own (LiveKit's webhooks, translated under workers/livekit/), about
 * recordings. `kinds`: the worker kinds the event can concern.
 */
export type WorkerEvent =
  | { type: 'egress'; phase: 'started' | 'updated' | 'ended'; kinds: readonly WorkerKind[]; egress: EgressReport }
  /** The room is over: its recordings of these kinds stopped with it. */
  | { type: 'room_finished'; kinds: readonly WorkerKind[]; room: string }
  /** A participant published a microphone track worth a file of its own. */
  | { type: 'track_published'; room: string; track: PublishedAudioTrack };

export type WorkerEventOutcome = 'updated' | 'unchanged' | 'unknown_recording' | 'ignored';
