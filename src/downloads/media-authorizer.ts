import { bearerToken, type TokenVerifier } from '../auth/token-verifier';
import type { AppConfig } from '../config/config';
import type { SqlRunner } from '../db/sql';
import { shareTokenHash } from '../recording/share-token';
import type { AccessChanges } from '../recording/store/access-changes';
import { isUuid } from '../util/uuid';
import { withTimeout } from '../util/with-timeout';
import type { DownloadSecret } from './download-secret';
import { verifyDownloadToken, verifyShareMediaToken } from './download-token';
import { downloadFileName } from './download-name';
import { findMediaAccess, type MediaAccess, type ShareLinkRef } from './media-access';
import { MediaAccessCache } from './media-access-cache';
import { parseMediaPath, readDownloadTokenParam, readShareTokenParam, type MediaPath } from './media-path';
import { S3GetSigner } from './s3-request-signer';
import { fileRefusal } from './servable-file';

/** Why media-auth answered as it did (the `reason` label of recorder_media_auth_decisions_total). */
export type MediaAuthReason =
  | 'granted'
  | 'not_from_proxy'
  | 'no_credentials'
  | 'bad_path'
  | 'bad_credentials'
  | 'unknown_recording'
  | 'no_right'
  | 'not_saved'
  | 'wrong_extension'
  | 'unknown_file'
  | 'expired'
  | 'storage_not_configured'
  | 'error';

/** The five headers nginx forwards to the storage (see nginx/recordings.conf). */
export interface S3ForwardHeaders {
  Authorization: string;
  'X-Amz-Date': string;
  'X-Amz-Content-SHA256': string;
  'X-S3-Host': string;
  'X-S3-Path': string;
}

export type MediaAuthDecision =
  | {
      status: 200;
      reason: 'granted';
      recordingId: string;
      via: 'bearer' | 'link' | 'share' | 'session' | 'member';
      headers: S3ForwardHeaders;
      /** False for a room member who may only watch: the file is not offered as a download. */
      attachment: boolean;
      /** A readable name for the saved file (nginx puts it in Content-Disposition). */
      downloadName: string;
    }
  | { status: 401 | 403; reason: MediaAuthReason; recordingId?: string; error?: string };

export interface MediaAuthRequest {
  /** `X-Original-URL` as nginx sends it (`$request_uri`, raw). */
  originalUrl: string | undefined;
  /** The client's `Authorization` header, if any. */
  authorization: string | undefined;
  /** The client's `Cookie` header, if any (a recording-page sign-in session). */
  cookie?: string | undefined;
}

/** Who a recording-page session cookie speaks for (src/auth/page-session.ts); absent without OIDC. */
export interface SessionSubReader {
  subFromCookie(cookieHeader: string | undefined): Promise<string | null>;
}

export interface MediaAuthorizerOptions {
  config: Pick<AppConfig, 'downloads' | 'recording' | 'storage' | 'email'>;
  /** Where the access rows are read (see media-access.ts). */
  sql: SqlRunner;
  /** The recording store's: a change to who may have a recording's files empties its cache entries. */
  accessChanges: AccessChanges;
  verifier: TokenVerifier;
  secret: DownloadSecret;
  /** Absent without OIDC sign-in. */
  sessions?: SessionSubReader;
}

const DB_TIMEOUT_MS = 3000;
/**
 * Bound of the access cache. An entry is a key of at most ~1 KB (two subs of ≤ 255 characters,
 * ids and a hash) and a row of a few hundred bytes: 10,000 of them stay around 10 MB at worst.
 */
export const MEDIA_ACCESS_CACHE_MAX_ENTRIES = 10_000;

/** An access row as media-auth uses it, with the file's download name worked out once. */
interface CachedAccess {
  row: MediaAccess | null;
  downloadName: string;
}

/** `token` or `share` appears in the query string at all, well-formed or not: the caller did present credentials. */
function mentionsTokenParam(originalUrl: string): boolean {
  const q = originalUrl.indexOf('?');
  return q >= 0 && /(?:^|&)(?:token|share)(?:=|&|$)/.test(originalUrl.slice(q + 1));
}

function refuse(reason: MediaAuthReason, recordingId?: string): MediaAuthDecision {
  return { status: reason === 'no_credentials' ? 401 : 403, reason, recordingId };
}

/**
 * The download rules (docs/api.md, Downloads: media-auth for nginx), independent of HTTP. `decide` never throws:
 * whatever goes wrong (bad input, database down, signer failure) is a 403.
 */
export class MediaAuthorizer {
  private readonly media: { mediaUrlPrefix: string; outputFolder: string };
  /** Access rows by (recording, file, callers), for MEDIA_AUTH_CACHE_MS; see media-access-cache.ts. */
  private readonly cache: MediaAccessCache<CachedAccess>;
  /** Made on first use: a storage endpoint it cannot sign for refuses with 403 ('error'), as before. */
  private signer: S3GetSigner | undefined;

  private readonly config: MediaAuthorizerOptions['config'];
  private readonly sql: SqlRunner;
  private readonly verifier: TokenVerifier;
  private readonly secret: DownloadSecret;
  private readonly sessions: SessionSubReader | undefined;

  constructor(options: MediaAuthorizerOptions) {
    const { config } = options;
    this.config = config;
    this.sql = options.sql;
    this.verifier = options.verifier;
    this.secret = options.secret;
    this.sessions = options.sessions;
    this.media = { mediaUrlPrefix: config.downloads.mediaUrlPrefix, outputFolder: config.recording.outputFolder };
    this.cache = new MediaAccessCache({ ttlMs: config.downloads.mediaAuthCacheMs, maxEntries: MEDIA_ACCESS_CACHE_MAX_ENTRIES });
    options.accessChanges.subscribe((recordingId) => this.cache.forget(recordingId));
  }

