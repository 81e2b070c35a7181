import { WorkerError } from '../worker-service';
import {
  JIBRI_API_PREFIX,
  parseHealthAnswer,
  type JibriStatusReport,
  type StartServiceBody,
} from './jibri-api';

/** How a JIBRI_URLS entry is addressed: its key (worker ids, logs) never carries credentials. */
export interface JibriEndpoint {
  key: string;
  /** `Basic ...` when the URL carried user:password (e.g. a reverse proxy in front of Jibri). */
  authorization?: string;
}

/** Jibri's API has no authentication of its own; credentials in the URL go to a Basic header. */
export function jibriEndpoint(rawUrl: string): JibriEndpoint {
  const url = new URL(rawUrl);
  const key = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  if (!url.username && !url.password) return { key };
  const user = decodeURIComponent(url.username);
  const pass = decodeURIComponent(url.password);
  return { key, authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` };
}

export type StartAnswer = 'started' | 'busy';

/** HTTP client for one Jibri; every call is bounded by the worker timeout and fails as WorkerError. */
export class JibriClient {
  constructor(
    private readonly endpoint: JibriEndpoint,
    private readonly timeoutMs: number,
  ) {}

  get key(): string {
    return this.endpoint.key;
  }

  async health(): Promise<JibriStatusReport> {
    const { status, text } = await this.request('GET', 'health');
    if (status !== 200) throw this.error('rejected', `health answered HTTP ${status}`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw this.error('invalid_response', 'health answer is not JSON');
    }
    const report = parseHealthAnswer(body);
    if (!report) throw this.error('invalid_response', 'health answer has no busyStatus/healthStatus');
    return report;
  }

  /**
   * 200: Jibri accepted the session (it then works asynchronously). 412: Jibri is busy, which is
   * also how it refuses a request missing parameters, so a 412 whose text does not speak of being
   * busy is a rejection of the request itself.
   */
  async startService(body: StartServiceBody): Promise<StartAnswer> {
    const { status, text } = await this.request('POST', 'startService', body);
    if (status === 200) return 'started';
    if (status === 412) {
      if (text.trim() === '' || /busy/i.test(text)) return 'busy';
      throw this.error('rejected', `startService refused the request: ${oneLine(text)}`);
    }
    throw this.error('rejected', `startService answered HTTP ${status}`);
  }

  async stopService(): Promise<void> {
    const { status } = await this.request('POST', 'stopService');
    if (status !== 200) throw this.error('rejected', `stopService answered HTTP ${status}`);
  }

  private async request(method: 'GET' | 'POST', name: string, body?: unknown): Promise<{ status: number; text: string }> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.endpoint.authorization) headers.authorization = this.endpoint.authorization;
    try {
      // One signal covers connecting, the answer's headers and reading its body.
      const res = await fetch(`${this.endpoint.key}${JIBRI_API_PREFIX}/${name}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      return { status: res.status, text: await res.text() };
    } catch (err) {
      if (isTimeout(err)) throw this.error('timeout', `${name} got no answer within ${this.timeoutMs} ms`);
      throw this.error('unreachable', `${name} failed: ${networkCause(err)}`);
    }
  }

  private error(code: WorkerError['code'], message: string): WorkerError {
    return new WorkerError(code, `jibri ${this.endpoint.key}: ${message}`, 'jibri');
  }
}

// fetch's errors may come from another realm (undici's DOMException), so no instanceof here.
type ErrorLike = { name?: unknown; message?: unknown; code?: unknown; cause?: unknown };
const errorLike = (v: unknown): ErrorLike | undefined => (typeof v === 'object' && v !== null ? (v as ErrorLike) : undefined);

function isTimeout(err: unknown): boolean {
  const name = errorLike(err)?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}

/** undici reports "fetch failed" and puts the socket error (ECONNREFUSED, ...) in `cause`. */
function networkCause(err: unknown): string {
  const cause = errorLike(errorLike(err)?.cause);
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return oneLine(cause.message);
  const message = errorLike(err)?.message;
  return typeof message === 'string' ? oneLine(message) : 'network error';
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 200);
}
