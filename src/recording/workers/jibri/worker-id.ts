/**
 * A Jibri worker id names the instance and the session it records:
 *
 *   `<instance key>#<recording id>`   e.g. `http://jibri-1.internal:2222#5f0c...-...`
 *
 * The instance key is the instance's base URL from JIBRI_URLS without credentials, query,
 * fragment or trailing slash; the recording id is the Jibri `sessionId` we sent. The last `#`
 * separates the two, since an instance key never holds one. A resumed stretch of a paused
 * recording is its own session, `<recording id>-part-<n>` (see sessionIdFor): its Jibri gives
 * it a directory of its own, and its finalize script asks for that stretch's upload URL.
 */

const SEPARATOR = '#';
const MAX_LENGTH = 1000;

export interface ParsedWorkerId {
  instanceKey: string;
  recordingId: string;
}

const STRETCH_SUFFIX = '-part-';

/** The Jibri sessionId of a recording's first stretch (the recording id) or of resumed stretch `stretch` (from 1). */
export function sessionIdFor(recordingId: string, stretch?: number): string {
  return stretch ? `${recordingId}${STRETCH_SUFFIX}${stretch}` : recordingId;
}

/** The recording a session id records (the session id itself when it names no stretch). */
export function recordingOfSession(sessionId: string): string {
  const at = sessionId.lastIndexOf(STRETCH_SUFFIX);
  return at > 0 && /^\d+$/.test(sessionId.slice(at + STRETCH_SUFFIX.length)) ? sessionId.slice(0, at) : sessionId;
}

export function formatWorkerId(instanceKey: string, recordingId: string): string {
  return `${instanceKey}${SEPARATOR}${recordingId}`;
}

/** Null for anything that is not `<http(s) URL>#<id>`; the caller still checks the instance is configured. */
export function parseWorkerId(workerId: unknown): ParsedWorkerId | null {
  if (typeof workerId !== 'string' || workerId.length > MAX_LENGTH) return null;
  const at = workerId.lastIndexOf(SEPARATOR);
  if (at <= 0 || at === workerId.length - 1) return null;
  const instanceKey = workerId.slice(0, at);
  const recordingId = workerId.slice(at + 1);
  if (!/^[A-Za-z0-9_.-]+$/.test(recordingId)) return null;
  try {
    const url = new URL(instanceKey);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  } catch {
    return null;
  }
  return { instanceKey, recordingId };
}
