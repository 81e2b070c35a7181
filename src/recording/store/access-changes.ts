/**
 * Local notices that a recording's files may no longer be served to someone who could have
 * them a moment ago: the recording was deleted or made non-permanent (it may now be expired),
 * or one of its share links was revoked. The store sends them after the change committed;
 * media-auth's cache listens (src/downloads/media-access-cache.ts), so this instance refuses
 * at once. Other instances learn it from the database when their cache entries expire.
 */
export type AccessChangeListener = (recordingId: string) => void;

export class AccessChanges {
  private readonly listeners = new Set<AccessChangeListener>();

  /** Calls `listener` after each change; returns the unsubscribe function. */
  subscribe(listener: AccessChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  notify(recordingId: string): void {
    for (const listener of this.listeners) {
      try {
        listener(recordingId);
      } catch {
        // a listener's failure must not undo or fail the change that already committed
      }
    }
  }
}
