/**
 * Local notices that who may have a recording's files changed: the recording was deleted, made
 * permanent or not (it may be past its expiry), saved, or one of its share links was revoked.
 * The store sends them after the change committed; media-auth's cache listens
 * (src/downloads/media-access-cache.ts), so this instance decides afresh at once. Other
 * instances learn it from the database when their cache entries expire (MEDIA_AUTH_CACHE_MS).
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