  /** Forgets every remembered access row: the next request of each file asks the database. */
  forgetAll(): void {
    this.cache.clear();
  }

  /** The access row for this file and these callers, from the cache or from one query. */
  private access(media: MediaPath, subs: string[], share: ShareLinkRef | null): Promise<CachedAccess> {
    // JSON: no sub (any string) can make two different caller lists look alike.
    const shareKey = share === null ? null : 'tokenHash' in share ? `hash:${share.tokenHash.toString('base64')}` : `id:${share.linkId}`;
    const key = JSON.stringify([media.recordingId, media.extension, media.trackId, shareKey, subs]);
    return this.cache.get(key, media.recordingId, async () => {
      const row = await withTimeout(findMediaAccess(this.sql, media.recordingId, subs, share, media.trackId), DB_TIMEOUT_MS, 'media-auth query');
      const downloadName = row ? downloadFileName(row.room, row.createdAt, media.extension, this.config.email.defaultTimezone) : '';
      return { row, downloadName };
    });
  }

  /** The bearer's token has a role in the room (its `rooms` claim): only asked for a recording that is not theirs. */
  private bearerIsMemberOf(jwt: string, room: string): boolean {
    const checked = this.verifier.verify(jwt);
    return checked.ok && Object.prototype.hasOwnProperty.call(checked.user.rooms, room);
  }

  async decide(request: MediaAuthRequest): Promise<MediaAuthDecision> {
    try {
      return await this.evaluate(request);
    } catch (err) {
      return { status: 403, reason: 'error', error: err instanceof Error ? `${err.name}: ${err.message}` : 'unknown error' };
    }
  }

  private async evaluate({ originalUrl, authorization, cookie }: MediaAuthRequest): Promise<MediaAuthDecision> {
    const url = typeof originalUrl === 'string' ? originalUrl : '';
    const hasHeader = typeof authorization === 'string' && authorization.trim() !== '';
    // A sign-in session cookie names a server-side session (one indexed read).
    const sessionSub = this.sessions && typeof cookie === 'string' ? await this.sessions.subFromCookie(cookie) : null;
    if (!hasHeader && !sessionSub && !mentionsTokenParam(url)) return refuse('no_credentials');

    const media = parseMediaPath(url, this.media);
    if (!media) return refuse('bad_path');

    // Everyone the request speaks for: the bearer's user and/or the user a link was issued to.
    const subs: string[] = [];
    let via: 'bearer' | 'link' | 'share' | 'session' | 'member' = 'bearer';
    // Rooms the request shows the caller a member of: a member's download token names its room.
    let memberRoom: string | null = null;
    const jwt = hasHeader ? bearerToken(authorization) : null;
    if (jwt) {
      const sub = this.verifier.subject(jwt);
      if (sub !== null) subs.push(sub);
    }
    // `token` is a download link (a user's) or a share-media token (a share link's, by id).
    let share: ShareLinkRef | null = null;
    const linkToken = readDownloadTokenParam(url);
    if (linkToken) {
      const secret = this.secret.current ?? (await this.secret.get());
      const link = verifyDownloadToken(linkToken, { secret, key: media.key });
      if (link && link.recordingId === media.recordingId) {
        if (subs.length === 0) via = 'link';
        if (!subs.includes(link.userSub)) subs.push(link.userSub);
        memberRoom = link.memberRoom;
      } else if (!link) {
        const shared = verifyShareMediaToken(linkToken, { secret, key: media.key });
        if (shared && shared.recordingId === media.recordingId && isUuid(shared.shareLinkId)) share = { linkId: shared.shareLinkId };
      }
    }
    if (sessionSub) {
      if (subs.length === 0) via = 'session';
      if (!subs.includes(sessionSub)) subs.push(sessionSub);
    }
    // `?share=` (the share link's own token) is still accepted; the page no longer puts it in media URLs.
    const shareToken = share ? null : readShareTokenParam(url);
    if (shareToken) share = { tokenHash: shareTokenHash(shareToken) };
    if (subs.length === 0 && !share) return refuse('bad_credentials', media.recordingId);

    // Checked on every request, in one query (reused for at most MEDIA_AUTH_CACHE_MS): a
    // download link dies with its recording, its expiry or its owner's access, a share link
    // (by token or through a share-media token) also when it is revoked or expires. The
    // expiry itself is judged now, from the row.
    const { row, downloadName } = await this.access(media, subs, share);
    if (!row) return refuse('unknown_recording', media.recordingId);
    let member = false;
    if (!row.allowed && !row.shared) {
      // A member of the recording's room, while the room lets its members watch (row.members is
      // read with the row, so a change is seen within MEDIA_AUTH_CACHE_MS).
      member = row.members !== 'none' && (memberRoom === row.room || (jwt !== null && this.bearerIsMemberOf(jwt, row.room)));
      if (!member) return refuse('no_right', media.recordingId);
      via = 'member';
    } else if (!row.allowed) via = 'share';
    const refusal = fileRefusal(row, media, this.config.recording.expirationDays);
    if (refusal) return refuse(refusal, media.recordingId);

    const storage = this.config.storage;
    if (!storage) return refuse('storage_not_configured', media.recordingId);
    this.signer ??= new S3GetSigner(storage);
    const signed = this.signer.sign(media.key);
    return {
      status: 200,
      reason: 'granted',
      recordingId: media.recordingId,
      via,
      downloadName,
      attachment: !(member && row.members === 'view'),
      headers: {
        Authorization: signed.authorization,
        'X-Amz-Date': signed.amzDate,
        'X-Amz-Content-SHA256': signed.contentSha256,
        'X-S3-Host': signed.host,
        'X-S3-Path': signed.path,
      },
    };
  }
}
