import type { RecordingStatus } from '../status';
import type { WorkerState } from '../workers/worker-service';

/**
 * What the worker's view of a job means for a recording in a given status: the target
 * status, a stop to send, or nothing. Pure, so the rules read in one place.
 */
export type Decision =
  | { action: 'none' }
  /** `limit`: the worker ended past RECORDING_MAX_DURATION (a limit stop whose own status change came second). */
  | { action: 'transition'; to: RecordingStatus; reason: string; limit?: boolean }
  /** `limit`: the stop is for RECORDING_MAX_DURATION. */
  | { action: 'stop'; reason: string; limit?: boolean };

export function decideForLive(
  status: 'active' | 'failed_to_stop',
  state: WorkerState,
  overMaxDuration: boolean,
): Decision {
  switch (state.state) {
    case 'ended':
      return { action: 'transition', to: 'stopped', reason: `worker ended (${state.outcome})`, ...(overMaxDuration ? { limit: true } : {}) };
    case 'aborted':
      return { action: 'transition', to: 'aborted', reason: 'worker aborted' };
    case 'failed':
      return status === 'active'
        ? { action: 'transition', to: 'failed_to_stop', reason: 'worker failed' }
        : { action: 'none' };
    case 'starting':
    case 'active':
      if (status === 'failed_to_stop') return { action: 'stop', reason: 'stop failed earlier, worker still running' };
      return overMaxDuration ? { action: 'stop', reason: 'max duration exceeded', limit: true } : { action: 'none' };
    default:
      return { action: 'none' };
  }
}

/** A stopped recording whose file never showed up: only a worker failure settles it. */
export function decideForMissingFile(state: WorkerState): Decision {
  if (state.state === 'failed') return { action: 'transition', to: 'failed_to_stop', reason: 'worker failed and no file exists' };
  if (state.state === 'aborted') return { action: 'transition', to: 'aborted', reason: 'worker aborted and no file exists' };
  return { action: 'none' };
}
