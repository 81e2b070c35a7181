import type { WorkerKind } from '../config/config';
import { statement, type SqlRunner } from '../db/sql';
import type { FileStatus } from '../recording/recording';
import type { RecordingStatus } from '../recording/status';

/** A share link as a media request names it: by its token's hash (`?share=`) or by its id (a share-media token). */
export type ShareLinkRef = { tokenHash: Buffer } | { linkId: string };

/** What media-auth needs to know about one recording and one or two callers. */
export interface MediaAccess {
  status: RecordingStatus;
  workerKind: WorkerKind;
  createdAt: Date;
  isPermanent: boolean;
  /** Its files were removed at expiry (the sweep). */
  filesRemovedAt: Date | null;
  /** One of the given users holds an owner/administrator access to it. */
  allowed: boolean;
  /** The share link named is one of its links, neither revoked nor expired. */
  shared: boolean;
  /** For the download's file name, and for a room member's right. */
  room: string;
  /** What the room lets its members do with its recordings. */
  members: 'none' | 'view' | 'download';
  /** Asked about a participant track file: its status, or null when the recording has no such track. */
  trackStatus?: FileStatus | null;
}

/**
 * What media-auth needs of recording `r`: `$2` the callers' subs, `$3` a share link's token
 * hash or NULL, `$4` a share link's id or NULL. A share link counts only while neither revoked
 * nor expired.
 */
const MEDIA_ACCESS_COLUMNS = `r.status, r.worker_kind AS "workerKind", r.created_at AS "createdAt", r.is_permanent AS "isPermanent", r.room,
  r.files_removed_at AS "filesRemovedAt",
  COALESCE((SELECT m.members FROM room_recording_access m WHERE m.room = r.room), 'none') AS members,
  EXISTS (SELECT 1 FROM recording_accesses a WHERE a.recording_id = r.id AND a.user_sub = ANY($2::varchar[])) AS allowed,
  (($3::bytea IS NOT NULL OR $4::uuid IS NOT NULL) AND EXISTS (
    SELECT 1 FROM share_links s
     WHERE (s.token_hash = $3::bytea OR s.id = $4::uuid) AND s.recording_id = r.id AND s.revoked_at IS NULL AND s.expires_at > now()
  )) AS shared`;

/**
 * One round trip on three indexes: the recordings primary key, the (recording_id, user_sub)
 * unique constraint of recording_accesses, and the unique token hash or the primary key of
 * share_links.
 */
const MEDIA_ACCESS_SQL = {
  composite: statement('media_access', `SELECT ${MEDIA_ACCESS_COLUMNS} FROM recordings r WHERE r.id = $1`),
  /** For one participant track file: also that file's status (null when the recording has no such track). */
  track: statement(
    'media_access_track',
    `SELECT ${MEDIA_ACCESS_COLUMNS},
            (SELECT f.status FROM recording_files f WHERE f.recording_id = r.id AND f.track_id = $5) AS "trackStatus"
       FROM recordings r WHERE r.id = $1`,
  ),
} as const;

/**
 * The read model of media-auth: the recording (and, for a track file, that file) and whether
 * one of `userSubs`, or a share link (by its token's hash or by its id), may have it; null
 * when there is no such recording.
 */
export async function findMediaAccess(
  sql: SqlRunner,
  recordingId: string,
  userSubs: string[],
  share: ShareLinkRef | null = null,
  trackId: string | null = null,
): Promise<MediaAccess | null> {
  const hash = share && 'tokenHash' in share ? share.tokenHash : null;
  const linkId = share && 'linkId' in share ? share.linkId : null;
  const rows = trackId
    ? await sql.query<MediaAccess>(MEDIA_ACCESS_SQL.track, [recordingId, userSubs, hash, linkId, trackId])
    : await sql.query<MediaAccess>(MEDIA_ACCESS_SQL.composite, [recordingId, userSubs, hash, linkId]);
  return rows[0] ?? null;
}
