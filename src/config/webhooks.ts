import { z } from 'zod';
import { EVENT_TYPES, type EventType } from '../events/event-types';
import { concern } from './concern';
import { envInt, envList, envString, issue } from './env-parsers';
import { isLoopbackHost } from './pages';

/** `whsec_` + base64 of at least 24 bytes (the Standard Webhooks secret format). */
const SECRET_RE = /^whsec_([A-Za-z0-9+/]+={0,2})$/;
const MIN_SECRET_BYTES = 24;

/** Endpoint URLs: http(s), no credentials in them, no fragment; kept exactly as written. */
function parseEndpoint(raw: string): string | null {
  try {
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    if (url.username || url.password || url.hash) return null;
    return url.toString();
  } catch {
    return null;
  }
}

/**
 * The hosts (`host[:port]`, never a path or query) of the plain-http endpoints that are not on
 * loopback: recording.ready's pre-signed media URLs would cross the network in cleartext.
 */
export function cleartextWebhookHosts(endpoints: readonly string[]): string[] {
  const hosts = endpoints.map((raw) => new URL(raw)).filter((url) => url.protocol === 'http:' && !isLoopbackHost(url.hostname));
  return [...new Set(hosts.map((url) => url.host))];
}

/** Events to the host application: where they go, how they are signed and retried. */
export const webhooksConcern = concern(
  {
    WEBHOOK_URLS: z.string().optional(),
    WEBHOOK_SECRET: envString(),
    WEBHOOK_EVENTS: envList(),
    WEBHOOK_MAX_ATTEMPTS: envInt({ min: 1, max: 100 }),
    WEBHOOK_TIMEOUT_MS: envInt({ min: 100, max: 120000 }),
    WEBHOOK_RETRY_BASE_MS: envInt({ min: 10, max: 3600000 }),
    WEBHOOK_MEDIA_URL_TTL_SECONDS: envInt({ min: 60, max: 604800 }),
  },
  (env, ctx) => {
    const endpoints: string[] = [];
    for (const raw of (env.WEBHOOK_URLS ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
      const url = parseEndpoint(raw);
      if (!url) {
        issue(ctx, 'WEBHOOK_URLS', 'each endpoint must be an http(s) URL without credentials or fragment');
        return z.NEVER;
      }
      if (!endpoints.includes(url)) endpoints.push(url);
    }
    const unknown = env.WEBHOOK_EVENTS.filter((t) => !(EVENT_TYPES as readonly string[]).includes(t));
    if (unknown.length > 0) {
      issue(ctx, 'WEBHOOK_EVENTS', `unknown event type "${unknown[0]}" (known: ${EVENT_TYPES.join(', ')})`);
      return z.NEVER;
    }
    if (endpoints.length > 0 && !env.WEBHOOK_SECRET) {
      issue(ctx, 'WEBHOOK_SECRET', 'required when WEBHOOK_URLS is set (whsec_ + base64 of at least 24 random bytes)');
      return z.NEVER;
    }
    if (env.WEBHOOK_SECRET !== undefined) {
      const match = SECRET_RE.exec(env.WEBHOOK_SECRET);
      const bytes = match ? Buffer.from(match[1]!, 'base64') : null;
      if (!bytes || bytes.length < MIN_SECRET_BYTES || bytes.toString('base64').replace(/=+$/, '') !== match![1]!.replace(/=+$/, '')) {
        issue(ctx, 'WEBHOOK_SECRET', 'expected whsec_ followed by the base64 of at least 24 random bytes');
        return z.NEVER;
      }
    }
    const events: EventType[] = env.WEBHOOK_EVENTS.length > 0 ? (env.WEBHOOK_EVENTS as EventType[]) : [...EVENT_TYPES];
    return {
      /** Empty: no events are queued at all. */
      endpoints,
      secret: env.WEBHOOK_SECRET,
      events,
      maxAttempts: env.WEBHOOK_MAX_ATTEMPTS ?? 10,
      timeoutMs: env.WEBHOOK_TIMEOUT_MS ?? 10_000,
      retryBaseMs: env.WEBHOOK_RETRY_BASE_MS ?? 5_000,
      mediaUrlTtlSeconds: env.WEBHOOK_MEDIA_URL_TTL_SECONDS ?? 3600,
    };
  },
);
