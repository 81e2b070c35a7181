import { statement, type SqlRunner } from '../db/sql';

/** What the "recording saved" email needs to write to one owner. */
export interface EmailContext {
  email: string | null;
  name: string | null;
  locale: string | null;
  zoneinfo: string | null;
  room: string;
  createdAt: Date;
  isPermanent: boolean;
  /** Seconds recorded over its segments when it was paused; null when it never was. */
  recordedSeconds: number | null;
}

/** The owner's copy of their JWT's claims (taken at the start) and the recording's facts. */
const EMAIL_CONTEXT = statement(
  'email_context',
  `SELECT a.email, a.name, a.locale, a.zoneinfo, r.room, r.created_at AS "createdAt", r.is_permanent AS "isPermanent",
          (SELECT extract(epoch FROM sum(s.ended_at - s.started_at))::float8 FROM recording_segments s
            WHERE s.recording_id = r.id AND s.ended_at IS NOT NULL) AS "recordedSeconds"
     FROM recording_accesses a JOIN recordings r ON r.id = a.recording_id
    WHERE a.id = $1 AND r.id = $2`,
);

/** The owner (by their access's id) and recording an email job writes about; null once either is gone. */
export async function findEmailContext(sql: SqlRunner, recordingId: string, accessId: string): Promise<EmailContext | null> {
  return (await sql.query<EmailContext>(EMAIL_CONTEXT, [accessId, recordingId]))[0] ?? null;
}
