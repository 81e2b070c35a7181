import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { pipeline } from 'node:stream/promises';
import type { ObjectStorage } from '../../../storage/object-storage';
import { CREATE_ONLY_HEADER, CREATE_ONLY_VALUE } from '../../../storage/presigned-put';

/** The slowest upload rate the sandbox waits for (bytes per second) on top of the storage timeout. */
const MIN_UPLOAD_RATE = 1_000_000;

/**
 * Uploads a file to `key` as a recorder would: one PUT whose body is read from disk as it is
 * sent (never held in memory), through a create-only pre-signed URL of the storage client, so
 * a recording already saved under that key is never replaced. Resolves to the size sent.
 */
export async function uploadFile(storage: ObjectStorage, key: string, file: string, contentType: string): Promise<number> {
  const { size } = await stat(file);
  const timeoutMs = storage.settings.timeoutMs + Math.ceil((size / MIN_UPLOAD_RATE) * 1000);
  const { url } = storage.presignedCreateOnlyPut(key, Math.max(60, Math.ceil(timeoutMs / 1000) + 60));
  const target = new URL(url);
  const send = target.protocol === 'https:' ? https.request : http.request;
  const request = send(target, {
    method: 'PUT',
    headers: { 'Content-Type': contentType, 'Content-Length': String(size), [CREATE_ONLY_HEADER]: CREATE_ONLY_VALUE },
    signal: AbortSignal.timeout(timeoutMs),
  });
  const answer = new Promise<http.IncomingMessage>((resolve, reject) => {
    request.once('response', resolve);
    request.once('error', reject);
  });
  // Awaited below; marked handled now in case the body fails first.
  answer.catch(() => undefined);
  await pipeline(createReadStream(file), request);
  const response = await answer;
  const status = response.statusCode ?? 0;
  let body = '';
  response.setEncoding('utf8');
  for await (const chunk of response) body = (body + String(chunk)).slice(0, 500);
  if (status < 200 || status >= 300) {
    const code = /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
    throw new Error(`storage answered ${status}${code ? ` ${code}` : ''} to the upload of ${key}`);
  }
  return size;
}
