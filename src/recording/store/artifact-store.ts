import type { Sql } from '../../db/sql';
import type { RecordingSnapshot } from '../../events/delivery';
import { queueEvent } from '../../events/outbox';
import type { EventRoutes } from '../../events/routes';
import type { Recording, RecordingArtifact } from '../recording';
import { ARTIFACT_SQL } from './artifact-statements';

export interface NewArtifact {
  name: string;
  contentType: string;
  size: number;
}

/**
 * Recording state of artifacts: which ones a recording has. A write takes the recording's row
 * lock, checks it may still be written (`writable`, under the lock: a deletion or the expiry
 * sweep either waits for it or is seen by it) and queues `recording.artifact_ready` in the
 * same transaction.
 */
export class ArtifactStore {
  constructor(
    private readonly sql: Sql,
    private readonly options: { events?: EventRoutes } = {},
  ) {}

  /** Null when the recording is gone or `writable` refuses it; otherwise the row and whether it is new. */
  async save(recordingId: string, artifact: NewArtifact, writable: (recording: Recording) => boolean): Promise<{ artifact: RecordingArtifact; created: boolean } | null> {
    return this.sql.transaction(async (tx) => {
      const [recording] = await tx.query<Recording>(ARTIFACT_SQL.lockRecording, [recordingId]);
      if (!recording || !writable(recording)) return null;
      const [row] = await tx.query<RecordingArtifact & { created: boolean }>(ARTIFACT_SQL.upsert, [recordingId, artifact.name, artifact.contentType, artifact.size]);
      const { created, ...stored } = row!;
      const routes = this.options.events;
      if (routes) {
        const [snap] = await tx.query<{ recording: RecordingSnapshot; owners: { sub: string }[] }>(ARTIFACT_SQL.snapshot, [recordingId]);
        await queueEvent(tx, routes, {
          type: 'recording.artifact_ready',
          recording: snap!.recording,
          owners: snap!.owners,
          data: { artifact: { name: stored.name, content_type: stored.contentType, size: stored.size, updated_at: stored.updatedAt } },
        });
      }
      return { artifact: stored, created };
    });
  }

  /** Removes the row; false when there was none. */
  async remove(recordingId: string, name: string): Promise<boolean> {
    return (await this.sql.query(ARTIFACT_SQL.remove, [recordingId, name])).length > 0;
  }
}
