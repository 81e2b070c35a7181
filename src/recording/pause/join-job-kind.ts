/** Joins a paused recording's parts into its files once they are all stored (see join-job.ts). */
export const JOIN_PARTS_KIND = 'recording.join_parts';

/** One join job per recording: queuing it again is a no-op. */
export function joinJobKey(recordingId: string): string {
  return `${JOIN_PARTS_KIND}:${recordingId}`;
}
