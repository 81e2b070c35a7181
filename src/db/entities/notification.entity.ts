import { Column, Entity, PrimaryColumn } from 'typeorm';

export type NotificationStatus = 'pending' | 'sent' | 'failed';

/**
 * The email outbox: one row per (recording, owner), written in the same transaction that
 * marks the recording saved, so an email can be neither lost nor queued twice.
 */
@Entity({ name: 'notifications' })
export class Notification {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'recording_id', type: 'uuid' })
  recordingId!: string;

  @Column({ name: 'access_id', type: 'uuid' })
  accessId!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: NotificationStatus;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', default: () => 'now()' })
  nextAttemptAt!: Date;

  /** A sender that claimed the row owns it until then; after that another may retry it. */
  @Column({ name: 'locked_until', type: 'timestamptz', nullable: true })
  lockedUntil!: Date | null;

  @Column({ name: 'last_error', type: 'varchar', length: 500, nullable: true })
  lastError!: string | null;

  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt!: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
