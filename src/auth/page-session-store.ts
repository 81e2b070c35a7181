import { createHash } from 'node:crypto';
import { statement, type SqlRunner } from '../db/sql';

/** One row of page_sessions, as the page needs it. */
export interface PageSessionRow {
  sub: string;
  name: string | null;
  locale: string | null;
  zoneinfo: string | null;
  csrf: string;
}

const COLUMNS = `s.sub, s.name, s.locale, s.zoneinfo, s.csrf`;
/** A live session: before its absolute end and seen within the idle timeout (`$2`, seconds). */
const LIVE = `s.expires_at > now() AND s.last_seen_at > now() - make_interval(secs => $2::float8)`;

const SESSION_SQL = {
  insert: statement(
    'page_sessions_insert',
    `INSERT INTO page_sessions (id_hash, sub, name, locale, zoneinfo, csrf, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7::float8))`,
  ),
  /** The live session, its last-seen time moved on at most once a minute (few writes on busy pages). */
  touch: statement(
    'page_sessions_touch',
    `WITH live AS (SELECT s.id_hash, s.last_seen_at, ${COLUMNS} FROM page_sessions s WHERE s.id_hash = $1 AND ${LIVE}),
     touched AS (UPDATE page_sessions p SET last_seen_at = now() FROM live
                 WHERE p.id_hash = live.id_hash AND live.last_seen_at < now() - interval '60 seconds')
     SELECT sub, name, locale, zoneinfo, csrf FROM live`,
  ),
  remove: statement('page_sessions_delete', `DELETE FROM page_sessions WHERE id_hash = $1`),
  prune: statement(
    'page_sessions_prune',
    `DELETE FROM page_sessions WHERE expires_at <= now() OR last_seen_at <= now() - make_interval(secs => $1::float8) RETURNING 1`,
  ),
};

/** What is stored of a session id: its SHA-256, never the id itself. */
function idHash(id: string): Buffer {
  return createHash('sha256').update(id, 'utf8').digest();
}

/** The page_sessions table. Only src/auth/ runs these statements. */
export class PageSessionStore {
  constructor(
    private readonly sql: SqlRunner,
    private readonly idleSeconds: number,
  ) {}

  async insert(id: string, row: PageSessionRow, lifetimeSeconds: number): Promise<void> {
    await this.sql.query(SESSION_SQL.insert, [idHash(id), row.sub, row.name, row.locale, row.zoneinfo, row.csrf, lifetimeSeconds]);
  }

  /** The live session with that id; an ended one is deleted on the way and reads as none. */
  async read(id: string): Promise<PageSessionRow | null> {
    const hash = idHash(id);
    const [row] = await this.sql.query<PageSessionRow>(SESSION_SQL.touch, [hash, this.idleSeconds]);
    if (row) return row;
    await this.sql.query(SESSION_SQL.remove, [hash]);
    return null;
  }

  async remove(id: string): Promise<void> {
    await this.sql.query(SESSION_SQL.remove, [idHash(id)]);
  }

  /** Deletes every ended session (past its lifetime or idle too long). */
  async prune(): Promise<number> {
    return (await this.sql.query(SESSION_SQL.prune, [this.idleSeconds])).length;
  }
}

