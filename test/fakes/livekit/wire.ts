import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';

/**
 * What the fake LiveKit shares on the wire: Twirp error codes and their HTTP statuses,
 * LiveKit-style ids and timestamps, and the renaming between the lowerCamelCase JSON names
 * the SDK sends and the proto field names (snake_case) a Twirp Go server answers with.
 */

export type Json = Record<string, unknown>;

export const TWIRP_STATUS = {
  canceled: 408,
  unknown: 500,
  invalid_argument: 400,
  malformed: 400,
  deadline_exceeded: 408,
  not_found: 404,
  bad_route: 404,
  already_exists: 409,
  permission_denied: 403,
  unauthenticated: 401,
  resource_exhausted: 429,
  failed_precondition: 412,
  aborted: 409,
  out_of_range: 400,
  unimplemented: 501,
  internal: 500,
  unavailable: 503,
  data_loss: 500,
} as const;
export type TwirpCode = keyof typeof TWIRP_STATUS;

/** Thrown by a handler: becomes a Twirp error answer. */
export class TwirpFailure extends Error {
  constructor(
    readonly code: TwirpCode,
    message: string,
  ) {
    super(message);
  }
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** An id like LiveKit's: a type prefix (`EG_`, `RM_`, `PA_`, `TR_`, `EV_`) and 12 random characters. */
export function livekitId(prefix: string): string {
  return prefix + Array.from(randomBytes(12), (b) => ALPHABET[b % ALPHABET.length]).join('');
}

/** Now in Unix nanoseconds, as an int64 string (EgressInfo's times). */
export function nowNanos(): string {
  return (BigInt(Date.now()) * 1_000_000n).toString();
}

/** Now in Unix seconds, as an int64 string (webhook `createdAt`, `joinedAt`, `creationTime`). */
export function nowSeconds(): string {
  return Math.floor(Date.now() / 1000).toString();
}

export function asObject(value: unknown): Json {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
}

/** Proto names that are not the snake_case of their JSON name (the proto spells them so). */
const PROTO_NAME_EXCEPTIONS: Record<string, string> = { aliOSS: 'aliOSS' };
/** Map fields: their keys are data and keep their spelling. */
const MAP_FIELDS = new Set(['metadata', 'attributes', 'headers']);

const toSnakeKey = (k: string) => PROTO_NAME_EXCEPTIONS[k] ?? k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const toCamelKey = (k: string) => k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

function renameKeys(value: unknown, rename: (k: string) => string): unknown {
  if (Array.isArray(value)) return value.map((v) => renameKeys(v, rename));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        rename(k),
        MAP_FIELDS.has(k) && v && typeof v === 'object' && !Array.isArray(v) ? { ...v } : renameKeys(v, rename),
      ]),
    );
  }
  return value;
}

/** A request body in either spelling, as lowerCamelCase JSON names. */
export function toJsonNames(value: unknown): Json {
  return asObject(renameKeys(value, toCamelKey));
}

/** lowerCamelCase JSON names to proto field names, as a Twirp Go server writes them. */
export function toProtoNames(value: unknown): Json {
  return asObject(renameKeys(value, toSnakeKey));
}

/** An int64 for protobuf JSON: a string, left out (undefined) when zero. */
export function int64(value: string | bigint | number): string | undefined {
  const text = String(value);
  return text === '0' ? undefined : text;
}

/**
 * Leaves out zero values (`""`, `0`, `false`, `[]`, `{}`, and undefined: pass int64 zeros
 * through int64()), as protobuf JSON does by default.
 */
export function omitDefaults(message: Json): Json {
  return Object.fromEntries(
    Object.entries(message).filter(([, value]) => {
      if (value === undefined || value === null || value === '' || value === 0 || value === false) return false;
      if (Array.isArray(value)) return value.length > 0;
      if (typeof value === 'object') return Object.keys(value).length > 0;
      return true;
    }),
  );
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  // Exactly `application/json`: the SDK compares the header literally before reading a Twirp error.
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

export function sendTwirpError(res: ServerResponse, code: TwirpCode, msg: string): void {
  sendJson(res, TWIRP_STATUS[code], { code, msg });
}
