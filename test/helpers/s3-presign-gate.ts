import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestS3 } from './s3';

/**
 * s3rver checks no V4 signature and ignores `If-None-Match` on PUT. This gate sits in front of
 * it and does, for pre-signed requests (X-Amz-Signature in the query), what S3 and MinIO do:
 * - every header named in X-Amz-SignedHeaders must be sent (403 otherwise);
 * - the signature, recomputed with the AWS SDK's signer (@smithy/signature-v4), must match (403);
 * - past X-Amz-Date + X-Amz-Expires the URL is refused (403);
 * - a PUT with `If-None-Match: *` on a key that exists gets 412 and stores nothing.
 * Everything else (the service's own header-signed calls) is forwarded untouched. Each request
 * is recorded with what the gate decided.
 */

const REQUEST_TIMEOUT_MS = 10000;
const PRESIGN_PARAMS = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature', 'X-Amz-Security-Token'];

export type GateVerdict = 'forwarded' | 'unsigned-header-missing' | 'bad-signature' | 'expired' | 'precondition-failed';

export interface GateRequest {
  method: string;
  /** The raw path, without the query. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  presigned: boolean;
  verdict: GateVerdict;
}

export interface S3PresignGate {
  /** `http://127.0.0.1:<port>`: give it to the service as AWS_S3_ENDPOINT_URL. */
  url: string;
  seen: GateRequest[];
  /** Runs before a pre-signed PUT is checked, e.g. to let another writer land first. */
  beforePresignedPut: ((key: string) => Promise<void>) | null;
  close(): Promise<void>;
}

export interface PresignedRequest {
  method: string;
  /** `host[:port]` as sent. */
  host: string;
  /** Raw, encoded path. */
  path: string;
  query: URLSearchParams;
  /** Request headers, lower-case names. */
  headers: Record<string, string | string[] | undefined>;
}

const amzDateToDate = (amzDate: string): Date | null => {
  const iso = amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z');
  const date = new Date(iso);
  return iso === amzDate || Number.isNaN(date.getTime()) ? null : date;
};

/**
 * Checks a pre-signed request as S3 would: recomputes the query signature with the AWS SDK's
 * signer over the headers that X-Amz-SignedHeaders names, with the values the request carries.
 */
export async function checkPresignedRequest(
  req: PresignedRequest,
  credentials: { accessKeyId: string; secretAccessKey: string; region: string },
  now = new Date(),
): Promise<Exclude<GateVerdict, 'precondition-failed'>> {
  const signedHeaderNames = (req.query.get('X-Amz-SignedHeaders') ?? '').split(';').filter(Boolean);
  const signingDate = amzDateToDate(req.query.get('X-Amz-Date') ?? '');
  const expiresIn = Number(req.query.get('X-Amz-Expires'));
  if (!signingDate || !Number.isInteger(expiresIn) || !signedHeaderNames.includes('host')) return 'bad-signature';

  const headers: Record<string, string> = { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' };
  for (const name of signedHeaderNames) {
    const value = name === 'host' ? req.host : req.headers[name];
    if (value === undefined) return 'unsigned-header-missing';
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of req.query) if (!PRESIGN_PARAMS.includes(name)) query[name] = value;

  const signer = new SignatureV4({
    service: 's3',
    region: credentials.region,
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
    sha256: Sha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
  // Pre-signed S3 URLs sign an UNSIGNED-PAYLOAD body hash; that marker is not a signed header.
  const keepAsHeader = new Set(['x-amz-content-sha256']);
  const [hostname, port] = req.host.split(':');
  const reference = await signer.presign(
    { method: req.method, protocol: 'http:', hostname: hostname!, port: port ? Number(port) : undefined, path: req.path, query, headers },
    { signingDate, expiresIn, unhoistableHeaders: keepAsHeader, unsignableHeaders: keepAsHeader },
  );
  const expected = reference.query ?? {};
  const valid =
    expected['X-Amz-Signature'] === req.query.get('X-Amz-Signature') &&
    expected['X-Amz-SignedHeaders'] === req.query.get('X-Amz-SignedHeaders') &&
    expected['X-Amz-Credential'] === req.query.get('X-Amz-Credential');
  if (!valid) return 'bad-signature';
  if (now.getTime() > signingDate.getTime() + expiresIn * 1000) return 'expired';
  return 'forwarded';
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const S3_ERROR: Record<Exclude<GateVerdict, 'forwarded'>, [number, string]> = {
  'unsigned-header-missing': [403, 'AccessDenied'],
  'bad-signature': [403, 'SignatureDoesNotMatch'],
  expired: [403, 'AccessDenied'],
  'precondition-failed': [412, 'PreconditionFailed'],
};

export async function startS3PresignGate(s3: TestS3): Promise<S3PresignGate> {
  const seen: GateRequest[] = [];
  const gate: S3PresignGate = { url: '', seen, beforePresignedPut: null, close: async () => undefined };

  const decide = async (req: http.IncomingMessage, path: string, query: URLSearchParams): Promise<GateVerdict> => {
    if (!query.has('X-Amz-Signature')) return 'forwarded';
    const prefix = `/${s3.bucket}/`;
    const key = path.startsWith(prefix) ? decodeURIComponent(path.slice(prefix.length)) : null;
    if (req.method === 'PUT' && key && gate.beforePresignedPut) await gate.beforePresignedPut(key);
    const verdict = await checkPresignedRequest(
      { method: req.method ?? 'GET', host: String(req.headers.host), path, query, headers: req.headers },
      { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, region: s3.region },
    );
    if (verdict !== 'forwarded') return verdict;
    if (req.method === 'PUT' && key && req.headers['if-none-match'] === '*' && (await s3.hasObject(key))) return 'precondition-failed';
    return 'forwarded';
  };

  const server = http.createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const raw = req.url ?? '/';
      const q = raw.indexOf('?');
      const path = q < 0 ? raw : raw.slice(0, q);
      const query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
      const presigned = query.has('X-Amz-Signature');
      const verdict = await decide(req, path, query);
      seen.push({ method: req.method ?? '', path, query, headers: req.headers, presigned, verdict });
      if (verdict !== 'forwarded') {
        const [status, code] = S3_ERROR[verdict];
        res.writeHead(status, { 'Content-Type': 'application/xml' }).end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code></Error>`);
        return;
      }
      const upstream = http.request(
        { host: '127.0.0.1', port: s3.port, method: req.method, path: raw, headers: req.headers, timeout: REQUEST_TIMEOUT_MS },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.on('error', () => res.destroy());
          up.pipe(res);
        },
      );
      upstream.on('timeout', () => upstream.destroy(new Error('s3rver timed out')));
      upstream.on('error', () => res.destroy());
      upstream.end(body);
    })().catch(() => res.destroy());
  });

  gate.url = await new Promise<string>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
  gate.close = () => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  };
  return gate;
}
