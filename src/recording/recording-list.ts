import { statement, type SqlRunner } from '../db/sql';
import type { Recording } from './recording';
import type { AccessRole, RecordingStatus } from './status';
import { COLUMNS } from './store/statements';

/** Which of the caller's recordings a list shows (every field optional; all given ones apply). */
export interface RecordingListFilter {
  room?: string;
  statuses?: RecordingStatus[];
  /** Created strictly after / before these instants. */
  createdAfter?: Date;
  createdBefore?: Date;
  /** Text the room name contains (case-insensitive; LIKE wildcards are taken literally). */
  roomContains?: string;
}

/**
 * The caller's recordings ($1 the user's sub) under the filter $2..$6; a NULL parameter does not
 * filter. The accesses' (user_sub, recording_id) index finds the caller's rows.
 */
const FILTERED = `FROM recordings r JOIN recording_accesses a ON a.recording_id = r.id AND a.user_sub = $1
  WHERE ($2::text IS NULL OR r.room = $2)
    AND ($3::text[] IS NULL OR r.status = ANY($3::text[]))
    AND ($4::timestamptz IS NULL OR r.created_at > $4)
    AND ($5::timestamptz IS NULL OR r.created_at < $5)
    AND ($6::text IS NULL OR r.room ILIKE '%' || $6 || '%' ESCAPE '\\')`;

const LIST_SQL = {
  countForUser: statement('count_for_user_filtered', `SELECT count(*)::int AS n ${FILTERED}`),
  pageForUser: statement(
    'page_for_user_filtered',
    `SELECT ${COLUMNS}, a.role AS "accessRole" ${FILTERED}
      ORDER BY r.created_at DESC, r.id DESC
      LIMIT $7 OFFSET $8`,
  ),
};

/** The filter as the statements' parameters $2..$6. */
function filterValues(filter: RecordingListFilter): unknown[] {
  const escapedLike = filter.roomContains?.replace(/[\\%_]/g, '\\$&');
  return [filter.room ?? null, filter.statuses ?? null, filter.createdAfter ?? null, filter.createdBefore ?? null, escapedLike ?? null];
}

export interface RecordingListPage {
  /** How many recordings the filter matches in all. */
  count: number;
  rows: { recording: Recording; role: AccessRole }[];
}

/** The read model of the list endpoint: the user's recordings under the filter, newest first, with their role on each. */
export async function listRecordingsForUser(sql: SqlRunner, userSub: string, filter: RecordingListFilter, limit: number, offset: number): Promise<RecordingListPage> {
  const values = [userSub, ...filterValues(filter)];
  const [counted] = await sql.query<{ n: number }>(LIST_SQL.countForUser, values);
  const page = await sql.query<Recording & { accessRole: AccessRole }>(LIST_SQL.pageForUser, [...values, limit, offset]);
  return {
    count: counted?.n ?? 0,
    rows: page.map(({ accessRole, ...recording }) => ({ recording, role: accessRole })),
  };
}
