/** The jobs of the start watchdog and of the duration limit (src/jobs), with what they carry. */

/** Checks one worker job of a recording: seen recording in time, or replaced. */
export const START_WATCH_KIND = 'recording.start-watch';
/** Stops a recording that reached RECORDING_MAX_DURATION_SECONDS. */
export const MAX_DURATION_KIND = 'recording.max-duration';

export interface StartWatchPayload extends Record<string, unknown> {
  /** The worker job this check is about; the check does nothing once the recording moved on from it. */
  workerId: string;
  /** 0 for the first start, then one more per replacement. */
  attempt: number;
  /** Set when the worker reported the job failed before it was ever seen recording: its words. */
  failed?: string;
}

export const startWatchKey = (recordingId: string, attempt: number, failed = false) =>
  `${START_WATCH_KIND}:${recordingId}:${attempt}${failed ? ':failed' : ''}`;
