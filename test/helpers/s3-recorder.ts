import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestS3 } from './s3';

/** One request the service sent to the storage, as the storage received it. */
export interface StorageRequest {
  method: string;
  /** Decoded path: `/{bucket}` or `/{bucket}/{key}`. */
  path: string;
  /** Query parameters (`tagging`, `lifecycle` have an empty value). */
  query: Record<string, string>;
  body: string;
  /** What the service got back. */
  status: number;
}

export interface S3Recorder {
  endpointUrl: string;
  /** Every request, in arrival order. */
  requests: StorageRequest[];
  /** The bucket's lifecycle configuration XML as last PUT (or as seeded); null when none. */
  lifecycle(): string | null;
  /** Answers `status` (an S3 error) to the requests `match` picks, until the returned function is called. */
  refuse(match: (r: Pick<StorageRequest, 'method' | 'path' | 'query'>) => boolean, status?: number): () => void;
  /**
   * Keeps the requests `match` picks waiting (recorded, not answered) until the returned
   * function is called; then they go on as usual. A slow storage, to make concurrent work overlap.
   */
  hold(match: (r: Pick<StorageRequest, 'method' | 'path' | 'query'>) => boolean): () => void;
  /** The service's storage settings pointing at this recorder. */
  env: Record<string, string>;
  close(): Promise<void>;
}

const EMPTY_TAGGING = '<Tagging><TagSet></TagSet></Tagging>';

function s3Error(res: http.ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'Content-Type': 'application/xml' }).end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`);
}

/**
 * A recording HTTP proxy in front of s3rver: it keeps each request (method, path, query, body)
 * so tests assert on what the storage received. s3rver lacks two calls the service makes, so
 * the proxy serves them itself, the way MinIO does: the bucket's lifecycle configuration
 * (GET/PUT/DELETE `?lifecycle`, kept here), and DELETE `?tagging`, which it hands on to s3rver
 * as a PUT of an empty tag set so that s3rver's state stays the truth. s3rver verifies no
 * signatures, so forwarded requests keep their headers.
 */
export async function startS3Recorder(s3: TestS3, options: { lifecycle?: string | null } = {}): Promise<S3Recorder> {
  const requests: StorageRequest[] = [];
  let lifecycle = options.lifecycle ?? null;
  const refusals = new Set<{ match: (r: Pick<StorageRequest, 'method' | 'path' | 'query'>) => boolean; status: number }>();
  const holds = new Set<{ match: (r: Pick<StorageRequest, 'method' | 'path' | 'query'>) => boolean; released: Promise<void> }>();

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://storage');
      const body = Buffer.concat(chunks);
      const entry: StorageRequest = {
        method: req.method ?? 'GET',
        path: decodeURIComponent(url.pathname),
        query: Object.fromEntries(url.searchParams),
        body: body.toString('utf8'),
        status: 0,
      };
      requests.push(entry);
      // Noted when the head is written, before the service can read the answer.
      const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => http.ServerResponse;
      res.writeHead = ((status: number, ...rest: unknown[]) => {
        entry.status = status;
        return writeHead(status, ...rest);
      }) as typeof res.writeHead;

      const held = [...holds].find((h) => h.match(entry));
      if (held) void held.released.then(() => answer(req, res, entry, body));
      else answer(req, res, entry, body);
    });
  });

  function answer(req: http.IncomingMessage, res: http.ServerResponse, entry: StorageRequest, body: Buffer): void {
    for (const refusal of refusals) {
      if (refusal.match(entry)) return s3Error(res, refusal.status, 'InternalError', 'refused by the test');
    }
    const isBucket = entry.path === `/${s3.bucket}` || entry.path === `/${s3.bucket}/`;
    if (isBucket && 'lifecycle' in entry.query) {
      if (entry.method === 'GET') {
        if (lifecycle === null) return s3Error(res, 404, 'NoSuchLifecycleConfiguration', 'The lifecycle configuration does not exist');
        return void res.writeHead(200, { 'Content-Type': 'application/xml' }).end(lifecycle);
      }
      if (entry.method === 'PUT') {
        lifecycle = entry.body;
        return void res.writeHead(200).end();
      }
      if (entry.method === 'DELETE') {
        lifecycle = null;
        return void res.writeHead(204).end();
      }
    }
    if (!isBucket && 'tagging' in entry.query && entry.method === 'DELETE') {
      return forward(req, res, { method: 'PUT', body: Buffer.from(EMPTY_TAGGING), okStatus: 204 });
    }
    forward(req, res, { method: entry.method, body });
  }

  function forward(req: http.IncomingMessage, res: http.ServerResponse, how: { method: string; body: Buffer; okStatus?: number }): void {
    const headers: http.OutgoingHttpHeaders = { ...req.headers, host: `${s3.host}:${s3.port}`, 'content-length': String(how.body.length) };
    delete headers['content-md5'];
    delete headers['transfer-encoding'];
    const upstream = http.request({ host: s3.host, port: s3.port, method: how.method, path: req.url, headers, timeout: 10_000 }, (up) => {
      const status = how.okStatus && (up.statusCode ?? 500) < 300 ? how.okStatus : (up.statusCode ?? 502);
      res.writeHead(status, up.headers);
      up.pipe(res);
    });
    upstream.on('timeout', () => upstream.destroy(new Error('s3rver timed out')));
    upstream.on('error', () => {
      if (!res.headersSent) s3Error(res, 502, 'BadGateway', 's3rver unreachable');
      else res.destroy();
    });
    upstream.end(how.body);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const endpointUrl = `http://127.0.0.1:${port}`;
  return {
    endpointUrl,
    requests,
    lifecycle: () => lifecycle,
    refuse(match, status = 500) {
      const refusal = { match, status };
      refusals.add(refusal);
      return () => void refusals.delete(refusal);
    },
    hold(match) {
      let release!: () => void;
      const hold = { match, released: new Promise<void>((resolve) => (release = resolve)) };
      holds.add(hold);
      return () => {
        holds.delete(hold);
        release();
      };
    },
    env: {
      AWS_S3_ENDPOINT_URL: endpointUrl,
      AWS_S3_ACCESS_KEY_ID: s3.accessKeyId,
      AWS_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      AWS_STORAGE_BUCKET_NAME: s3.bucket,
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
