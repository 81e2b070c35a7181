import type { WorkerKind } from '../../../config/config';
import { childLogger } from '../../../logging/logger';
import { withTimeout } from '../../../util/with-timeout';
import type { WorkerError } from '../worker-service';
import { toWorkerError, twirpCode } from './livekit-errors';

const log = childLogger('livekit-worker');

export type Attempt<T> = { ok: true; value: T } | { ok: false; error: WorkerError; twirpCode: string | undefined };

export interface CallContext {
  kind: WorkerKind;
  timeoutMs: number;
  /** Values that must never appear in an error message (API secret, S3 secret). */
  secrets: string[];
}

/** Runs one SDK call under our timeout and reports a failure as a WorkerError plus the Twirp code, if any. */
export async function attemptLivekit<T>(ctx: CallContext, method: string, run: () => Promise<T>): Promise<Attempt<T>> {
  try {
    return { ok: true, value: await withTimeout(run(), ctx.timeoutMs, `LiveKit ${method}`) };
  } catch (err) {
    const error = toWorkerError(err, { kind: ctx.kind, method, timeoutMs: ctx.timeoutMs, secrets: ctx.secrets });
    const code = twirpCode(err);
    log.warn({ kind: ctx.kind, method, code: error.code, twirpCode: code }, 'LiveKit call failed');
    return { ok: false, error, twirpCode: code };
  }
}

/** Runs one SDK call under our timeout; any failure is thrown as a WorkerError. */
export async function callLivekit<T>(ctx: CallContext, method: string, run: () => Promise<T>): Promise<T> {
  const result = await attemptLivekit(ctx, method, run);
  if (!result.ok) throw result.error;
  return result.value;
}
