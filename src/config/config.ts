import type { z } from 'zod';
import { authConcern } from './auth';
import type { Concern } from './concern';
import { downloadsConcern } from './downloads';
import { emailConcern } from './email';
import { jibriConcern } from './jibri';
import { jobsConcern } from './jobs';
import { livekitConcern } from './livekit';
import { pagesConcern } from './pages';
import { reconcileConcern } from './reconcile';
import { recordingConcern } from './recording';
import { roomsConcern } from './rooms';
import { serverConcern } from './server';
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
  workers: workersConcern,
  storage: storageConcern,
  recording: recordingConcern,
  storageEvents: storageEventsConcern,
  downloads: downloadsConcern,
  email: emailConcern,
  reconcile: reconcileConcern,
  jobs: jobsConcern,
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

/** Parses and checks the environment, concern by concern; throws ConfigError naming the first bad variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): AppConfig {
  if (source.NODE_ENV?.trim().toLowerCase() === 'production') {
    // Named, never shown: the value is (or sits next to) a secret.
    const placeholder = SETTING_NAMES.find((name) => source[name]?.toLowerCase().includes(PLACEHOLDER));
    if (placeholder) throw new ConfigError(`${placeholder}: still the ${PLACEHOLDER} placeholder of .env.example; set a real value for production`);
  }
  const config: Record<string, unknown> = {};
  for (const [name, c] of Object.entries(CONCERNS)) {
    const parsed = (c.schema as z.ZodType).safeParse(source);
    if (!parsed.success) {
      const first = parsed.error.issues[0]!;
      throw new ConfigError(`${first.path.join('.')}: ${first.message}`);
    }
    config[name] = parsed.data;
  }
  return config as AppConfig;
}
