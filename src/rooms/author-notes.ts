/**
 * How long a note of a caller's room roles stays fresh: within it, the same roles of the same
 * caller are not noted again, nor are any roles of a caller found to author no policy.
 */
export const NOTE_FRESH_MS = 5_000;
/** Past this many callers remembered, the stale ones are forgotten. */
const PRUNE_ABOVE = 10_000;

interface Noted {
  roles: string;
  at: number;
  /** The caller authored at least one policy when noted. */
  authors: boolean;
}

/**
 * What this instance noted lately of each caller's room roles, so that the note every
 * authenticated request makes (policies follow their author's role) is written once per change
 * rather than once per request. A policy set on another instance is seen once the note is stale.
 */
export class AuthorNotes {
  private readonly noted = new Map<string, Noted>();

  constructor(private readonly now: () => number = Date.now) {}

  /** The caller's roles (the rooms they manage) need no note now. */
  fresh(sub: string, managed: readonly string[]): boolean {
    const last = this.noted.get(sub);
    if (!last || this.now() - last.at >= NOTE_FRESH_MS) return false;
    return !last.authors || last.roles === rolesKey(managed);
  }

  /** The caller's roles were noted; `authors`: they author a policy. */
  remember(sub: string, managed: readonly string[], authors: boolean): void {
    if (this.noted.size >= PRUNE_ABOVE) this.prune();
    this.noted.set(sub, { roles: rolesKey(managed), at: this.now(), authors });
  }

  /** The caller's policies changed (one was set): their next request is noted. */
  forget(sub: string): void {
    this.noted.delete(sub);
  }

  private prune(): void {
    const now = this.now();
    for (const [sub, last] of this.noted) if (now - last.at >= NOTE_FRESH_MS) this.noted.delete(sub);
    // As many callers in one window: start over rather than grow without bound.
    if (this.noted.size >= PRUNE_ABOVE) this.noted.clear();
  }
}

function rolesKey(managed: readonly string[]): string {
  return JSON.stringify([...managed].sort());
}
