import { z } from 'zod';
import { envBool, envInt, envString, envUrl, envUrlList } from './env-parsers';
import { envTrustProxy, type TrustProxy } from './trust-proxy';

export const WORKER_KINDS = ['livekit-video', 'livekit-audio', 'jibri'] as const;
export type WorkerKind = (typeof WORKER_KINDS)[number];

const DEFAULT_WORKERS: Record<string, WorkerKind> = {
  screen_recording: 'livekit-video',
  transcript: 'livekit-audio',
};

const workersMap = z
  .string()
  .optional()
  .transform((value, ctx) => {
    if (value === undefined || value.trim() === '') return DEFAULT_WORKERS;
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'expected a JSON object mapping mode to worker kind' });
      return z.NEVER;
    }
    const result = z
      .record(z.string().regex(/^[a-z][a-z0-9_-]{0,49}$/), z.enum(WORKER_KINDS))
      .refine((m) => Object.keys(m).length > 0, 'at least one mode')
      .safeParse(parsed);
    if (!result.success) {
      ctx.addIssue({
        code: 'custom',
        message: `expected {"<mode>": one of ${WORKER_KINDS.join(', ')}}`,
      });
      return z.NEVER;
    }
    return result.data;
  });

const folder = z
  .string()
  .optional()
  .transform((value, ctx) => {
    const v = (value ?? '').trim() || 'recordings';
    if (!/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/.test(v)) {
      ctx.addIssue({ code: 'custom', message: 'expected a folder name such as "recordings" (letters, digits, _ - /)' });
      return z.NEVER;
    }
    return v;
  });

const mediaPrefix = z
  .string()
  .optional()
  .transform((value, ctx) => {
    const v = (value ?? '').trim() || '/media/';
    if (!/^\/([A-Za-z0-9_-]+\/)*$/.test(v)) {
      ctx.addIssue({ code: 'custom', message: 'expected a path starting and ending with "/", e.g. /media/' });
      return z.NEVER;
    }
    return v;
  });

const locale = z
  .string()
  .optional()
  .transform((value, ctx) => {
    const v = (value ?? '').trim() || 'en';
    try {
      return Intl.getCanonicalLocales(v)[0]!;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'expected a BCP 47 language tag such as en or fr-FR' });
      return z.NEVER;
    }
  });

const timezone = z
  .string()
  .optional()
  .transform((value, ctx) => {
    const v = (value ?? '').trim() || 'UTC';
    try {
      new Intl.DateTimeFormat('en', { timeZone: v });
      return v;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'expected an IANA time zone such as Europe/Paris' });
      return z.NEVER;
    }
  });

