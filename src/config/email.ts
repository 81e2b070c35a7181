import { concern } from './concern';
import { envBool, envInt, envLocale, envString, envZone, issue } from './env-parsers';
import { isProblem, targetFromSettings, targetFromUrl, type SmtpTarget } from './smtp-target';

/** Notification emails: the SMTP server, the sender, retries, and the defaults for users without locale or zone. */
export const emailConcern = concern(
  {
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
    DEFAULT_LOCALE: envLocale('en'),
    DEFAULT_TIMEZONE: envZone('UTC'),
  },
  (env, ctx) => {
    // EMAIL_URL wins over EMAIL_HOST & co.
    const target = env.EMAIL_URL
      ? targetFromUrl(env.EMAIL_URL)
      : targetFromSettings({
          host: env.EMAIL_HOST,
          port: env.EMAIL_PORT,
          user: env.EMAIL_HOST_USER,
          password: env.EMAIL_HOST_PASSWORD,
          useTls: env.EMAIL_USE_TLS,
          useSsl: env.EMAIL_USE_SSL,
        });
    let smtp: SmtpTarget | null = null;
    if (isProblem(target)) issue(ctx, target.variable, target.message);
    else smtp = target;
    return {
      /** Null: SMTP is not configured, emails stay queued. */
      smtp,
      from: env.EMAIL_FROM ?? 'recordings@localhost',
      brandName: env.EMAIL_BRAND_NAME ?? 'Recordings',
      supportEmail: env.EMAIL_SUPPORT_EMAIL,
      timeoutMs: env.EMAIL_TIMEOUT_MS ?? 15000,
      maxAttempts: env.EMAIL_MAX_ATTEMPTS ?? 10,
      retryBaseMs: env.EMAIL_RETRY_BASE_MS ?? 5000,
      retryMaxMs: env.EMAIL_RETRY_MAX_MS ?? 3600000,
      defaultLocale: env.DEFAULT_LOCALE,
      defaultTimezone: env.DEFAULT_TIMEZONE,
    };
  },
);
