import { Column, Entity, OneToMany, PrimaryColumn } from 'typeorm';
import type { WorkerKind } from '../../config/config';
import type { RecordingStatus } from '../../recording/status';
import { RecordingAccess } from './recording-access.entity';

/** Options given at start (SPEC.md: `options`). */
export interface RecordingOptions {
  permanent?: boolean;
  language?: string;
}

/** Column types are explicit: the service runs under tsx, which emits no decorator metadata. */
@Entity({ name: 'recordings' })
export class Recording {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'varchar', length: 255 })
  room!: string;

  @Column({ type: 'varchar', length: 64 })
  mode!: string;

  @Column({ type: 'varchar', length: 32 })
  status!: RecordingStatus;

  @Column({ name: 'worker_kind', type: 'varchar', length: 32 })
  workerKind!: WorkerKind;

  @Column({ name: 'worker_id', type: 'varchar', length: 512, nullable: true })
  workerId!: string | null;

  /** Short reason of the last worker failure (error code and message, no secrets). */
  @Column({ name: 'worker_error', type: 'varchar', length: 500, nullable: true })
  workerError!: string | null;

  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" })
  options!: RecordingOptions;

  @Column({ name: 'is_permanent', type: 'boolean', default: false })
  isPermanent!: boolean;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;

  @OneToMany(() => RecordingAccess, (access) => access.recording)
  accesses?: RecordingAccess[];
}
