import type { Recording } from './recording';

const DAY_MS = 24 * 3600 * 1000;

/** What decides a recording's expiry; `filesRemovedAt` is unknown to some readers (emails), then treated as null. */
export type ExpiryFacts = Pick<Recording, 'createdAt' | 'isPermanent'> & { filesRemovedAt?: Date | null };

/**
 * When the recording expires: creation + RECORDING_EXPIRATION_DAYS; never when unset or
 * permanent. Once the sweep has removed its files it has expired for good, even if the setting
 * was lengthened or removed since: then the date is the earlier of the two.
 */
export function expiredAt(recording: ExpiryFacts, expirationDays: number | undefined): Date | null {
  const computed = !expirationDays || recording.isPermanent ? null : new Date(recording.createdAt.getTime() + expirationDays * DAY_MS);
  const removed = recording.filesRemovedAt ?? null;
  if (!removed) return computed;
  return computed && computed.getTime() <= removed.getTime() ? computed : removed;
}

export function isExpired(recording: ExpiryFacts, expirationDays: number | undefined, now: Date = new Date()): boolean {
  const at = expiredAt(recording, expirationDays);
  return at !== null && at.getTime() <= now.getTime();
}

