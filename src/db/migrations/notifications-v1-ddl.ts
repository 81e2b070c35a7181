/**
 * The first notifications table, as the initial schema made it and as the job runner's down
 * step makes it again. Applied migrations must keep running the same SQL: never edit.
 */
export const NOTIFICATIONS_V1 = [
  `
      CREATE TABLE notifications (
        id uuid PRIMARY KEY,
        recording_id uuid NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
        access_id uuid NOT NULL REFERENCES recording_accesses(id) ON DELETE CASCADE,
        status varchar(16) NOT NULL CHECK (status IN ('pending','sent','failed')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        locked_until timestamptz,
        last_error varchar(500),
        sent_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT notifications_once_per_owner UNIQUE (recording_id, access_id)
      )`,
  `CREATE INDEX notifications_due ON notifications (next_attempt_at) WHERE status = 'pending'`,
];
