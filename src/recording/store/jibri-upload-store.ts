import { statement, type Sql } from '../../db/sql';

const CLAIM = statement(
  'jibri_upload_claim',
  `UPDATE recordings SET jibri_upload_url_issued_at = now()
   WHERE id = $1 AND status = 'stopped' AND worker_kind = 'jibri' AND jibri_upload_url_issued_at IS NULL
   RETURNING id`,
);

/** The once-per-recording upload URL of a Jibri recording (recordings.jibri_upload_url_issued_at). */
export class JibriUploadStore {
  private readonly sql: Sql;

  constructor(options: { sql: Sql }) {
    this.sql = options.sql;
  }

  /** True for the one caller that may issue this recording's upload URL; guarded, so any process asking later gets false. */
  async claim(recordingId: string): Promise<boolean> {
    return (await this.sql.query(CLAIM, [recordingId])).length === 1;
  }
}
