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

/** A resumed stretch's capability, for the Jibri asked to record it; only before its URL went out. */
const SET_PART_CAPABILITY = statement(
  'jibri_part_capability_set',
  `INSERT INTO jibri_part_uploads (recording_id, seq, instance_key, capability_hash)
   SELECT id, $2, $3, $4 FROM recordings WHERE id = $1
   ON CONFLICT (recording_id, seq) DO UPDATE SET instance_key = EXCLUDED.instance_key, capability_hash = EXCLUDED.capability_hash
     WHERE jibri_part_uploads.url_issued_at IS NULL
   RETURNING seq`,
);

const PART_CAPABILITY = statement(
  'jibri_part_capability_get',
  `SELECT capability_hash AS hash FROM jibri_part_uploads WHERE recording_id = $1 AND seq = $2`,
);

/** The one URL of a stretch (the first stretch has no row until then); guarded like CLAIM. */
const CLAIM_PART = statement(
  'jibri_part_claim',
  `INSERT INTO jibri_part_uploads (recording_id, seq, url_issued_at) VALUES ($1, $2, now())
   ON CONFLICT (recording_id, seq) DO UPDATE SET url_issued_at = now() WHERE jibri_part_uploads.url_issued_at IS NULL
   RETURNING seq`,
);

const PART_REFUSED = statement(
  'jibri_part_refused',
  `INSERT INTO jibri_part_uploads (recording_id, seq, refused_at) VALUES ($1, $2, now())
   ON CONFLICT (recording_id, seq) DO UPDATE SET refused_at = COALESCE(jibri_part_uploads.refused_at, now())`,
);

/** Where the Jibri worker leaves the hash of the capability it handed to the Jibri it started. */
export interface UploadCapabilityRecorder {
  /** False when there is no such recording (or its URL was already issued): nothing stored. */
  recordCapability(recordingId: string, hash: Buffer): Promise<boolean>;
  /** The same for one resumed stretch (`seq` >= 1) and the instance asked to record it. */
  recordPartCapability(recordingId: string, seq: number, instanceKey: string, hash: Buffer): Promise<boolean>;
}

/**
 * The upload side of a Jibri recording on its row: the hash of its upload capability
 * (recordings.jibri_upload_capability_hash), its once-only upload URL
 * (recordings.jibri_upload_url_issued_at) and a 409 answered for it (jibri_upload_refused_at).
 * A paused recording's stretches each have the same three in jibri_part_uploads.
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

  async recordPartCapability(recordingId: string, seq: number, instanceKey: string, hash: Buffer): Promise<boolean> {
    return (await this.sql.query(SET_PART_CAPABILITY, [recordingId, seq, instanceKey, hash])).length === 1;
  }

  /** The hash a resumed stretch's capability must match; null when none was handed out. */
  async partCapabilityHash(recordingId: string, seq: number): Promise<Buffer | null> {
    const rows = await this.sql.query<{ hash: Buffer | null }>(PART_CAPABILITY, [recordingId, seq]);
    return rows[0]?.hash ?? null;
  }

  /** True for the one caller that may issue this stretch's upload URL. */
  async claimPart(recordingId: string, seq: number): Promise<boolean> {
    return (await this.sql.query(CLAIM_PART, [recordingId, seq])).length === 1;
  }

  /** A 409 for one stretch: noted on it, and the recording is kept unsaved, as for a whole recording. */
  async markPartRefused(recordingId: string, seq: number): Promise<void> {
    await this.sql.query(PART_REFUSED, [recordingId, seq]);
    await this.markRefused(recordingId);
  }
}
