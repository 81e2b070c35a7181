import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { HttpRequest } from '@smithy/types';
import { encodeS3ObjectPath, S3GetSigner, signS3GetHeaders } from '../src/downloads/s3-request-signer';

/**
 * The signature is recomputed with the AWS SDK's own signer (@smithy/signature-v4, configured
 * as the SDK's S3 client does: no double path escaping, payload hash taken from the header)
 * for the same request, date and credentials. Both must produce the same Authorization header.
 */
async function referenceAuthorization(opts: {
  host: string;
  path: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  date: Date;
}): Promise<{ authorization: string; amzDate: string }> {
  const signer = new SignatureV4({
    service: 's3',
    region: opts.region,
    credentials: { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey },
    sha256: Sha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
  const [hostname, port] = opts.host.split(':');
  const request: HttpRequest = {
    method: 'GET',
    protocol: 'http:',
    hostname: hostname!,
    port: port ? Number(port) : undefined,
    path: opts.path,
    query: {},
    headers: { host: opts.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
  };
  const signed = await signer.sign(request, { signingDate: opts.date });
  return { authorization: String(signed.headers.authorization), amzDate: String(signed.headers['x-amz-date']) };
}

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const date = new Date('2024-05-17T08:09:10.123Z');

describe('signS3GetHeaders', () => {
  it('signs GET /{bucket}/{key} path-style on a host with a port, as the AWS SDK signer does', async () => {
    const key = 'recordings/3f2b8c1e-9a4d-4e6f-8b7a-0c1d2e3f4a5b.mp4';
    const out = signS3GetHeaders({
      endpointUrl: 'http://minio:9000',
      region: 'us-east-1',
      bucket: 'meet-media-storage',
      key,
      date,
      ...credentials,
    });
    expect(out.host).toBe('minio:9000');
    expect(out.path).toBe(`/meet-media-storage/${key}`);
    expect(out.amzDate).toBe('20240517T080910Z');
    expect(out.contentSha256).toBe('UNSIGNED-PAYLOAD');
    expect(out.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20240517\/us-east-1\/s3\/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/,
    );
    const reference = await referenceAuthorization({ host: out.host, path: out.path, region: 'us-east-1', date, ...credentials });
    expect(reference.amzDate).toBe(out.amzDate);
    expect(out.authorization).toBe(reference.authorization);
  });

  it('encodes a key that needs it once (no double encoding) and still matches the reference', async () => {
    const key = 'my folder/été+report (1)*!\'~_.-/a%2Fb?.mp4';
    const out = signS3GetHeaders({
      endpointUrl: 'https://storage.example.org:8443',
      region: 'eu-west-3',
      bucket: 'bucket.with.dots',
      key,
      date,
      ...credentials,
    });
    expect(out.host).toBe('storage.example.org:8443');
    expect(out.path).toBe(
      '/bucket.with.dots/my%20folder/%C3%A9t%C3%A9%2Breport%20%281%29%2A%21%27~_.-/a%252Fb%3F.mp4',
    );
    expect(decodeURIComponent(out.path)).toBe(`/bucket.with.dots/${key}`);
    const reference = await referenceAuthorization({ host: out.host, path: out.path, region: 'eu-west-3', date, ...credentials });
    expect(out.authorization).toBe(reference.authorization);
  });

  it('signs the Host exactly as a client sends it: default ports dropped, name lowercased', async () => {
    const plain = signS3GetHeaders({ endpointUrl: 'http://MinIO.Local:80/', region: 'us-east-1', bucket: 'b', key: 'k.mp4', date, ...credentials });
    expect(plain.host).toBe('minio.local');
    const tls = signS3GetHeaders({ endpointUrl: 'https://s3.example.org:443', region: 'us-east-1', bucket: 'b', key: 'k.mp4', date, ...credentials });
    expect(tls.host).toBe('s3.example.org');
    const ipv4 = signS3GetHeaders({ endpointUrl: 'http://127.0.0.1:4568', region: 'us-east-1', bucket: 'b', key: 'k.mp4', date, ...credentials });
    expect(ipv4.host).toBe('127.0.0.1:4568');
    for (const out of [plain, tls, ipv4]) {
      const reference = await referenceAuthorization({ host: out.host, path: out.path, region: 'us-east-1', date, ...credentials });
      expect(out.authorization).toBe(reference.authorization);
    }
  });

  it('changes the signature with the date, key, host, region and secret', () => {
    const base = { endpointUrl: 'http://minio:9000', region: 'us-east-1', bucket: 'b', key: 'recordings/a.mp4', date, ...credentials };
    const sig = (over: Partial<typeof base>) => signS3GetHeaders({ ...base, ...over }).authorization;
    const all = [
      sig({}),
      sig({ date: new Date(date.getTime() + 1000) }),
      sig({ key: 'recordings/b.mp4' }),
      sig({ endpointUrl: 'http://minio:9001' }),
      sig({ region: 'eu-west-1' }),
      sig({ secretAccessKey: 'another-secret' }),
    ];
    expect(new Set(all).size).toBe(all.length);
  });

  it('uses the current time when no date is given', () => {
    const before = Date.now();
    const out = signS3GetHeaders({ endpointUrl: 'http://minio:9000', region: 'us-east-1', bucket: 'b', key: 'k', ...credentials });
    const signedAt = Date.parse(out.amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
    expect(signedAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(signedAt).toBeLessThanOrEqual(Date.now());
  });

  it('refuses endpoints and keys it cannot sign safely', () => {
    const base = { region: 'us-east-1', bucket: 'b', key: 'k.mp4', date, ...credentials };
    expect(() => signS3GetHeaders({ ...base, endpointUrl: 'minio:9000x' })).toThrow();
    expect(() => signS3GetHeaders({ ...base, endpointUrl: 'ftp://minio' })).toThrow();
    expect(() => signS3GetHeaders({ ...base, endpointUrl: 'http://minio:9000/prefix' })).toThrow();
    expect(() => signS3GetHeaders({ ...base, endpointUrl: 'http://user:pw@minio:9000' })).toThrow();
    expect(() => signS3GetHeaders({ ...base, endpointUrl: 'http://minio:9000', key: '' })).toThrow();
    expect(() => signS3GetHeaders({ ...base, endpointUrl: 'http://minio:9000', key: 'a/../k.mp4' })).toThrow();
    expect(() => signS3GetHeaders({ ...base, endpointUrl: 'http://minio:9000', bucket: '' })).toThrow();
    expect(() => encodeS3ObjectPath('a/b', 'k')).toThrow();
  });
});

describe('S3GetSigner (media-auth: one storage, headers reused within their second)', () => {
  const storage = { endpointUrl: 'http://minio:9000', region: 'us-east-1', bucket: 'meet-media-storage', ...credentials };
  const key = 'recordings/3f2b8c1e-9a4d-4e6f-8b7a-0c1d2e3f4a5b.mp4';

  it('gives exactly what signS3GetHeaders gives, for each key and each second', () => {
    const signer = new S3GetSigner(storage);
    const later = new Date(date.getTime() + 1000);
    for (const at of [date, new Date(date.getTime() + 500), later, date]) {
      for (const k of [key, 'recordings/other.ogg']) {
        expect(signer.sign(k, at)).toEqual(signS3GetHeaders({ ...storage, key: k, date: at }));
      }
    }
    expect(signer.sign(key, later).authorization).not.toBe(signer.sign(key, date).authorization);
  });

  it('refuses what signS3GetHeaders refuses', () => {
    expect(() => new S3GetSigner({ ...storage, endpointUrl: 'http://minio:9000/prefix' })).toThrow();
    const signer = new S3GetSigner(storage);
    expect(() => signer.sign('a/../k.mp4', date)).toThrow();
    expect(() => signer.sign(key, new Date(Number.NaN))).toThrow();
  });
});
