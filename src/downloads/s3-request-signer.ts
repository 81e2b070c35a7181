import aws4 from 'aws4';

/**
 * AWS Signature V4 headers for one `GET /{bucket}/{key}` on the object storage, handed to
 * nginx by the media-auth endpoint so that nginx can fetch the object without knowing any
 * storage credential.
 *
 * - Path-style addressing (`/{bucket}/{key}`), as MinIO expects.
 * - `X-Amz-Content-SHA256: UNSIGNED-PAYLOAD` and only `host`, `x-amz-content-sha256` and
 *   `x-amz-date` are signed, so the client's `Range` header can pass through nginx untouched.
 * - `host` is the exact Host header value to send (with the port when it is not the scheme's
 *   default, as URL.host writes it), `path` the exact, already encoded request path: nginx
 *   must use both verbatim (`X-S3-Host`, `X-S3-Path`), since both are part of the signature.
 */

export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

/** One object of the storage and the credentials a request for it is signed with (a GET here, a PUT URL in storage/presigned-put). */
export interface S3ObjectSigning {
  /** AWS_S3_ENDPOINT_URL, e.g. `http://minio:9000` (no path): the URL's scheme and host. */
  endpointUrl: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  bucket: string;
  key: string;
  /** Signing time; defaults to now. */
  date?: Date;
}

export interface SignedS3Get {
  /** Value of the `Authorization` header. */
  authorization: string;
  /** Value of the `X-Amz-Date` header (`YYYYMMDDTHHMMSSZ`). */
  amzDate: string;
  /** Value of the `X-Amz-Content-SHA256` header: always `UNSIGNED-PAYLOAD`. */
  contentSha256: string;
  /** Value of the `Host` header the signature covers, e.g. `minio:9000`. */
  host: string;
  /** Request path the signature covers, encoded: `/{bucket}/{key}`. */
  path: string;
}

// S3's URI encoding: every byte but A-Z a-z 0-9 - . _ ~ is percent-encoded (uppercase hex).
function encodeS3Segment(segment: string): string {
  return encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `/{bucket}/{key}` with each key segment encoded and the key's slashes kept. */
export function encodeS3ObjectPath(bucket: string, key: string): string {
  if (typeof bucket !== 'string' || bucket === '' || bucket.includes('/')) {
    throw new Error('S3 signing: invalid bucket name');
  }
  if (typeof key !== 'string' || key === '' || key.length > 1024) {
    throw new Error('S3 signing: invalid object key');
  }
  const segments = key.split('/');
  // "." and ".." segments could be resolved by an intermediary into another object than the one signed.
  if (segments.some((s) => s === '.' || s === '..')) {
    throw new Error('S3 signing: object key with a "." or ".." segment');
  }
  return `/${encodeS3Segment(bucket)}/${segments.map(encodeS3Segment).join('/')}`;
}

/** The `host[:port]` the storage is reached at; refuses endpoints with a path, query or credentials. */
export function storageHost(endpointUrl: string): string {
  let url: URL;
  try {
    url = new URL(endpointUrl);
  } catch {
    throw new Error('S3 signing: endpoint is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error('S3 signing: endpoint must be http or https');
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.username || url.password) {
    throw new Error('S3 signing: endpoint must be scheme://host[:port] only');
  }
  // URL.host lowercases the name and drops a default port (80/443), exactly as clients send Host.
  return url.host;
}

export function signS3GetHeaders(input: S3ObjectSigning): SignedS3Get {
  const date = input.date ?? new Date();
  if (Number.isNaN(date.getTime())) throw new Error('S3 signing: invalid date');
  return signAt(storageHost(input.endpointUrl), encodeS3ObjectPath(input.bucket, input.key), date, input);
}

/** `YYYYMMDDTHHMMSSZ`. */
function amzDateOf(date: Date): string {
  return date.toISOString().replace(/[:-]|\.\d{3}/g, '');
}

function signAt(host: string, path: string, date: Date, input: Pick<S3ObjectSigning, 'region' | 'accessKeyId' | 'secretAccessKey'>): SignedS3Get {
  const amzDate = amzDateOf(date);

  // aws4 with service "s3" decodes each path segment and re-encodes it once for the canonical
  // request, so an already encoded path is signed as is (no double encoding). Host is given
  // explicitly so that aws4 neither guesses an amazonaws.com host nor drops the port.
  const signed = aws4.sign(
    {
      method: 'GET',
      host,
      path,
      service: 's3',
      region: input.region,
      headers: {
        Host: host,
        'X-Amz-Content-Sha256': UNSIGNED_PAYLOAD,
        'X-Amz-Date': amzDate,
      },
    },
    { accessKeyId: input.accessKeyId, secretAccessKey: input.secretAccessKey },
  );

  const authorization = signed.headers?.Authorization;
  if (typeof authorization !== 'string' || signed.path !== path) {
    throw new Error('S3 signing: unexpected signer output');
  }
  return { authorization, amzDate, contentSha256: UNSIGNED_PAYLOAD, host, path };
}

/** Distinct objects whose headers are kept for the current second; past it, the memory starts over. */
const MAX_SIGNED_PER_SECOND = 10_000;

/**
 * signS3GetHeaders for one storage, as media-auth calls it once per Range request: the host is
 * worked out once, and within one second (X-Amz-Date's resolution) the headers of an object
 * are signed once and then reused, since aws4 would produce exactly the same ones again.
 * (aws4 itself keeps the derived signing key per secret, day, region and service.)
 */
export class S3GetSigner {
  private readonly host: string;
  private second = Number.NaN;
  private readonly signed = new Map<string, SignedS3Get>();

  constructor(private readonly storage: Omit<S3ObjectSigning, 'key' | 'date'>) {
    this.host = storageHost(storage.endpointUrl);
  }

  sign(key: string, date: Date = new Date()): SignedS3Get {
    const second = Math.floor(date.getTime() / 1000);
    if (Number.isNaN(second)) throw new Error('S3 signing: invalid date');
    if (second !== this.second) {
      this.signed.clear();
      this.second = second;
    }
    let headers = this.signed.get(key);
    if (!headers) {
      headers = signAt(this.host, encodeS3ObjectPath(this.storage.bucket, key), date, this.storage);
      if (this.signed.size >= MAX_SIGNED_PER_SECOND) this.signed.clear();
      this.signed.set(key, headers);
    }
    return headers;
  }
}
