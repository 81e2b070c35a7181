import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import type { AccessRole } from '../../recording/status';
import { Recording } from './recording.entity';

/**
 * Who may see and manage a recording. The user's contact details from their JWT are kept
 * here so that notifications need no user directory.
 */
@Entity({ name: 'recording_accesses' })
export class RecordingAccess {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'recording_id', type: 'uuid' })
  recordingId!: string;

  @ManyToOne(() => Recording, (recording) => recording.accesses, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'recording_id' })
  recording?: Recording;

  @Column({ name: 'user_sub', type: 'varchar', length: 255 })
  userSub!: string;

  @Column({ type: 'varchar', length: 16 })
  role!: AccessRole;

  @Column({ type: 'varchar', length: 320, nullable: true })
  email!: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  name!: string | null;

  @Column({ type: 'varchar', length: 35, nullable: true })
  locale!: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  zoneinfo!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
