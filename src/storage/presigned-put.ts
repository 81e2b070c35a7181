import aws4 from 'aws4';
import { encodeS3ObjectPath, storageHost, type S3ObjectSigning } from '../downloads/s3-request-signer';

/**
 * A pre-signed PUT URL (AWS Signature V4 in the query, signed by aws4) that can only create its
 * object, never replace it.
 *
 * The signature covers `host` and `If-None-Match: *`. S3 and MinIO refuse a pre-signed request
 * that lacks a signed header or changes its value (403), and answer 412 to a PUT with
 * `If-None-Match: *` when the key exists. So whoever holds the URL must send the header, and
 * the storage will not let it overwrite a saved recording. The minio client cannot do this:
 * its presignedUrl signs `host` only and takes query parameters, not headers.
 */

export const CREATE_ONLY_HEADER = 'If-None-Match';
export const CREATE_ONLY_VALUE = '*';

/** Signature V4 allows at most 7 days; the service asks for far less (JIBRI_UPLOAD_URL_TTL_SECONDS). */
const MAX_EXPIRES_SECONDS = 7 * 24 * 3600;

export interface PresignCreateOnlyPutInput extends S3ObjectSigning {
  expiresSeconds: number;
}

export interface PresignedPut {
  url: string;
  /** When storage stops accepting the URL: the signing second plus the expiry. */
  expiresAt: Date;
}

export function presignCreateOnlyPut(input: PresignCreateOnlyPutInput): PresignedPut {
  const { expiresSeconds } = input;
  if (!Number.isInteger(expiresSeconds) || expiresSeconds < 1 || expiresSeconds > MAX_EXPIRES_SECONDS) {
    throw new Error('S3 presign: expiry must be a whole number of seconds from 1 to 604800');
  }
  const host = storageHost(input.endpointUrl);
  const protocol = new URL(input.endpointUrl).protocol;
  const path = encodeS3ObjectPath(input.bucket, input.key);
  const date = input.date ?? new Date();
  if (Number.isNaN(date.getTime())) throw new Error('S3 presign: invalid date');
  const amzDate = date.toISOString().replace(/[:-]|\.\d{3}/g, '');

  // With signQuery, aws4 signs every header given (here Host and If-None-Match) and, for s3,
  // an UNSIGNED-PAYLOAD body hash; X-Amz-Date and X-Amz-Expires are read from the query.
  const signed = aws4.sign(
    {
      method: 'PUT',
      host,
      path: `${path}?X-Amz-Date=${amzDate}&X-Amz-Expires=${expiresSeconds}`,
      service: 's3',
      region: input.region,
      signQuery: true,
      headers: { Host: host, [CREATE_ONLY_HEADER]: CREATE_ONLY_VALUE },
    },
    { accessKeyId: input.accessKeyId, secretAccessKey: input.secretAccessKey },
  );

  const signedPath = signed.path ?? '';
  if (!signedPath.startsWith(`${path}?`) || !signedPath.includes('X-Amz-Signature=')) {
    throw new Error('S3 presign: unexpected signer output');
  }
  const signedAt = Math.floor(date.getTime() / 1000) * 1000;
  return { url: `${protocol}//${host}${signedPath}`, expiresAt: new Date(signedAt + expiresSeconds * 1000) };
}
