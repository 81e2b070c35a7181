/**
 * A short-lived, bounded memory of media-auth's access rows, so that the seeks of one player
 * (dozens of Range requests for the same file within a second) cost one database round trip
 * instead of one each.
 *
 * Why this stays correct:
 * - An entry lives `ttlMs` (MEDIA_AUTH_CACHE_MS, at most 1000) from the moment its query was
 *   *sent*, so a change committed at time T (a deletion, a revoked share link, an access
 *   removed, on any instance) is seen by every instance's media-auth by T + ttlMs at the latest.
 * - The recording's expiry is judged on each request from the cached row (creation date and
 *   permanence), never cached itself; a share link's expiry is the database's judgement when
 *   the query ran, so it too is seen within ttlMs.
 * - Changes made through this instance (src/recording/store/access-changes.ts) drop the
 *   recording's entries at once, queries still in flight included.
 * - Failed queries are not remembered.
 * - At most `maxEntries` entries: entries all live equally long, so insertion order is expiry
 *   order, and the oldest ones are dropped first (expired ones on every insert, live ones when
 *   the cache is full).
 */

export interface MediaAccessCacheOptions {
  /** How long an entry is used; 0 turns the cache off (every request queries). */
  ttlMs: number;
  maxEntries: number;
  /** Milliseconds clock; a monotonic one by default (a wall clock set back would stretch lifetimes). */
  now?: () => number;
}

interface Entry<V> {
  value: Promise<V>;
  expiresAt: number;
  recordingId: string;
}

export class MediaAccessCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly now: () => number;

  constructor(private readonly options: MediaAccessCacheOptions) {
    if (!(options.ttlMs >= 0 && options.ttlMs <= 1000)) throw new Error('media access cache: ttlMs must be between 0 and 1000');
    if (!(Number.isInteger(options.maxEntries) && options.maxEntries > 0)) throw new Error('media access cache: maxEntries must be a positive integer');
    this.now = options.now ?? (() => performance.now());
  }

  /** Entries held now, expired ones not yet dropped included. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * The remembered answer for `key` (which must start with, or otherwise determine, the
   * recording id), or `load()`'s, shared with every request for the same key meanwhile.
   */
  get(key: string, recordingId: string, load: () => Promise<V>): Promise<V> {
    if (this.options.ttlMs === 0) return load();
    const now = this.now();
    const found = this.entries.get(key);
    if (found && found.expiresAt > now) return found.value;
    if (found) this.entries.delete(key);
    this.dropOldest(now);
    const entry: Entry<V> = { value: load(), expiresAt: now + this.options.ttlMs, recordingId };
    this.entries.set(key, entry);
    entry.value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    return entry.value;
  }

  /** Drops every entry of the recording, queries in flight included: the next request asks the database. */
  forget(recordingId: string): void {
    for (const [key, entry] of this.entries) if (entry.recordingId === recordingId) this.entries.delete(key);
  }

  /** Drops every entry: a change that may concern many recordings (a room's member level). */
  clear(): void {
    this.entries.clear();
  }

  /** Makes room for one more entry: expired entries go, then the oldest live ones while full. */
  private dropOldest(now: number): void {
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt > now && this.entries.size < this.options.maxEntries) break;
      this.entries.delete(key);
    }
  }
}
