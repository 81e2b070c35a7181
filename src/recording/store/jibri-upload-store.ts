import { statement, type Sql } from '../../db/sql';

const CLAIM = statement(
  'jibri_upload_claim',
  `UPDATE recordings SET jibri_upload_url_issued_at = now()
   WHERE id = $1 AND status = 'stopped' AND worker_kind = 'jibri' AND jibri_upload_url_issued_at IS NULL
   RETURNING id`,
);

/** Only before the upload URL went out: a capability cannot be swapped for an issued one. */
const SET_CAPABILITY = statement(
  'jibri_upload_capability_set',
  `UPDATE recordings SET jibri_upload_capability_hash = $2
   WHERE id = $1 AND jibri_upload_url_issued_at IS NULL
   RETURNING id`,
);

/** A 409 was answered: whatever file lands under the recording's key no longer saves it. */
const REFUSED = statement(
  'jibri_upload_refused',
  `UPDATE recordings SET jibri_upload_refused_at = now()
   WHERE id = $1 AND worker_kind = 'jibri' AND jibri_upload_refused_at IS NULL`,
);

const CAPABILITY = statement('jibri_upload_capability_get', `SELECT jibri_upload_capability_hash AS hash FROM recordings WHERE id = $1`);

/** Where the Jibri worker leaves the hash of the capability it handed to the Jibri it started. */
export interface UploadCapabilityRecorder {
  /** False when there is no such recording (or its URL was already issued): nothing stored. */
  recordCapability(recordingId: string, hash: Buffer): Promise<boolean>;
}

/**
 * The upload side of a Jibri recording on its row: the hash of its upload capability
 * (recordings.jibri_upload_capability_hash), its once-only upload URL
 * (recordings.jibri_upload_url_issued_at) and a 409 answered for it (jibri_upload_refused_at).
 */
export class JibriUploadStore implements UploadCapabilityRecorder {
  private readonly sql: Sql;

  constructor(options: { sql: Sql }) {
    this.sql = options.sql;
  }

  /** True for the one caller that may issue this recording's upload URL; guarded, so any process asking later gets false. */
  async claim(recordingId: string): Promise<boolean> {
    return (await this.sql.query(CLAIM, [recordingId])).length === 1;
  }

  /** Each start attempt hands its Jibri a new capability: the last one stored is the one that counts. */
  async recordCapability(recordingId: string, hash: Buffer): Promise<boolean> {
    return (await this.sql.query(SET_CAPABILITY, [recordingId, hash])).length === 1;
  }

  /** After a 409 (file already there, or the URL already issued): the recording is kept unsaved. */
  async markRefused(recordingId: string): Promise<void> {
    await this.sql.query(REFUSED, [recordingId]);
  }

  async capabilityHash(recordingId: string): Promise<Buffer | null> {
    const rows = await this.sql.query<{ hash: Buffer | null }>(CAPABILITY, [recordingId]);
    return rows[0]?.hash ?? null;
  }
}
