import { hash } from 'node:crypto';

/**
 * What a token said once its signature and claims were checked, remembered by the token's
 * SHA-256 for a short while, so that the same token presented again (a player sends the same
 * bearer or link token with each of its Range requests) skips jsonwebtoken's decode and
 * verify. A token's signature does not change, and a token valid now stays valid until its
 * `exp`: an entry lives until `validUntil` (the expiry the caller computed, which must include
 * any clock tolerance it grants) and at most `maxAgeMs`. Only successes are remembered, and at
 * most `maxEntries` of them (the oldest go first); keys are 44-character digests whatever
 * the token's length.
 */
export class VerifiedTokenMemo<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();

  constructor(private readonly options: { maxEntries: number; maxAgeMs: number }) {}

  get size(): number {
    return this.entries.size;
  }

  /** The digest `recall` and `remember` take (computed once per request). */
  digest(token: string): string {
    // One-shot hash: no Hash object per request.
    return hash('sha256', token, 'base64');
  }

  recall(digest: string, now = Date.now()): V | undefined {
    const entry = this.entries.get(digest);
    if (!entry) return undefined;
    if (entry.until > now) return entry.value;
    this.entries.delete(digest);
    return undefined;
  }

  /** `validUntil`: epoch milliseconds after which the token would be refused. */
  remember(digest: string, value: V, validUntil: number, now = Date.now()): void {
    const until = Math.min(validUntil, now + this.options.maxAgeMs);
    if (!(until > now)) return;
    this.entries.delete(digest);
    while (this.entries.size >= this.options.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    this.entries.set(digest, { value, until });
  }
}