const logLevel = z
  .string()
  .optional()
  .transform((v) => (v ?? '').trim() || 'info')
  .pipe(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']));

/** Every setting the service reads. Names follow SPEC.md (and La Suite Meet where it has one). */
export const envSchema = z.object({
  NODE_ENV: envString(),
  PORT: envInt({ min: 0, max: 65535 }),
  HOST: envString(),
  LOG_LEVEL: logLevel,
  TRUST_PROXY: envTrustProxy(),
  DATABASE_URL: envString(),
  DATA_DIR: envString(),

  AUTH_JWT_SECRET: envString(),
  AUTH_JWT_PUBLIC_KEY: envString(),
  AUTH_JWT_ISSUER: envString(),
  AUTH_JWT_AUDIENCE: envString(),

  LIVEKIT_API_URL: envUrl(),
  LIVEKIT_API_KEY: envString(),
  LIVEKIT_API_SECRET: envString(),

  JIBRI_URLS: envUrlList(),
  JIBRI_IDS: envString(),
  JITSI_BASE_URL: envUrl(),
  JIBRI_XMPP_DOMAIN: envString(),
  JIBRI_XMPP_USERNAME: envString(),
  JIBRI_XMPP_PASSWORD: envString(),
  JIBRI_UPLOAD_TOKEN: envString(),
  JIBRI_WEBHOOK_TOKEN: envString(),
  JIBRI_UPLOAD_URL_TTL_SECONDS: envInt({ min: 60, max: 7 * 24 * 3600 }),

  RECORDING_WORKERS: workersMap,
  RECORDING_ENCODING_ENABLED: envBool(false),
  RECORDING_ENCODING_WIDTH: envInt({ min: 16, max: 7680 }),
  RECORDING_ENCODING_HEIGHT: envInt({ min: 16, max: 4320 }),
  RECORDING_ENCODING_FRAMERATE: envInt({ min: 1, max: 120 }),
  RECORDING_ENCODING_VIDEO_BITRATE_KBPS: envInt({ min: 100, max: 100000 }),
  RECORDING_ENCODING_AUDIO_BITRATE_KBPS: envInt({ min: 8, max: 1024 }),
  RECORDING_ENCODING_KEY_FRAME_INTERVAL_S: envInt({ min: 1, max: 60 }),
  WORKER_TIMEOUT_MS: envInt({ min: 100, max: 120000 }),

  AWS_S3_ENDPOINT_URL: envUrl(),
  AWS_S3_ACCESS_KEY_ID: envString(),
  AWS_S3_SECRET_ACCESS_KEY: envString(),
  AWS_S3_REGION_NAME: envString(),
  AWS_STORAGE_BUCKET_NAME: envString(),
  STORAGE_TIMEOUT_MS: envInt({ min: 100, max: 120000 }),

  RECORDING_OUTPUT_FOLDER: folder,
  RECORDING_STORAGE_EVENT_ENABLE: envBool(true),
  RECORDING_ENABLE_STORAGE_EVENT_AUTH: envBool(true),
  RECORDING_STORAGE_EVENT_TOKEN: envString(),
  RECORDING_EVENT_PARSER: z
    .string()
    .optional()
    .transform((v) => (v ?? '').trim().toLowerCase() || 'minio')
    .pipe(z.enum(['minio', 'aws'])),
  RECORDING_EXPIRATION_DAYS: envInt({ min: 1, max: 36500 }),
  RECORDING_MAX_DURATION: envInt({ min: 1000 }),
  RECORDING_APPLY_BUCKET_LIFECYCLE: envBool(false),
  RECORDING_DOWNLOAD_BASE_URL: envUrl(),
  MEDIA_URL_PREFIX: mediaPrefix,
  DOWNLOAD_LINK_TTL_SECONDS: envInt({ min: 10, max: 7 * 24 * 3600 }),
  DOWNLOAD_LINK_SECRET: envString(),

  EMAIL_URL: envString(),
  EMAIL_HOST: envString(),
  EMAIL_PORT: envInt({ min: 1, max: 65535 }),
  EMAIL_HOST_USER: envString(),
  EMAIL_HOST_PASSWORD: envString(),
  EMAIL_USE_TLS: envBool(false),
  EMAIL_USE_SSL: envBool(false),
  EMAIL_FROM: envString(),
  EMAIL_BRAND_NAME: envString(),
  EMAIL_SUPPORT_EMAIL: envString(),
  EMAIL_TIMEOUT_MS: envInt({ min: 100, max: 120000 }),
  EMAIL_MAX_ATTEMPTS: envInt({ min: 1, max: 100 }),
  EMAIL_RETRY_BASE_MS: envInt({ min: 10, max: 3600000 }),
  EMAIL_RETRY_MAX_MS: envInt({ min: 10, max: 24 * 3600000 }),
  EMAIL_POLL_INTERVAL_MS: envInt({ min: 10, max: 3600000 }),

  DEFAULT_LOCALE: locale,
  DEFAULT_TIMEZONE: timezone,

  RECONCILE_INTERVAL_MS: envInt({ min: 0, max: 24 * 3600000 }),
  RECONCILE_STOPPED_GRACE_MS: envInt({ min: 0, max: 7 * 24 * 3600000 }),
  RECONCILE_INITIATED_GRACE_MS: envInt({ min: 0, max: 24 * 3600000 }),
  WEBHOOK_RATE_LIMIT_PER_MINUTE: envInt({ min: 0, max: 1000000 }),
});

export type Env = z.output<typeof envSchema>;

/** The validated configuration, grouped by concern. */
export interface AppConfig {
  env: Env;
  devMode: boolean;
  port: number;
  host: string;
  logLevel: Env['LOG_LEVEL'];
  trustProxy: TrustProxy | undefined;
  database: { url: string | undefined; dataDir: string };
  auth: {
    secret: string | undefined;
    publicKey: string | undefined;
    issuer: string | undefined;
    audience: string | undefined;
  };
  livekit:
    | { url: string; apiKey: string; apiSecret: string }
    | undefined;
  jibri: {
    urls: string[];
    /** `jibri.id` of each instance, same order as urls (JIBRI_IDS); empty when not set. */
    ids: string[];
    jitsiBaseUrl: string | undefined;
    xmpp: { domain: string; username: string; password: string } | undefined;
    uploadToken: string | undefined;
    webhookToken: string | undefined;
    uploadUrlTtlSeconds: number;
  };
  workers: Record<string, WorkerKind>;
  workerTimeoutMs: number;
  encoding:
    | {
        width: number;
        height: number;
        framerate: number;
        videoBitrateKbps: number;
        audioBitrateKbps: number;
        keyFrameIntervalS: number;
      }
    | undefined;
  storage:
    | {
        endpointUrl: string;
        accessKeyId: string;
        secretAccessKey: string;
        region: string;
        bucket: string;
      }
    | undefined;
  storageTimeoutMs: number;
  recording: {
    outputFolder: string;
    storageEventEnable: boolean;
    storageEventAuth: boolean;
    storageEventToken: string | undefined;
    eventParser: 'minio' | 'aws';
    expirationDays: number | undefined;
    maxDurationMs: number | undefined;
    applyBucketLifecycle: boolean;
    downloadBaseUrl: string | undefined;
    mediaUrlPrefix: string;
    downloadLinkTtlSeconds: number;
    /** Signs download-link tokens; unset: derived from AUTH_JWT_SECRET, else generated and kept in the database. */
    downloadLinkSecret: string | undefined;
  };
  email: {
    url: string | undefined;
    host: string | undefined;
    port: number | undefined;
    user: string | undefined;
    password: string | undefined;
    useTls: boolean;
    useSsl: boolean;
    from: string;
    brandName: string;
    supportEmail: string | undefined;
    timeoutMs: number;
    maxAttempts: number;
    retryBaseMs: number;
    retryMaxMs: number;
    pollIntervalMs: number;
  };
  defaultLocale: string;
  defaultTimezone: string;
  reconcile: { intervalMs: number; stoppedGraceMs: number; initiatedGraceMs: number };
  webhookRateLimitPerMinute: number;
}

export class ConfigError extends Error {}

function requireTogether(env: Env, names: (keyof Env)[], group: string): boolean {
  const set = names.filter((n) => env[n] !== undefined);
  if (set.length === 0) return false;
  if (set.length < names.length) {
    const missing = names.filter((n) => env[n] === undefined);
    throw new ConfigError(`${String(missing[0])}: required when ${group} is configured (${String(set[0])} is set)`);
  }
  return true;
}

/** Parse and check the environment; throws ConfigError whose message is one line naming the variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`${issue.path.join('.')}: ${issue.message}`);
  }
  const env = parsed.data;

  if (env.AUTH_JWT_SECRET && env.AUTH_JWT_PUBLIC_KEY) {
    throw new ConfigError('AUTH_JWT_PUBLIC_KEY: set either AUTH_JWT_SECRET or AUTH_JWT_PUBLIC_KEY, not both');
  }
  if (env.AUTH_JWT_PUBLIC_KEY && !env.AUTH_JWT_PUBLIC_KEY.includes('BEGIN')) {
    throw new ConfigError('AUTH_JWT_PUBLIC_KEY: expected a PEM public key');
  }
  if (env.AUTH_JWT_SECRET && env.AUTH_JWT_SECRET.length < 16) {
    throw new ConfigError('AUTH_JWT_SECRET: must be at least 16 characters');
  }
  const devMode = !env.AUTH_JWT_SECRET && !env.AUTH_JWT_PUBLIC_KEY;

  const hasLivekit = requireTogether(env, ['LIVEKIT_API_URL', 'LIVEKIT_API_KEY', 'LIVEKIT_API_SECRET'], 'LiveKit');
  const hasStorage = requireTogether(
    env,
    ['AWS_S3_ENDPOINT_URL', 'AWS_S3_ACCESS_KEY_ID', 'AWS_S3_SECRET_ACCESS_KEY', 'AWS_STORAGE_BUCKET_NAME'],
    'storage',
  );
  const hasXmpp = requireTogether(
    env,
    ['JIBRI_XMPP_DOMAIN', 'JIBRI_XMPP_USERNAME', 'JIBRI_XMPP_PASSWORD'],
    'Jibri XMPP login',
  );
  if (env.RECORDING_STORAGE_EVENT_ENABLE && env.RECORDING_ENABLE_STORAGE_EVENT_AUTH && !env.RECORDING_STORAGE_EVENT_TOKEN && !devMode) {
    throw new ConfigError(
      'RECORDING_STORAGE_EVENT_TOKEN: required while RECORDING_ENABLE_STORAGE_EVENT_AUTH is on (or set it to false)',
    );
  }
  if (env.DOWNLOAD_LINK_SECRET !== undefined && env.DOWNLOAD_LINK_SECRET.length < 32) {
    throw new ConfigError('DOWNLOAD_LINK_SECRET: must be at least 32 characters (e.g. openssl rand -hex 32)');
  }
  if (env.RECORDING_APPLY_BUCKET_LIFECYCLE && !env.RECORDING_EXPIRATION_DAYS) {
    throw new ConfigError('RECORDING_EXPIRATION_DAYS: required when RECORDING_APPLY_BUCKET_LIFECYCLE is true');
  }
  const usesJibri = Object.values(env.RECORDING_WORKERS).includes('jibri');
  if (usesJibri && env.JIBRI_URLS.length > 0 && !env.JITSI_BASE_URL) {
    throw new ConfigError('JITSI_BASE_URL: required when RECORDING_WORKERS maps a mode to jibri');
  }

  // JIBRI_IDS names each JIBRI_URLS entry by its `jibri.id`, so status webhooks (which carry
  // only the id) can be matched to a pool instance.
  const jibriIds = (env.JIBRI_IDS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (jibriIds.length > 0 && jibriIds.length !== env.JIBRI_URLS.length) {
    throw new ConfigError('JIBRI_IDS: expected one id per JIBRI_URLS entry, in the same order');
  }
  if (new Set(jibriIds).size !== jibriIds.length) {
    throw new ConfigError('JIBRI_IDS: ids must be unique');
  }

  const encodingNames = [
    'RECORDING_ENCODING_WIDTH',
    'RECORDING_ENCODING_HEIGHT',
    'RECORDING_ENCODING_FRAMERATE',
    'RECORDING_ENCODING_VIDEO_BITRATE_KBPS',
    'RECORDING_ENCODING_AUDIO_BITRATE_KBPS',
    'RECORDING_ENCODING_KEY_FRAME_INTERVAL_S',
  ] as const;

  return {
    env,
    devMode,
    port: env.PORT ?? 8080,
    host: env.HOST ?? '0.0.0.0',
    logLevel: env.LOG_LEVEL,
    trustProxy: env.TRUST_PROXY,
    database: { url: env.DATABASE_URL, dataDir: env.DATA_DIR ?? './data' },
    auth: {
      secret: env.AUTH_JWT_SECRET,
      publicKey: env.AUTH_JWT_PUBLIC_KEY?.replace(/\\n/g, '\n'),
      issuer: env.AUTH_JWT_ISSUER,
      audience: env.AUTH_JWT_AUDIENCE,
    },
    livekit: hasLivekit
      ? { url: env.LIVEKIT_API_URL!, apiKey: env.LIVEKIT_API_KEY!, apiSecret: env.LIVEKIT_API_SECRET! }
      : undefined,
    jibri: {
      urls: env.JIBRI_URLS,
      ids: jibriIds,
      jitsiBaseUrl: env.JITSI_BASE_URL,
      xmpp: hasXmpp
        ? { domain: env.JIBRI_XMPP_DOMAIN!, username: env.JIBRI_XMPP_USERNAME!, password: env.JIBRI_XMPP_PASSWORD! }
        : undefined,
      uploadToken: env.JIBRI_UPLOAD_TOKEN,
      webhookToken: env.JIBRI_WEBHOOK_TOKEN,
      uploadUrlTtlSeconds: env.JIBRI_UPLOAD_URL_TTL_SECONDS ?? 3600,
    },
    workers: env.RECORDING_WORKERS,
    workerTimeoutMs: env.WORKER_TIMEOUT_MS ?? 10000,
    encoding: env.RECORDING_ENCODING_ENABLED
      ? (() => {
          const missing = encodingNames.find((n) => env[n] === undefined);
          if (missing) throw new ConfigError(`${missing}: required when RECORDING_ENCODING_ENABLED is true`);
          return {
            width: env.RECORDING_ENCODING_WIDTH!,
            height: env.RECORDING_ENCODING_HEIGHT!,
            framerate: env.RECORDING_ENCODING_FRAMERATE!,
            videoBitrateKbps: env.RECORDING_ENCODING_VIDEO_BITRATE_KBPS!,
            audioBitrateKbps: env.RECORDING_ENCODING_AUDIO_BITRATE_KBPS!,
            keyFrameIntervalS: env.RECORDING_ENCODING_KEY_FRAME_INTERVAL_S!,
          };
        })()
      : undefined,
    storage: hasStorage
      ? {
          endpointUrl: env.AWS_S3_ENDPOINT_URL!,
          accessKeyId: env.AWS_S3_ACCESS_KEY_ID!,
          secretAccessKey: env.AWS_S3_SECRET_ACCESS_KEY!,
          region: env.AWS_S3_REGION_NAME ?? 'us-east-1',
          bucket: env.AWS_STORAGE_BUCKET_NAME!,
        }
      : undefined,
    storageTimeoutMs: env.STORAGE_TIMEOUT_MS ?? 10000,
    recording: {
      outputFolder: env.RECORDING_OUTPUT_FOLDER,
      storageEventEnable: env.RECORDING_STORAGE_EVENT_ENABLE,
      storageEventAuth: env.RECORDING_ENABLE_STORAGE_EVENT_AUTH,
      storageEventToken: env.RECORDING_STORAGE_EVENT_TOKEN,
      eventParser: env.RECORDING_EVENT_PARSER,
      expirationDays: env.RECORDING_EXPIRATION_DAYS,
      maxDurationMs: env.RECORDING_MAX_DURATION,
      applyBucketLifecycle: env.RECORDING_APPLY_BUCKET_LIFECYCLE,
      downloadBaseUrl: env.RECORDING_DOWNLOAD_BASE_URL,
      mediaUrlPrefix: env.MEDIA_URL_PREFIX,
      downloadLinkTtlSeconds: env.DOWNLOAD_LINK_TTL_SECONDS ?? 600,
      downloadLinkSecret: env.DOWNLOAD_LINK_SECRET,
    },
    email: {
      url: env.EMAIL_URL,
      host: env.EMAIL_HOST,
      port: env.EMAIL_PORT,
      user: env.EMAIL_HOST_USER,
      password: env.EMAIL_HOST_PASSWORD,
      useTls: env.EMAIL_USE_TLS,
      useSsl: env.EMAIL_USE_SSL,
      from: env.EMAIL_FROM ?? 'recordings@localhost',
      brandName: env.EMAIL_BRAND_NAME ?? 'Recordings',
      supportEmail: env.EMAIL_SUPPORT_EMAIL,
      timeoutMs: env.EMAIL_TIMEOUT_MS ?? 15000,
      maxAttempts: env.EMAIL_MAX_ATTEMPTS ?? 10,
      retryBaseMs: env.EMAIL_RETRY_BASE_MS ?? 5000,
      retryMaxMs: env.EMAIL_RETRY_MAX_MS ?? 3600000,
      pollIntervalMs: env.EMAIL_POLL_INTERVAL_MS ?? 2000,
    },
    defaultLocale: env.DEFAULT_LOCALE,
    defaultTimezone: env.DEFAULT_TIMEZONE,
    reconcile: {
      intervalMs: env.RECONCILE_INTERVAL_MS ?? 60000,
      stoppedGraceMs: env.RECONCILE_STOPPED_GRACE_MS ?? 10 * 60000,
      initiatedGraceMs: env.RECONCILE_INITIATED_GRACE_MS ?? 60000,
    },
    webhookRateLimitPerMinute: env.WEBHOOK_RATE_LIMIT_PER_MINUTE ?? 1200,
  };
}
