/** How an operator sees one recorder: free, recording, taken out of new starts, or not usable. */
export type RecorderState = 'idle' | 'busy' | 'draining' | 'unreachable';

export interface RecorderView {
  /** Its name in the recorders API (the Jibri's `jibri.id`, or `jibri-<n>` in JIBRI_URLS order). */
  id: string;
  state: RecorderState;
  /** The recording it records for this service; null when none (or another client's, e.g. Jicofo's). */
  recording: string | null;
  /** Its last answer or report. */
  lastSeenAt: Date | null;
}

/**
 * The recorders of a worker kind that the service can see one by one (the Jibri pool): an
 * optional part of a WorkerService. LiveKit's egress workers are not seen individually.
 */
export interface RecorderPool {
  list(): Promise<RecorderView[]>;
  /** Out of new starts (`drained`) or back in; null for an unknown id. */
  drain(id: string, drained: boolean): Promise<RecorderView | null>;
  /** Asks every recorder for its health; resolves to how many answered idle and free to take a start. */
  poll(): Promise<{ idle: number }>;
}
