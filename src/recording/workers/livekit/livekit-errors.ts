import { ServerError } from 'livekit-server-sdk';
import type { WorkerKind } from '../../../config/config';
import { WorkerError } from '../worker-service';
import { TwirpExchangeError } from './twirp-transport';

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

function isServerError(err: unknown): err is ServerError {
  if (err instanceof ServerError) return true;
  // Duck-typed too, in case two copies of the SDK are loaded.
  const { status, message } = (err ?? {}) as { status?: unknown; message?: unknown };
  return typeof status === 'number' && typeof message === 'string';
}

/**
 * Translates anything the SDK throws into the WorkerError the contract promises.
 * A deadline is recognised by its name: it comes from util/with-timeout or from the transport.
 */
export function toWorkerError(err: unknown, ctx: ErrorContext): WorkerError {
  if (err instanceof WorkerError) return err;
  const { kind, method } = ctx;
  const { name, message } = describe(err);

  // TimeoutError: our own deadline (util/with-timeout) or the transport's.
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new WorkerError('timeout', `LiveKit did not answer ${method} within ${ctx.timeoutMs} ms`, kind);
  }
  if (isServerError(err)) {
    const code = err.code ? `Twirp code ${err.code}, ` : '';
    const detail = err.message ? `: ${clean(err.message, ctx.secrets)}` : '';
    return new WorkerError('rejected', `LiveKit rejected ${method} (${code}HTTP ${err.status})${detail}`, kind);
  }
  // Our transport's (twirp-transport.ts): no connection, TLS refused, the answer cut short.
  if (err instanceof TwirpExchangeError) {
    return new WorkerError('unreachable', `LiveKit unreachable for ${method} (${err.code ?? 'network error'})`, kind);
  }
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
