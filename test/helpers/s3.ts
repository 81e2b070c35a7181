import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import * as Minio from 'minio';
import { withTimeout } from '../../src/util/with-timeout';

/**
 * A throwaway S3 server (s3rver) on 127.0.0.1, random port, files in a temp dir, with one
 * bucket. s3rver knows one key pair, S3RVER/S3RVER, and does not verify V4 signatures: tests
 * that need a signature checked verify it themselves.
 */

export const S3RVER_ACCESS_KEY = 'S3RVER';
export const S3RVER_SECRET_KEY = 'S3RVER';
const CALL_TIMEOUT_MS = 10000;

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;

export interface TestS3 {
  /** e.g. `http://127.0.0.1:40123` */
  endpointUrl: string;
  host: string;
  port: number;
  bucket: string;
  /** Where s3rver keeps the objects (`{directory}/{bucket}/{key}._S3rver_object`). */
  directory: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  client: Minio.Client;
  putObject(key: string, bytes: Buffer | string, contentType?: string): Promise<void>;
  getObject(key: string): Promise<Buffer>;
  hasObject(key: string): Promise<boolean>;
  close(): Promise<void>;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks);
}

export async function startS3Server(opts: { bucket?: string } = {}): Promise<TestS3> {
  // s3rver ships no type declarations.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const S3rver = require('s3rver') as S3rverConstructor;
  const directory = await mkdtemp(join(tmpdir(), 'rec-s3rver-'));
  const bucket = opts.bucket ?? `recordings-${randomBytes(3).toString('hex')}`;
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    vhostBuckets: false,
    configureBuckets: [{ name: bucket }],
  });
  let address: AddressInfo;
  try {
    address = await withTimeout(server.run(), CALL_TIMEOUT_MS, 's3rver start');
  } catch (err) {
    await rm(directory, { recursive: true, force: true });
    throw err;
  }

  const host = '127.0.0.1';
  const port = address.port;
  const region = 'us-east-1';
  const client = new Minio.Client({
    endPoint: host,
    port,
    useSSL: false,
    accessKey: S3RVER_ACCESS_KEY,
    secretKey: S3RVER_SECRET_KEY,
    region,
    pathStyle: true,
  });

  let closed = false;
  return {
    endpointUrl: `http://${host}:${port}`,
    host,
    port,
    bucket,
    directory,
    region,
    accessKeyId: S3RVER_ACCESS_KEY,
    secretAccessKey: S3RVER_SECRET_KEY,
    client,
    async putObject(key, bytes, contentType = 'application/octet-stream') {
      const body = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes);
      await withTimeout(client.putObject(bucket, key, body, body.length, { 'Content-Type': contentType }), CALL_TIMEOUT_MS, 's3rver putObject');
    },
    async getObject(key) {
      return withTimeout(
        client.getObject(bucket, key).then((stream) => readAll(stream)),
        CALL_TIMEOUT_MS,
        's3rver getObject',
      );
    },
    async hasObject(key) {
      try {
        await withTimeout(client.statObject(bucket, key), CALL_TIMEOUT_MS, 's3rver statObject');
        return true;
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'NotFound' || code === 'NoSuchKey') return false;
        throw err;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await withTimeout(server.close(), CALL_TIMEOUT_MS, 's3rver close');
      } finally {
        await rm(directory, { recursive: true, force: true });
      }
    },
  };
}

/** The service's storage settings pointing at this S3 server. */
export function s3Env(s3: TestS3): Record<string, string> {
  return {
    AWS_S3_ENDPOINT_URL: s3.endpointUrl,
    AWS_S3_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    AWS_STORAGE_BUCKET_NAME: s3.bucket,
  };
}
