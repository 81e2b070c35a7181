import { statement } from '../../db/sql';

/** Every SQL statement on `share_links`. Only src/recording/store/ runs them. */

const COLUMNS = `s.id, s.recording_id AS "recordingId", s.created_by AS "createdBy", s.created_at AS "createdAt",
  s.expires_at AS "expiresAt", s.revoked_at AS "revokedAt"`;

export const SHARE_SQL = {
  /** Held for the rest of the transaction: creations for one recording take turns. */
  lockRecording: statement('share_link_lock_recording', `SELECT id FROM recordings WHERE id = $1 FOR UPDATE`),
  /**
   * Inserts only while the recording has fewer than $6 active (unrevoked, unexpired) links.
   * Run after lockRecording in the same transaction, so its count sees every earlier creation.
   */
  insertUnderCap: statement(
    'share_link_insert_under_cap',
    `INSERT INTO share_links AS s (id, recording_id, token_hash, created_by, expires_at)
     SELECT $1, $2, $3, $4, $5
      WHERE (SELECT count(*) FROM share_links a
              WHERE a.recording_id = $2 AND a.revoked_at IS NULL AND a.expires_at > now()) < $6
     RETURNING ${COLUMNS}`,
  ),
  listForRecording: statement(
    'share_link_list',
    `SELECT ${COLUMNS} FROM share_links s WHERE s.recording_id = $1 ORDER BY s.created_at DESC, s.id DESC`,
  ),
  /** Revoking twice keeps the first time. */
  revoke: statement(
    'share_link_revoke',
    `UPDATE share_links s SET revoked_at = COALESCE(s.revoked_at, now())
      WHERE s.id = $1 AND s.recording_id = $2
      RETURNING ${COLUMNS}`,
  ),
  /** The link a token opens, if it is one of this recording's (unique index on token_hash). */
  byToken: statement(
    'share_link_by_token',
    `SELECT ${COLUMNS}, (s.revoked_at IS NULL AND s.expires_at > now()) AS "isActive"
       FROM share_links s WHERE s.token_hash = $1 AND s.recording_id = $2`,
  ),
} as const;
