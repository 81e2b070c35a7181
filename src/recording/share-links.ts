import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { AuthUser } from '../auth/user';
import { isUuid } from '../util/uuid';
import { badRequest, conflict, forbidden, notFound } from './errors';
import { expiredAt, isExpired } from './expiry';
import type { Recording } from './recording';
import type { RecordingService } from './recording-service';
import { isShareTokenShape, newShareToken, shareTokenHash } from './share-token';
import { DOWNLOADABLE_STATUSES } from './status';
import type { RecordingStore } from './store/recording-store';
import type { ShareLink, ShareLinkStore } from './store/share-link-store';

const DAY_MS = 24 * 3600 * 1000;

/** Body of POST /recordings/{id}/share-links/ (its upper bound, SHARE_LINK_MAX_DAYS, is checked by the service). */
export const createShareLinkBody = z.object({ expires_in_days: z.int().min(1).optional() }).strict();

export interface ShareLinkSettings {
  defaultDays: number;
  maxDays: number;
  /** SHARE_LINK_MAX_PER_RECORDING: active (unrevoked, unexpired) links one recording may have. */
  maxPerRecording: number;
  /** RECORDING_EXPIRATION_DAYS: a link never outlives its recording. */
  expirationDays: number | undefined;
  /** PUBLIC_URL: share links are `{publicUrl}/recordings/{id}?share={token}`. */
  publicUrl: string;
}

/** The answer to a creation: the only time the token (inside `url`) is ever shown. */
export interface CreatedShareLink {
  link: ShareLink;
  url: string;
}

/** What a share token opens on the page: the recording, or why not (no room name in any refusal). */
export type ShareResolution =
  | { result: 'ok'; recording: Recording; link: ShareLink }
  | { result: 'unknown' }
  | { result: 'inactive' }
  | { result: 'unavailable' };

/**
 * Share links: owners and administrators make, list and revoke them; anyone holding one may
 * watch and download that recording's files until it expires or is revoked (media-auth checks
 * it on every request, src/downloads/media-authorizer.ts).
 */
export class ShareLinkService {
  constructor(
    private readonly recordings: RecordingService,
    private readonly store: RecordingStore,
    private readonly links: ShareLinkStore,
    private readonly settings: ShareLinkSettings,
  ) {}

  async create(user: AuthUser, recordingId: string, body: unknown, now = new Date()): Promise<CreatedShareLink> {
    const { recording } = await this.recordings.get(user, recordingId);
    const parsed = createShareLinkBody.safeParse(body ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? issue.path.map(String).join('.') : 'body';
      throw badRequest(`Invalid request body: ${where}: ${issue?.message ?? 'invalid'}.`);
    }
    const days = parsed.data.expires_in_days ?? this.settings.defaultDays;
    if (days > this.settings.maxDays) {
      throw badRequest(`Invalid request body: expires_in_days: at most ${this.settings.maxDays} days (SHARE_LINK_MAX_DAYS).`);
    }
    if (!DOWNLOADABLE_STATUSES.includes(recording.status)) {
      throw forbidden(`The recording cannot be shared: its status is "${recording.status}" (it must be saved).`);
    }
    if (isExpired(recording, this.settings.expirationDays, now)) throw forbidden('The recording has expired and can no longer be shared.');

    let expiresAt = new Date(now.getTime() + days * DAY_MS);
    const recordingExpiry = expiredAt(recording, this.settings.expirationDays);
    if (recordingExpiry && recordingExpiry < expiresAt) expiresAt = recordingExpiry;

    const token = newShareToken();
    const link = await this.links.insertUnderCap(
      { id: randomUUID(), recordingId: recording.id, tokenHash: shareTokenHash(token), createdBy: user.sub, expiresAt },
      this.settings.maxPerRecording,
    );
    if (!link) {
      throw conflict(
        `The recording already has ${this.settings.maxPerRecording} active share links (SHARE_LINK_MAX_PER_RECORDING); revoke one before creating another.`,
      );
    }
    return { link, url: shareUrl(this.settings.publicUrl, recording.id, token) };
  }

  async list(user: AuthUser, recordingId: string): Promise<ShareLink[]> {
    const { recording } = await this.recordings.get(user, recordingId);
    return this.links.listForRecording(recording.id);
  }

  /** Revokes one of the recording's links; 404 for a link of another recording. Revoking twice is fine. */
  async revoke(user: AuthUser, recordingId: string, linkId: string): Promise<void> {
    const { recording } = await this.recordings.get(user, recordingId);
    if (!isUuid(linkId)) throw notFound();
    if (!(await this.links.revoke(recording.id, linkId))) throw notFound();
  }

  /** For the page: what `?share=` opens. Checked afresh on every request, like media-auth does. */
  async resolve(recordingId: string, token: string, now = new Date()): Promise<ShareResolution> {
    if (!isUuid(recordingId) || !isShareTokenShape(token)) return { result: 'unknown' };
    const link = await this.links.findByToken(recordingId, shareTokenHash(token));
    if (!link) return { result: 'unknown' };
    if (!link.isActive) return { result: 'inactive' };
    const recording = await this.store.findById(recordingId);
    if (!recording) return { result: 'unknown' };
    if (!DOWNLOADABLE_STATUSES.includes(recording.status) || isExpired(recording, this.settings.expirationDays, now)) {
      return { result: 'unavailable' };
    }
    return { result: 'ok', recording, link };
  }
}

export function shareUrl(publicUrl: string, recordingId: string, token: string): string {
  return `${publicUrl}/recordings/${recordingId}?share=${token}`;
}

export function isActiveLink(link: ShareLink, now = new Date()): boolean {
  return link.revokedAt === null && link.expiresAt.getTime() > now.getTime();
}
