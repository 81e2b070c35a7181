import { concern } from './concern';
import { envInt, envString, envUrl, issue } from './env-parsers';

/** How recordings are reached: nginx's media prefix, download links and the link in emails. */
export const downloadsConcern = concern(
  {
    MEDIA_URL_PREFIX: envString(),
    DOWNLOAD_LINK_TTL_SECONDS: envInt({ min: 10, max: 7 * 24 * 3600 }),
    DOWNLOAD_LINK_SECRET: envString(),
    ARCHIVE_LINK_TTL_SECONDS: envInt({ min: 10, max: 24 * 3600 }),
    // Capped at 1 s: a deletion or a revoked share link must be refused within a second on every instance.
    MEDIA_AUTH_CACHE_MS: envInt({ min: 0, max: 1000 }),
    MEDIA_AUTH_SECRET: envString(),
    RECORDING_DOWNLOAD_BASE_URL: envUrl(),
    // Read here for the default of RECORDING_DOWNLOAD_BASE_URL.
    PUBLIC_URL: envUrl(),
    PORT: envString(),
  },
  (env, ctx) => {
    const mediaUrlPrefix = env.MEDIA_URL_PREFIX ?? '/media/';
    if (!/^\/([A-Za-z0-9_-]+\/)*$/.test(mediaUrlPrefix)) {
      issue(ctx, 'MEDIA_URL_PREFIX', 'expected a path starting and ending with "/", e.g. /media/');
    }
    if (env.DOWNLOAD_LINK_SECRET !== undefined && env.DOWNLOAD_LINK_SECRET.length < 32) {
      issue(ctx, 'DOWNLOAD_LINK_SECRET', 'must be at least 32 characters (e.g. openssl rand -hex 32)');
    }
    // nginx writes it into a quoted header value: letters, digits, `-` and `_` only.
    if (env.MEDIA_AUTH_SECRET !== undefined && !/^[A-Za-z0-9_-]{32,}$/.test(env.MEDIA_AUTH_SECRET)) {
      issue(ctx, 'MEDIA_AUTH_SECRET', 'must be at least 32 letters, digits, "-" or "_" (e.g. openssl rand -hex 32)');
    }
    const publicUrl = env.PUBLIC_URL ?? `http://localhost:${env.PORT ?? 8080}`;
    return {
      mediaUrlPrefix,
      linkTtlSeconds: env.DOWNLOAD_LINK_TTL_SECONDS ?? 600,
      /** Lifetime of an archive-link token (a ZIP of several recordings); the download must begin within it. */
      archiveLinkTtlSeconds: env.ARCHIVE_LINK_TTL_SECONDS ?? 300,
      /** Signs download-link tokens; unset: derived from AUTH_JWT_SECRET, else generated and kept in the database. */
      linkSecret: env.DOWNLOAD_LINK_SECRET,
      /** How long media-auth reuses one access row (src/downloads/media-access-cache.ts); 0: never. */
      mediaAuthCacheMs: env.MEDIA_AUTH_CACHE_MS ?? 500,
      /** nginx sends it as X-Media-Auth-Secret; set, media-auth refuses (403) any call without it. */
      mediaAuthSecret: env.MEDIA_AUTH_SECRET,
      /** The link in emails is `{baseUrl}/{recording id}`. */
      baseUrl: env.RECORDING_DOWNLOAD_BASE_URL ?? `${publicUrl}/recordings`,
      /** RECORDING_DOWNLOAD_BASE_URL was set: its origin is where nginx serves media too. */
      baseUrlSet: env.RECORDING_DOWNLOAD_BASE_URL !== undefined,
    };
  },
);
