import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { AppConfig } from '../config/config';
import { childLogger } from '../logging/logger';
import { ObjectStorage } from '../storage/object-storage';
import { withTimeout } from '../util/with-timeout';
import { StorageHookRelay, type S3rverEvent } from './storage-hook-relay';

const log = childLogger('dev-storage');

/** s3rver knows one key pair; it listens on 127.0.0.1 only, so nothing else reaches it. */
const ACCESS_KEY = 'S3RVER';
const SECRET_KEY = 'S3RVER';
export const EMBEDDED_BUCKET = 'recordings';
const START_TIMEOUT_MS = 10_000;
const CALL_TIMEOUT_MS = 10_000;

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  on(event: 'event', listener: (event: S3rverEvent) => void): void;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;

export type StorageSettings = NonNullable<AppConfig['storage']>;

/**
 * An S3-compatible store in this process (s3rver), files under `{DATA_DIR}/s3`, for development
 * mode without AWS_S3_*. Its object-created events go to the service's own storage hook in
 * MinIO's format (see StorageHookRelay), so a file put there saves its recording the way a
 * MinIO bucket notification does.
 */
export class EmbeddedStorage {
  private constructor(
    private readonly server: S3rverInstance,
    readonly settings: StorageSettings,
    readonly directory: string,
    private readonly relay: StorageHookRelay,
    /** A client of its own, for the relay's stat calls and the dev media route. */
    readonly storage: ObjectStorage,
  ) {}

  static async start(dataDir: string, hookToken: string | undefined): Promise<EmbeddedStorage> {
    // s3rver ships no type declarations.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const S3rver = require('s3rver') as S3rverConstructor;
    const directory = path.resolve(dataDir, 's3');
    mkdirSync(directory, { recursive: true });
    const server = new S3rver({
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory,
      vhostBuckets: false,
      configureBuckets: [{ name: EMBEDDED_BUCKET }],
    });
    const address = await withTimeout(server.run(), START_TIMEOUT_MS, 'embedded storage start');
    const settings: StorageSettings = {
      endpointUrl: `http://127.0.0.1:${address.port}`,
      accessKeyId: ACCESS_KEY,
      secretAccessKey: SECRET_KEY,
      region: 'us-east-1',
      bucket: EMBEDDED_BUCKET,
      timeoutMs: CALL_TIMEOUT_MS,
    };
    const storage = new ObjectStorage(settings);
    const relay = new StorageHookRelay({ bucket: EMBEDDED_BUCKET, token: hookToken, storage });
    server.on('event', (event) => relay.relay(event));
    log.info({ endpoint: settings.endpointUrl, directory }, 'embedded storage listening');
    return new EmbeddedStorage(server, settings, directory, relay, storage);
  }

  /** Where the relay posts: the service's own address, known once it listens. */
  deliverTo(serviceUrl: string): void {
    this.relay.target = `${serviceUrl}/api/v1.0/recordings/storage-hook/`;
  }

  async stop(): Promise<void> {
    await this.relay.drain();
    this.storage.close();
    await withTimeout(this.server.close(), CALL_TIMEOUT_MS, 'embedded storage close');
  }
}
