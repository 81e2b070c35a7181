import { z } from 'zod';

/** DATABASE_URL's value that asks for the embedded database on purpose (required in production). */
export const EMBEDDED_DATABASE = 'embedded';

/**
 * DATABASE_URL: `embedded`, or a postgres:// or postgresql:// URL with a host. An error never
 * repeats the value, which carries the database password.
 */
export const envDatabaseUrl = () =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === '') return undefined;
      const raw = value.trim();
      if (raw === EMBEDDED_DATABASE) return EMBEDDED_DATABASE;
      let url: URL | undefined;
      try {
        url = new URL(raw);
      } catch {
        url = undefined;
      }
      if (url && (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.hostname !== '') return raw;
      ctx.addIssue({ code: 'custom', message: 'cannot be parsed: expected postgres://user:password@host:port/database (special characters in the password percent-encoded)' });
      return z.NEVER;
    });
