import type { AuthUser } from '../auth/user';
import { signDownloadToken, signShareMediaToken } from '../downloads/download-token';
import { RecordingError } from '../recording/errors';
import { expiredAt, isExpired } from '../recording/expiry';
import type { Recording } from '../recording/recording';
import type { ListedFile as RecordingFile, RecordingFiles } from '../recording/recording-files';
import type { RecordingService } from '../recording/recording-service';
import { isActiveLink, type ShareLinkService } from '../recording/share-links';
import { DOWNLOADABLE_STATUSES, FINAL_STATUSES } from '../recording/status';
import type { ShareLink } from '../recording/store/share-link-store';
import { isUuid } from '../util/uuid';
import { loadPageArtifacts, type ArtifactReader } from './page-artifact-loader';
import type { PageArtifacts } from './page-artifacts';

/** How the viewer of a page proved who they are. */
export type PageCredential =
  | { kind: 'share'; token: string }
  | { kind: 'session'; user: AuthUser; csrf: string }
  | { kind: 'bearer'; user: AuthUser };

/**
 * How long the media URLs of a share viewer's page work: a sitting (the page is not refreshed
 * meanwhile), never past the link's own expiry. Revoking the link stops them sooner: media-auth
 * checks the link behind the token on every request.
 */
export const SHARE_MEDIA_TOKEN_TTL_SECONDS = 4 * 3600;

export interface PageFile {
  file: RecordingFile;
  /** Under MEDIA_URL_PREFIX, with what authorises this viewer; null when the file cannot be played. */
  mediaUrl: string | null;
}

/** What owners and administrators see besides the player. */
export interface PageManagement {
  /** The session's CSRF token for the forms; null for a bearer viewer (the page's script uses the API). */
  csrf: string | null;
  activeLinks: ShareLink[];
  canShare: boolean;
  canDelete: boolean;
  defaultDays: number;
  maxDays: number;
}

export interface RecordingPageView {
  recording: Recording;
  expiresAt: Date | null;
  isExpired: boolean;
  files: PageFile[];
  credential: PageCredential['kind'];
  /** The signed-in or bearer user (their zone formats the dates); null for a share viewer. */
  viewer: AuthUser | null;
  manage: PageManagement | null;
  /** Transcript, summary, chapters and speakers, when the recording has any and may be watched. */
  artifacts?: PageArtifacts | null;
  /** False for a room member whose room lets them watch only: no download buttons. */
  canDownload: boolean;
}

export type PageOutcome =
  | { result: 'ok'; view: RecordingPageView }
  | { result: 'not_found' }
  | { result: 'forbidden' }
  | { result: 'link_invalid' };

export interface RecordingPageSettings {
  mediaUrlPrefix: string;
  expirationDays: number | undefined;
  downloadLinkTtlSeconds: number;
  shareDefaultDays: number;
  shareMaxDays: number;
}

export interface RecordingPageDeps {
  recordings: RecordingService;
  shareLinks: ShareLinkService;
  files: RecordingFiles;
  /** Signs the download-link tokens of a bearer viewer's media URLs. */
  downloadSecret: { get(): Promise<string> };
  settings: RecordingPageSettings;
  /** The bucket's artifacts; unset without a storage. */
  artifacts?: { reader: ArtifactReader; outputFolder: string; maxBytes: number };
}

/**
 * What the recording page shows to whom: a share viewer gets the recording and its files; an
 * owner or administrator (OIDC session or host-app token) also the share links and deletion.
 * Rights are checked here on every request, like media-auth does for every media request.
 */
export class RecordingPages {
  constructor(private readonly deps: RecordingPageDeps) {}

  async view(recordingId: string, credential: PageCredential): Promise<PageOutcome> {
    if (!isUuid(recordingId)) return { result: 'not_found' };
    if (credential.kind === 'share') {
      const shared = await this.deps.shareLinks.resolve(recordingId, credential.token);
      if (shared.result !== 'ok') return { result: shared.result === 'unknown' ? 'not_found' : 'link_invalid' };
      return { result: 'ok', view: await this.build(shared.recording, credential, null, shared.link) };
    }
    let seen: Awaited<ReturnType<RecordingService['getAsViewer']>>;
    try {
      seen = await this.deps.recordings.getAsViewer(credential.user, recordingId);
    } catch (err) {
      // Unknown and not theirs look the same: no existence leak.
      if (err instanceof RecordingError && err.kind === 'not_found') return { result: 'forbidden' };
      throw err;
    }
    if (seen.role === 'member') {
      // A member of the room: the player (and downloads when the room allows them), nothing to manage.
      const member = { room: seen.recording.room, canDownload: seen.members === 'download' };
      return { result: 'ok', view: await this.build(seen.recording, credential, null, undefined, member) };
    }
    const links = await this.deps.shareLinks.list(credential.user, recordingId);
    return { result: 'ok', view: await this.build(seen.recording, credential, links) };
  }

