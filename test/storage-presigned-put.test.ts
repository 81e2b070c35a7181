import { Client } from 'minio';
import { presignCreateOnlyPut } from '../src/storage/presigned-put';
import { checkPresignedRequest, type PresignedRequest } from './helpers/s3-presign-gate';

/**
 * The create-only upload URL (signed by aws4), checked against the AWS SDK's own signer
 * (@smithy/signature-v4) the way S3 checks a pre-signed request: the headers it names must be
 * sent with the values signed.
 */

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const date = new Date('2024-05-17T08:09:10.123Z');
const KEY = 'recordings/3f2b8c1e-9a4d-4e6f-8b7a-0c1d2e3f4a5b.mp4';

function presign(over: Partial<Parameters<typeof presignCreateOnlyPut>[0]> = {}) {
  return presignCreateOnlyPut({
    endpointUrl: 'http://minio:9000',
    region: 'us-east-1',
    bucket: 'meet-media-storage',
    key: KEY,
    expiresSeconds: 600,
    date,
    ...credentials,
    ...over,
  });
}

/** The PUT a client makes with that URL and these headers, as the storage receives it. */
function putWith(url: string, headers: Record<string, string>): PresignedRequest {
  const u = new URL(url);
  return { method: 'PUT', host: u.host, path: u.pathname, query: u.searchParams, headers };
}

const check = (req: PresignedRequest, region = 'us-east-1', now = new Date(date.getTime() + 1000)) =>
  checkPresignedRequest(req, { ...credentials, region }, now);

describe('presignCreateOnlyPut', () => {
  it('signs PUT /{bucket}/{key} with host and If-None-Match: * for the given lifetime', async () => {
    const { url, expiresAt } = presign();
    const u = new URL(url);
    expect(`${u.protocol}//${u.host}`).toBe('http://minio:9000');
    expect(u.pathname).toBe(`/meet-media-storage/${KEY}`);
    expect(u.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(u.searchParams.get('X-Amz-Credential')).toBe('AKIDEXAMPLE/20240517/us-east-1/s3/aws4_request');
    expect(u.searchParams.get('X-Amz-Date')).toBe('20240517T080910Z');
    expect(u.searchParams.get('X-Amz-Expires')).toBe('600');
    expect(u.searchParams.get('X-Amz-SignedHeaders')).toBe('host;if-none-match');
    expect(u.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    expect(expiresAt.toISOString()).toBe('2024-05-17T08:19:10.000Z');

    expect(await check(putWith(url, { 'if-none-match': '*', 'content-type': 'video/mp4' }))).toBe('forwarded');
  });

  it('is refused without the If-None-Match header, or with another value: it cannot overwrite', async () => {
    const { url } = presign();
    expect(await check(putWith(url, {}))).toBe('unsigned-header-missing');
    expect(await check(putWith(url, { 'if-none-match': '"some-etag"' }))).toBe('bad-signature');
    // Nor can the signed-header list be shortened to host alone.
    const stripped = new URL(url);
    stripped.searchParams.set('X-Amz-SignedHeaders', 'host');
    expect(await check(putWith(stripped.toString(), {}))).toBe('bad-signature');
  });

  it('covers exactly its key, method, host, region and lifetime', async () => {
    const { url } = presign();
    const u = new URL(url);
    const other = putWith(url, { 'if-none-match': '*' });
    expect(await check({ ...other, path: '/meet-media-storage/recordings/00000000-1111-4222-8333-444444444444.mp4' })).toBe('bad-signature');
    expect(await check({ ...other, method: 'POST' })).toBe('bad-signature');
    expect(await check({ ...other, host: 'minio:9001' })).toBe('bad-signature');
    expect(await check(other, 'eu-west-1')).toBe('bad-signature');
    const longer = new URL(u);
    longer.searchParams.set('X-Amz-Expires', '604800');
    expect(await check(putWith(longer.toString(), { 'if-none-match': '*' }))).toBe('bad-signature');
    expect(await check(other, 'us-east-1', new Date(date.getTime() + 601_000))).toBe('expired');
  });

  it('encodes a key once and keeps a port and https', async () => {
    const key = 'my folder/été (1).mp4';
    const { url } = presign({ endpointUrl: 'https://storage.example.org:8443', key });
    const u = new URL(url);
    expect(u.protocol).toBe('https:');
    expect(u.host).toBe('storage.example.org:8443');
    expect(u.pathname).toBe('/meet-media-storage/my%20folder/%C3%A9t%C3%A9%20%281%29.mp4');
    expect(await check(putWith(url, { 'if-none-match': '*' }))).toBe('forwarded');
  });

  it('the checker agrees with the minio client: its plain pre-signed PUT (host only) needs no header, so it could overwrite', async () => {
    const client = new Client({ endPoint: 'minio', port: 9000, useSSL: false, accessKey: credentials.accessKeyId, secretKey: credentials.secretAccessKey, region: 'us-east-1', pathStyle: true });
    const plain = await client.presignedUrl('PUT', 'meet-media-storage', KEY, 600, {}, date);
    expect(new URL(plain).searchParams.get('X-Amz-SignedHeaders')).toBe('host');
    expect(await check(putWith(plain, {}))).toBe('forwarded');
    expect(await check(putWith(presign().url, {}))).toBe('unsigned-header-missing');
  });

  it('refuses a lifetime outside 1 s to 7 days', () => {
    for (const expiresSeconds of [0, -1, 1.5, 604801]) expect(() => presign({ expiresSeconds })).toThrow(/expiry/);
  });
});
