import type { AuthUser } from '../../auth/user';
import type { SqlRunner } from '../../db/sql';
import { badRequest } from '../errors';
import { selectForArchive, type ArchiveSelection, type SelectionRules } from './archive-selection';
import { signArchiveToken, verifyArchiveToken } from './archive-token';
import { parseBulkIds } from './bulk-request';
import { archiveFileName } from './zip-archive';

export interface ArchiveLinkSettings extends SelectionRules {
  /** Where nginx serves media, like download links: RECORDING_DOWNLOAD_BASE_URL's origin, or '' (a path on the same host). */
  origin: string;
  ttlSeconds: number;
  zone: string;
}

/** The path the archive url opens (nginx gives it a location of its own, without buffering). */
export const ARCHIVE_PATH = '/api/v1.0/recordings/archive/';

/**
 * ZIP downloads of several recordings: a link for exactly those ids and that caller, then, when
 * it is opened, what may still go in (each recording checked again then).
 */
export class ArchiveLinks {
  constructor(
    private readonly sql: SqlRunner,
    private readonly secret: { get(): Promise<string> },
    private readonly settings: ArchiveLinkSettings,
  ) {}

  /** 400 unless every id is downloadable by the caller now. */
  async create(user: AuthUser, body: unknown, now = new Date()): Promise<{ url: string; expiresAt: Date }> {
    const ids = parseBulkIds(body);
    const memberRooms = Object.keys(user.rooms);
    const selection = await selectForArchive(this.sql, { sub: user.sub, memberRooms }, ids, this.settings, now);
    if (selection.missing.length > 0) {
      const list = selection.missing.map(({ id, why }) => `${id} (${why})`).join(', ');
      throw badRequest(`Only your downloadable recordings can go in an archive; refused: ${list}.`);
    }
    // The rooms whose recordings the caller takes as a member, checked again at download time.
    const rooms = [...new Set(selection.included.map(({ recording }) => recording.room))].filter((room) => memberRooms.includes(room));
    const { token, expiresAt } = signArchiveToken(await this.secret.get(), { userSub: user.sub, ids, memberRooms: rooms }, this.settings.ttlSeconds, now);
    const url = `${this.settings.origin}${ARCHIVE_PATH}?token=${encodeURIComponent(token)}`;
    return { url, expiresAt };
  }

  /** What the link's ZIP holds now; null for a bad or expired token. */
  async open(token: unknown, now = new Date()): Promise<{ selection: ArchiveSelection; fileName: string } | null> {
    const grant = verifyArchiveToken(token, await this.secret.get());
    if (!grant) return null;
    const selection = await selectForArchive(this.sql, { sub: grant.userSub, memberRooms: grant.memberRooms }, grant.ids, this.settings, now);
    return { selection, fileName: archiveFileName(now, this.settings.zone) };
  }
}
