/**
 * Why a recording is in its status when no user asked for it (the API's `reason`): a code, and
 * the worker's own words where there are any, scrubbed of anything that looks like a secret.
 */
export const REASON_CODES = [
  'no_recorder_available',
  'start_timeout',
  'start_failed',
  'worker_error',
  'limit_reached',
  'room_empty',
  'room_finished',
  'expired',
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

export interface RecordingReason {
  code: ReasonCode;
  detail: string | null;
}

const DETAIL_MAX = 300;

/** Removes credentials from a worker's message: bearer tokens, JWTs, URL user info and query, key=value secrets, addresses. */
export function scrubDetail(text: string): string {
  return text
    .replace(/\bBearer\s+\S+/gi, 'Bearer [redacted]')
    .replace(/\beyJ[\w-]+\.[\w-]+\.[\w-]*/g, '[token]')
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi, '$1')
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s?#]+)\?\S*/gi, '$1')
    .replace(/\b(token|secret|password|passwd|key|signature|credential|authorization)(["']?\s*[=:]\s*)["']?[^\s&,"']+/gi, '$1$2[redacted]')
    .replace(/[^\s<>"'@/]+@[^\s<>"'/]+\.[^\s<>"'/]+/g, '[address]')
    .slice(0, DETAIL_MAX);
}

export function reasonOf(code: ReasonCode, detail?: string | null): RecordingReason {
  return { code, detail: detail ? scrubDetail(detail) : null };
}

/** A stop at the recording's maximum duration: the same words whichever path (the job, the reconciler, a worker's report) records it. */
export function maxDurationReason(maxDurationMs: number): RecordingReason {
  return reasonOf('limit_reached', `the recording reached its maximum duration (${Math.round(maxDurationMs / 1000)} s)`);
}
