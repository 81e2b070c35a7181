import { ServerError } from 'livekit-server-sdk';
import type { WorkerKind } from '../../../config/config';
import { WorkerError } from '../worker-service';

export interface ErrorContext {
  kind: WorkerKind;
  /** The Twirp method we called, e.g. StartRoomCompositeEgress. */
  method: string;
  timeoutMs: number;
  /** Values that must never appear in an error message (API secret, S3 secret). */
  secrets: string[];
}

/** Keeps a remote error text short and free of our secrets. */
function clean(text: string, secrets: string[]): string {
  let out = text.replace(/\s+/g, ' ').trim();
  for (const secret of secrets) {
    if (secret) out = out.split(secret).join('[redacted]');
  }
  return out.length > 200 ? `${out.slice(0, 200)}...` : out;
}

/**
 * The SDK's fetch failing to exchange at all: a TypeError ("fetch failed" when no connection or
 * TLS could be made, "terminated" when the answer was cut) whose cause is Node's error. Returns
 * the first code on the cause chain (ECONNREFUSED, UND_ERR_SOCKET, DEPTH_ZERO_SELF_SIGNED_CERT,
 * ...), '' when there is none, undefined when err is no such failure.
 */
function exchangeFailure(err: unknown): string | undefined {
  const { name, cause } = (err ?? {}) as { name?: unknown; cause?: unknown };
  if (name !== 'TypeError' || cause === undefined) return undefined;
  let current: unknown = cause;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return '';
}

function isServerError(err: unknown): err is ServerError {
  if (err instanceof ServerError) return true;
  // Duck-typed too, in case two copies of the SDK are loaded.
  const { status, message } = (err ?? {}) as { status?: unknown; message?: unknown };
  return typeof status === 'number' && typeof message === 'string';
}

/**
 * Translates anything the SDK throws into the WorkerError the contract promises. Errors are
 * recognised by name and shape, not instanceof: fetch's errors and its DOMException may come
 * from another realm (Node's own undici, or a test runner's sandbox).
 */
export function toWorkerError(err: unknown, ctx: ErrorContext): WorkerError {
  if (err instanceof WorkerError) return err;
  const { kind, method } = ctx;
  const { name, message } = describe(err);

  // TimeoutError: our own deadline (util/with-timeout) or the SDK's (AbortSignal.timeout of
  // requestTimeout, a DOMException, also when it ends the reading of an answer's body).
  if (name === 'TimeoutError') {
    return new WorkerError('timeout', `LiveKit did not answer ${method} within ${ctx.timeoutMs} ms`, kind);
  }
  if (isServerError(err)) {
    const code = err.code ? `Twirp code ${err.code}, ` : '';
    const detail = err.message ? `: ${clean(err.message, ctx.secrets)}` : '';
    // No egress worker can take it now: a start may wait for one (the start queue).
    const full = err.code === 'unavailable' || err.code === 'resource_exhausted' || err.status === 503;
    return new WorkerError(full ? 'unavailable' : 'rejected', `LiveKit ${full ? 'has no capacity for' : 'rejected'} ${method} (${code}HTTP ${err.status})${detail}`, kind);
  }
  // The SDK's fetch: no connection, TLS refused, the answer cut short.
  const network = exchangeFailure(err);
  if (network !== undefined) {
    return new WorkerError('unreachable', `LiveKit unreachable for ${method} (${network || 'network error'})`, kind);
  }
  // The SDK's response.json() on a 2xx answer.
  if (name === 'SyntaxError') {
    return new WorkerError('invalid_response', `LiveKit answered ${method} with a body that is not JSON`, kind);
  }
  // What is left comes from decoding the answer (protobuf fromJson) or something unforeseen.
  const detail = message ? clean(message, ctx.secrets) : 'unknown error';
  return new WorkerError('invalid_response', `LiveKit answer to ${method} could not be used: ${detail}`, kind);
}

function describe(err: unknown): { name: string; message: string } {
  if (err && typeof err === 'object') {
    const { name, message } = err as { name?: unknown; message?: unknown };
    return { name: typeof name === 'string' ? name : '', message: typeof message === 'string' ? message : '' };
  }
  return { name: '', message: '' };
}

/** The Twirp code of a LiveKit error answer, if that is what err is. */
export function twirpCode(err: unknown): string | undefined {
  return isServerError(err) ? err.code : undefined;
}
