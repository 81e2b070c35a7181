import { randomBytes } from 'node:crypto';
import type { AppConfig } from '../config/config';
import { sandboxDefaults } from '../config/workers';
import { DEV_ROOM } from '../config/dev-mode';
import type { ObjectStorage } from '../storage/object-storage';
import { EmbeddedStorage } from './embedded-storage';
import { MailCapture } from './mail-capture';

/** What the development pages and routes (src/api/routes/dev-*.ts) are given. */
export interface DevTools {
  /** The printed owner token of DEV_ROOM, shown on the landing page. */
  ownerToken: string;
  room: string;
  /** The captured emails; absent when EMAIL_URL/EMAIL_HOST points at a real server. */
  mail?: MailCapture;
  /** The embedded store, served under MEDIA_URL_PREFIX; absent when AWS_S3_* is configured. */
  media?: ObjectStorage;
}

export interface DevStack {
  /** The configuration with the embedded parts filled in where nothing was configured. */
  config: AppConfig;
  tools: DevTools;
  /** Start-up lines saying what runs embedded. */
  notes(serviceUrl: string): string[];
  /** Once the service listens: where the embedded store posts its events. */
  listening(serviceUrl: string): void;
  stop(): Promise<void>;
}

/**
 * Development mode only (no AUTH_JWT_SECRET/AUTH_JWT_PUBLIC_KEY, never with NODE_ENV=production):
 * an embedded S3 store when AWS_S3_* is unset, a mail capture when EMAIL_URL/EMAIL_HOST is unset.
 * Whatever is configured stays as configured.
 */
export async function startDevStack(config: AppConfig, ownerToken: string): Promise<DevStack> {
  if (!config.auth.devMode || config.auth.secret || config.auth.publicKey) throw new Error('the development stack runs in development mode only');
  // The hook needs a token while its auth is on; the embedded store is the only sender that knows it.
  const storageEvents = config.storageEvents.auth && !config.storageEvents.token ? { ...config.storageEvents, token: randomBytes(24).toString('hex') } : config.storageEvents;
  const storage = config.storage ? undefined : await EmbeddedStorage.start(config.server.dataDir, storageEvents.auth ? storageEvents.token : undefined);
  let mail: MailCapture | undefined;
  try {
    mail = config.email.smtp ? undefined : await MailCapture.start();
  } catch (err) {
    await storage?.stop();
    throw err;
  }
  // Nothing to record with: the sandbox worker records every mode, so a start works at once.
  const sandbox = !config.workers.modesSet && !config.livekit && config.jibri.urls.length === 0;
  const effective: AppConfig = {
    ...config,
    workers: sandbox ? { ...config.workers, modes: sandboxDefaults() } : config.workers,
    storageEvents,
    storage: storage?.settings ?? config.storage,
    email: mail ? { ...config.email, smtp: mail.target } : config.email,
  };
  return {
    config: effective,
    tools: { ownerToken, room: DEV_ROOM, mail, media: storage?.storage },
    notes(serviceUrl) {
      const lines = [`development page: ${serviceUrl}/ (token, start and stop, status, API reference)`];
      if (storage) lines.push(`storage: embedded S3 store under ${storage.directory} at ${storage.settings.endpointUrl}, bucket "${storage.settings.bucket}"; media served under ${config.downloads.mediaUrlPrefix}`);
      if (sandbox) lines.push('workers: the sandbox worker records every mode (a test picture and tone); set RECORDING_WORKERS or LIVEKIT_API_* for real recordings');
      if (mail) lines.push(`smtp: emails are captured in memory, read them at ${serviceUrl}/dev/mail`);
      return lines;
    },
    listening(serviceUrl) {
      storage?.deliverTo(serviceUrl);
    },
    async stop() {
      await Promise.all([storage?.stop(), mail?.stop()]);
    },
  };
}
