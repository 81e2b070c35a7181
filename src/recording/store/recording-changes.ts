import type { AuthUser } from '../../auth/user';
import type { WorkerKind } from '../../config/config';
import type { RecordingReason } from '../reason';
import type { RecordingOptions } from '../recording';

/** What RecordingStore's changes take and answer. */

export interface NewRecording {
  room: string;
  mode: string;
  workerKind: WorkerKind;
  options: RecordingOptions;
  isPermanent: boolean;
  /** Started by a room's recording policy. */
  automatic?: boolean;
  owner: AuthUser;
  /** How long the start may take before the reconciler may judge the recording (its lease). */
  startLeaseMs: number;
}

export interface TransitionPatch {
  workerId?: string | null;
  workerError?: string | null;
  /** Why the status changed when no user asked (see reason.ts); null clears it. */
  reason?: RecordingReason | null;
  /** What watches the worker job this change stores, queued by the same statement (src/recording/watchdog). */
  watch?: StartWatchJobs;
}

/** A first start's watch: its check (key, due time) and the duration limit's stop (key, ms after creation; null: none). */
export interface StartWatchJobs {
  checkKey: string;
  checkAt: Date;
  maxDurationKey: string;
  maxDurationMs: number | null;
}

export type SaveOutcome =
  /**
   * `ready`: no track file was pending, so readiness was reached too; `queued`: its emails;
   * `jobsQueued`: every job the save queued (emails and retention tagging).
   */
  | { result: 'saved'; ready: boolean; queued: number; jobsQueued: number }
  | { result: 'already_saved' }
  | { result: 'not_savable'; status: string }
  /** A Jibri recording whose file did not come through its one upload URL, or did after a 409. */
  | { result: 'untrusted_upload'; why: 'no_upload_url' | 'upload_refused' }
  /** The recording has parts (it was paused): its join saves it, not this file. */
  | { result: 'joined_later' }
  | { result: 'not_found' };
