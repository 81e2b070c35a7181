import { statement, type SqlRunner } from '../../db/sql';
import { isExpired } from '../expiry';
import { fileKey } from '../object-key';
import type { Recording } from '../recording';
import { DOWNLOADABLE_STATUSES } from '../status';
import { COLUMNS } from '../store/statements';

/**
 * The read model of ZIP downloads: recordings $2 with the caller's ($1) access role, and their
 * room's member level. One query on the recordings' primary key.
 */
const SQL = {
  selection: statement(
    'archive_selection',
    `SELECT ${COLUMNS}, a.role AS "accessRole",
            COALESCE((SELECT m.members FROM room_recording_access m WHERE m.room = r.room), 'none') AS "memberLevel"
       FROM recordings r LEFT JOIN recording_accesses a ON a.recording_id = r.id AND a.user_sub = $1
      WHERE r.id = ANY($2::uuid[])`,
  ),
};

/** One recording the ZIP takes, with the keys of its saved files (composite first, then tracks). */
export interface ArchivedRecording {
  recording: Recording;
  keys: string[];
}

export interface ArchiveSelection {
  included: ArchivedRecording[];
  /** In the order asked: ids left out, and why (for MISSING.txt or a refusal). */
  missing: { id: string; why: string }[];
}

export interface SelectionRules {
  outputFolder: string;
  expirationDays: number | undefined;
}

/**
 * Which of `ids` the caller may take in a ZIP now: theirs (an access), or of a room in
 * `memberRooms` that lets its members download; saved, not expired, files not removed.
 */
export async function selectForArchive(sql: SqlRunner, caller: { sub: string; memberRooms: string[] }, ids: string[], rules: SelectionRules, now = new Date()): Promise<ArchiveSelection> {
  const uuids = ids.filter((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id));
  const rows = await sql.query<Recording & { accessRole: string | null; memberLevel: string }>(SQL.selection, [caller.sub, uuids]);
  const byId = new Map(rows.map((row) => [row.id, row]));
  const selection: ArchiveSelection = { included: [], missing: [] };
  for (const id of ids) {
    const row = byId.get(id.toLowerCase());
    const mayTake = row && (row.accessRole !== null || (caller.memberRooms.includes(row.room) && row.memberLevel === 'download'));
    if (!row || !mayTake) {
      selection.missing.push({ id, why: 'deleted, unknown, or no longer yours to download' });
    } else if (!DOWNLOADABLE_STATUSES.includes(row.status)) {
      selection.missing.push({ id, why: `not downloadable (status ${row.status})` });
    } else if (row.filesRemovedAt || isExpired(row, rules.expirationDays, now)) {
      selection.missing.push({ id, why: 'expired' });
    } else {
      const { accessRole: _role, memberLevel: _level, ...recording } = row;
      const keys = [...recording.files]
        .filter((file) => file.status === 'saved')
        .sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'composite' ? -1 : 1))
        .map((file) => fileKey(rules.outputFolder, file.relativeKey));
      selection.included.push({ recording, keys });
    }
  }
  return selection;
}
