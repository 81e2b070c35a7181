import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { TwirpError } from 'livekit-server-sdk';

/** What the SDK's service clients ask of their transport (its TwirpRpc.request). */
export interface TwirpCaller {
  request(service: string, method: string, data: unknown, headers?: Record<string, string>, timeoutSeconds?: number): Promise<any>;
}

/** Idle connections are closed after this long, before a server's own idle timeout can race a request. */
const IDLE_SOCKET_MS = 4_000;
/** An answer larger than this is refused (a ListEgress of a busy server is well under it). */
export const MAX_ANSWER_BYTES = 16 * 2 ** 20;
const DEFAULT_TIMEOUT_SECONDS = 10;

/**
 * The exchange itself failed: no connection, TLS refused, the connection cut before the whole
 * answer came. `code` is Node's (ECONNREFUSED, ECONNRESET, DEPTH_ZERO_SELF_SIGNED_CERT, ...).
 */
export class TwirpExchangeError extends Error {
  override readonly name = 'TwirpExchangeError';
  readonly code: string | undefined;

  constructor(method: string, cause: Error & { code?: unknown }) {
    super(`${method}: ${cause.message}`, { cause });
    this.code = typeof cause.code === 'string' ? cause.code : undefined;
  }
}

export interface TwirpTransportOptions {
  /** Each call's deadline unless the call gives one (the SDK's `requestTimeout`); default 10 s. */
  timeoutSeconds?: number;
  userAgent?: string;
  /** Certificate authorities for an https:// LiveKit, instead of Node's (which take NODE_EXTRA_CA_CERTS). */
  ca?: string | Buffer;
}

/**
 * Carries the SDK's Twirp calls over node:http on kept-alive connections instead of the SDK's
 * `fetch`. The SDK still builds every request (its protobuf messages, its signed token) and reads
 * every answer; only the exchange changes. Node 20's fetch costs about a millisecond of CPU per
 * call on a small machine, twice per start and stop, for the same bytes on the wire.
 *
 * It speaks as the SDK's transport does: POST `/twirp/livekit.<Service>/<Method>` with a JSON
 * body, the SDK's content type and a request id; a 2xx answer is parsed as JSON, anything else
 * is thrown as the SDK's TwirpError with LiveKit's code and message, a deadline as a
 * `TimeoutError`, a failed exchange (connection, TLS) as a TwirpExchangeError with Node's
 * `code`. There is no region failover: that is for LiveKit Cloud, and our clients turn it off.
 */
export class TwirpTransport implements TwirpCaller {
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly send: typeof http.request;
  private readonly defaultTimeoutSeconds: number;
  private readonly userAgent: string;

  constructor(host: string, options: TwirpTransportOptions = {}) {
    this.defaultTimeoutSeconds = options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
    this.userAgent = options.userAgent ?? 'livekit-server-sdk-node';
    // The SDK accepts a ws(s):// URL for the same server and calls it over http(s).
    this.base = new URL(host.replace(/^ws/, 'http'));
    const secure = this.base.protocol === 'https:';
    this.send = secure ? https.request : http.request;
    this.agent = secure
      ? new https.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS, ...(options.ca ? { ca: options.ca } : {}) })
      : new http.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS });
  }

  /**
   * One Twirp call; resolves with the answer's JSON. `timeoutSeconds` bounds the whole exchange,
   * the answer's body included (0: none, as with the SDK).
   */
  request(service: string, method: string, data: unknown, headers: Record<string, string> = {}, timeoutSeconds = this.defaultTimeoutSeconds): Promise<any> {
    const body = Buffer.from(JSON.stringify(data));
    // As the SDK does: the Twirp path replaces any path the configured URL has.
    const url = new URL(`/twirp/livekit.${service}/${method}`, this.base);
    return new Promise((resolve, reject) => {
      const ours = new WeakSet<Error>();
      let timer: NodeJS.Timeout | undefined;
      let settled = false;
      // Every way out goes through here: the timer never outlives the call.
      const settle = (err: unknown, value?: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err === undefined) resolve(value);
        else reject(err);
      };
      const req = this.send(
        url,
        {
          method: 'POST',
          agent: this.agent,
          headers: {
            'Content-Type': 'application/json;charset=UTF-8',
            'Content-Length': String(body.length),
            'User-Agent': this.userAgent,
            ...headers,
            'X-Livekit-Request-Id': randomUUID(),
          },
        },
        (res) => {
          const tooLarge = () => {
            const err = new Error(`LiveKit's answer to ${method} is over ${MAX_ANSWER_BYTES} bytes`);
            ours.add(err);
            return err;
          };
          if (Number(res.headers['content-length'] ?? 0) > MAX_ANSWER_BYTES) return req.destroy(tooLarge());
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_ANSWER_BYTES) req.destroy(tooLarge());
            else chunks.push(chunk);
          });
          // The connection cut while the body was coming (the request may not say so).
          res.on('error', (err) => settle(new TwirpExchangeError(method, err)));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            try {
              if (status >= 200 && status < 300) settle(undefined, JSON.parse(text));
              else settle(twirpError(status, res.statusMessage ?? '', res.headers['content-type'], text));
            } catch (err) {
              settle(err);
            }
          });
        },
      );
      // Our own deadline and size bound arrive here too (through destroy) and keep their error.
      req.on('error', (err) => settle(ours.has(err) ? err : new TwirpExchangeError(method, err)));
      if (timeoutSeconds > 0) {
        timer = setTimeout(() => {
          const err = new Error(`no answer to ${method} within ${timeoutSeconds} s`);
          err.name = 'TimeoutError';
          ours.add(err);
          req.destroy(err);
          settle(err);
        }, timeoutSeconds * 1000);
      }
      req.end(body);
    });
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.agent.destroy();
  }
}

/** LiveKit's Twirp error body ({code, msg, meta}) as the SDK's error, read as the SDK reads it. */
function twirpError(status: number, statusText: string, contentType: string | undefined, text: string): TwirpError {
  let message = 'Unknown internal error';
  let code: string | undefined;
  let meta: Record<string, string> | undefined;
  if (contentType === 'application/json') {
    try {
      const parsed = JSON.parse(text) as { code?: string; msg?: string; meta?: Record<string, string> };
      if ('msg' in parsed) message = parsed.msg!;
      if ('code' in parsed) code = parsed.code;
      if ('meta' in parsed) meta = parsed.meta;
    } catch {
      // Not a Twirp error body after all: the SDK keeps its default message.
    }
  } else {
    message = text;
  }
  return new TwirpError(statusText, message, status, code, meta);
}
