import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import jwt from 'jsonwebtoken';
import type { AppConfig } from './config';
import { cleartextWebhookHosts } from './webhooks';

export const DEV_ROOM = 'demo-room';
/** The printed owner's address: development mode's captured email (/dev/mail) receives it. */
export const DEV_OWNER_EMAIL = 'dev-owner@example.com';

/** The development JWT secret, kept under the data dir so printed tokens survive restarts. */
export function devSecret(dataDir: string): string {
  const file = path.resolve(dataDir, 'dev-jwt-secret');
  if (existsSync(file)) {
    const value = readFileSync(file, 'utf8').trim();
    if (value.length >= 32) return value;
  }
  mkdirSync(path.dirname(file), { recursive: true });
  const value = randomBytes(32).toString('hex');
  writeFileSync(file, value, { mode: 0o600 });
  return value;
}

export function devOwnerToken(secret: string): string {
  return jwt.sign(
    { sub: 'dev-owner', name: 'Dev Owner', email: DEV_OWNER_EMAIL, locale: 'en', zoneinfo: 'UTC', rooms: { [DEV_ROOM]: 'owner' } },
    secret,
    { algorithm: 'HS256', expiresIn: '30d' },
  );
}

function isLocalhost(url: string): boolean {
  const host = new URL(url).hostname.toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || host === '[::1]' || /^127\./.test(host) || host === '0.0.0.0';
}

/** Lines printed at start-up: what is not configured and what that means; in dev mode, a token and a curl. */
export function startupNotes(config: AppConfig, baseUrl: string, token: string | undefined): string[] {
  const lines: string[] = [];
  if (!config.server.databaseUrl) lines.push(`database: the embedded PostgreSQL under ${config.server.dataDir} (DATABASE_URL unset or embedded)`);
  const usesLivekit = Object.values(config.workers.modes).some((kind) => kind.startsWith('livekit'));
  if (!config.livekit) lines.push(usesLivekit ? 'livekit: LIVEKIT_API_URL/KEY/SECRET unset: LiveKit recordings fail with 502 and LiveKit webhooks are refused' : 'livekit: LIVEKIT_API_URL/KEY/SECRET unset: LiveKit webhooks are refused (no mode is recorded by LiveKit)');
  if (config.jibri.urls.length === 0) lines.push('jibri: JIBRI_URLS unset: modes mapped to jibri fail with 502');
  if (!config.storage) lines.push('storage: AWS_S3_* unset: workers have nowhere to upload, downloads and deletion of files are unavailable');
  if (!config.email.smtp) lines.push('smtp: EMAIL_URL/EMAIL_HOST unset: notification emails stay queued until SMTP is configured');
  if (config.storageEvents.auth && !config.storageEvents.token)
    lines.push('storage events: RECORDING_STORAGE_EVENT_TOKEN unset: the storage hook refuses every event (401)');
  const cleartext = cleartextWebhookHosts(config.webhooks.endpoints);
  if (cleartext.length > 0) {
    lines.push(
      `webhooks: WEBHOOK_URLS sends events over plain http to ${cleartext.join(', ')}: the pre-signed media URLs of recording.ready travel in cleartext; use https`,
    );
  }
  if (!config.auth.devMode) {
    // Links in emails and share links are built from these: on localhost they reach nobody else.
    if (isLocalhost(config.server.publicUrl)) lines.push(`public URL: PUBLIC_URL is ${config.server.publicUrl}: links the service hands out point at this machine; set it to the address browsers use`);
    if (isLocalhost(config.downloads.baseUrl)) lines.push(`download links: RECORDING_DOWNLOAD_BASE_URL is ${config.downloads.baseUrl}: the link in emails points at this machine`);
  }
  if (token) {
    lines.push('development mode: no AUTH_JWT_SECRET/AUTH_JWT_PUBLIC_KEY, user tokens are signed with a generated secret');
    lines.push(`owner token for room "${DEV_ROOM}" (valid 30 days): ${token}`);
    lines.push('start a recording:');
    lines.push(
      `  curl -i -X POST ${baseUrl}/api/v1.0/rooms/${DEV_ROOM}/start-recording/ -H "Authorization: Bearer ${token}" -H "Content-Type: application/json" -d '{"mode": "screen_recording"}'`,
    );
    lines.push('stop it:');
    lines.push(`  curl -i -X POST ${baseUrl}/api/v1.0/rooms/${DEV_ROOM}/stop-recording/ -H "Authorization: Bearer ${token}"`);
  }
  return lines;
}
