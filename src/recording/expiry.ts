import type { Recording } from './recording';

const DAY_MS = 24 * 3600 * 1000;

/** When the recording expires: creation + RECORDING_EXPIRATION_DAYS; never when unset or permanent. */
export function expiredAt(recording: Pick<Recording, 'createdAt' | 'isPermanent'>, expirationDays: number | undefined): Date | null {
  if (!expirationDays || recording.isPermanent) return null;
  return new Date(recording.createdAt.getTime() + expirationDays * DAY_MS);
}

export function isExpired(
  recording: Pick<Recording, 'createdAt' | 'isPermanent'>,
  expirationDays: number | undefined,
  now: Date = new Date(),
): boolean {
  const at = expiredAt(recording, expirationDays);
  return at !== null && at.getTime() <= now.getTime();
}