  /** `viaLink`: the share link a share viewer came with (their media URLs name it, not its token). */
  private async build(
    recording: Recording,
    credential: PageCredential,
    links: ShareLink[] | null,
    viaLink?: ShareLink,
    member?: { room: string; canDownload: boolean },
  ): Promise<RecordingPageView> {
    const { settings } = this.deps;
    const now = new Date();
    const expired = isExpired(recording, settings.expirationDays, now);
    const playable = DOWNLOADABLE_STATUSES.includes(recording.status) && !expired;
    const files: PageFile[] = [];
    for (const file of await this.deps.files.list(recording)) {
      files.push({ file, mediaUrl: playable && file.status === 'saved' ? await this.mediaUrl(recording, file, credential, viaLink, now, member?.room) : null });
    }
    const source = this.deps.artifacts;
    const artifacts = playable && source ? await loadPageArtifacts(recording, source.reader, source, (name) => artifactUrl(recording.id, name, credential)) : null;
    return {
      recording,
      artifacts,
      expiresAt: expiredAt(recording, settings.expirationDays),
      isExpired: expired,
      files,
      credential: credential.kind,
      viewer: credential.kind === 'share' ? null : credential.user,
      canDownload: member ? member.canDownload : true,
      manage:
        links === null
          ? null
          : {
              csrf: credential.kind === 'session' ? credential.csrf : null,
              activeLinks: links.filter((link) => isActiveLink(link, now)),
              canShare: playable,
              canDelete: FINAL_STATUSES.includes(recording.status),
              defaultDays: settings.shareDefaultDays,
              maxDays: settings.shareMaxDays,
            },
    };
  }

  /**
   * The file's URL under MEDIA_URL_PREFIX with what authorises this viewer (keys need no
   * encoding). Never the share token itself: URLs end up in proxy logs.
   */
  private async mediaUrl(recording: Recording, file: RecordingFile, credential: PageCredential, viaLink: ShareLink | undefined, now: Date, memberRoom?: string): Promise<string> {
    const path = `${this.deps.settings.mediaUrlPrefix}${file.key}`;
    switch (credential.kind) {
      case 'share': {
        if (!viaLink) throw new Error('recording page: a share viewer without their link');
        const untilLinkExpiry = Math.floor((viaLink.expiresAt.getTime() - now.getTime()) / 1000);
        const { token } = signShareMediaToken({
          secret: await this.deps.downloadSecret.get(),
          recordingId: recording.id,
          key: file.key,
          shareLinkId: viaLink.id,
          ttlSeconds: Math.max(1, Math.min(SHARE_MEDIA_TOKEN_TTL_SECONDS, untilLinkExpiry)),
          now,
        });
        return `${path}?token=${token}`;
      }
      case 'session':
        return path; // the session cookie goes along; media-auth reads it
      case 'bearer': {
        const { token } = signDownloadToken({
          secret: await this.deps.downloadSecret.get(),
          recordingId: recording.id,
          key: file.key,
          userSub: credential.user.sub,
          memberRoom,
          ttlSeconds: this.deps.settings.downloadLinkTtlSeconds,
        });
        return `${path}?token=${token}`;
      }
    }
  }
}

/**
 * A `<track>` source for this viewer: the artifacts API, which takes the share token (the
 * page's own address carries it too) and the sign-in cookie. A bearer viewer's token cannot go
 * along with a `<track>` request: null, and the page's script builds the captions from the transcript.
 */
function artifactUrl(recordingId: string, name: string, credential: PageCredential): string | null {
  const path = `/api/v1.0/recordings/${recordingId}/artifacts/${name}`;
  if (credential.kind === 'share') return `${path}?share=${encodeURIComponent(credential.token)}`;
  return credential.kind === 'session' ? path : null;
}
