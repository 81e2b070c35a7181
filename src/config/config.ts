import type { z } from 'zod';
import { authConcern } from './auth';
import { capacityConcern } from './capacity';
import type { Concern } from './concern';
import { downloadsConcern } from './downloads';
import { emailConcern } from './email';
import { jibriConcern } from './jibri';
import { jitsiEventsConcern } from './jitsi-events';
import { jobsConcern } from './jobs';
import { joinConcern } from './join';
import { livekitConcern } from './livekit';
import { pagesConcern } from './pages';
import { reconcileConcern } from './reconcile';
import { recordingConcern } from './recording';
import { roomsConcern } from './rooms';
import { serverConcern } from './server';
import { startWatchdogConcern } from './start-watchdog';
import { storageEventsConcern } from './storage-events';
import { storageConcern } from './storage';
import { webhooksConcern } from './webhooks';
import { workersConcern } from './workers';

export { WORKER_KINDS, type WorkerKind } from './workers';

/** Every concern's settings; each module says which variables it reads and what they mean. */
const CONCERNS = {
  server: serverConcern,
  auth: authConcern,
  livekit: livekitConcern,
  jibri: jibriConcern,
  jitsi: jitsiEventsConcern,
  workers: workersConcern,
  storage: storageConcern,
  recording: recordingConcern,
  capacity: capacityConcern,
  startWatchdog: startWatchdogConcern,
  storageEvents: storageEventsConcern,
  downloads: downloadsConcern,
  email: emailConcern,
  reconcile: reconcileConcern,
  jobs: jobsConcern,
  join: joinConcern,
  rooms: roomsConcern,
  pages: pagesConcern,
  webhooks: webhooksConcern,
} as const;

type Concerns = typeof CONCERNS;
type SettingsOf<C> = C extends Concern<z.ZodRawShape, infer Out> ? Out : never;

/** The validated configuration, grouped by concern. */
export type AppConfig = { [K in keyof Concerns]: SettingsOf<Concerns[K]> };

/** Every environment variable the service reads. */
export const SETTING_NAMES: readonly string[] = [...new Set(Object.values(CONCERNS).flatMap((c) => Object.keys(c.shape)))].sort();

/** A bad setting; the message is one line that starts with the variable's name. */
export class ConfigError extends Error {}

/** What `.env.example` writes in place of every secret; in production it must have been replaced. */
const PLACEHOLDER = 'change-me';

/** Only these concerns' settings (a command-line tool that needs no more); throws ConfigError like loadConfig. */
export function loadSettings<K extends keyof Concerns>(source: NodeJS.ProcessEnv, ...names: K[]): Pick<AppConfig, K> {
  const settings: Record<string, unknown> = {};
  for (const name of names) {
    const parsed = (CONCERNS[name].schema as z.ZodType).safeParse(source);
    if (!parsed.success) {
      const first = parsed.error.issues[0]!;
      throw new ConfigError(`${first.path.join('.')}: ${first.message}`);
    }
    settings[name] = parsed.data;
  }
  return settings as Pick<AppConfig, K>;
}

/** Parses and checks the environment, concern by concern; throws ConfigError naming the first bad variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): AppConfig {
  const production = source.NODE_ENV?.trim().toLowerCase() === 'production';
  if (production) {
    // Named, never shown: the value is (or sits next to) a secret.
    const placeholder = SETTING_NAMES.find((name) => source[name]?.toLowerCase().includes(PLACEHOLDER));
    if (placeholder) throw new ConfigError(`${placeholder}: still the ${PLACEHOLDER} placeholder of .env.example; set a real value for production`);
  }
  const app = loadSettings(source, ...(Object.keys(CONCERNS) as (keyof Concerns)[])) as AppConfig;
  // Without it, media-auth cannot tell nginx's subrequest from any caller that reaches the service.
  if (production && app.storage && !app.downloads.mediaAuthSecret) {
    throw new ConfigError('MEDIA_AUTH_SECRET: required in production with storage (the secret nginx sends to media-auth; openssl rand -hex 32)');
  }
  return app;
}
