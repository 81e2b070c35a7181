import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface SelfSignedCert {
  certPath: string;
  keyPath: string;
  /** The certificate in PEM, to trust it as a CA in the client. */
  certPem: string;
  remove(): Promise<void>;
}

/** A throwaway certificate for 127.0.0.1 made with `openssl req -x509`, for a TLS listener in tests. */
export async function selfSignedCert(): Promise<SelfSignedCert> {
  const dir = await mkdtemp(join(tmpdir(), 'rec-cert-'));
  const certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  // prettier-ignore
  await run('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
    '-keyout', keyPath, '-out', certPath,
  ], { timeout: 30_000 });
  return {
    certPath,
    keyPath,
    certPem: await readFile(certPath, 'utf8'),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
