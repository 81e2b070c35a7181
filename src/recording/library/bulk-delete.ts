import type { AuthUser } from '../../auth/user';
import { RecordingError } from '../errors';
import { parseBulkIds } from './bulk-request';

/** The one-recording delete that a bulk delete repeats (RecordingService.delete). */
export interface SingleDelete {
  delete(user: AuthUser, id: string): Promise<void>;
}

export interface BulkDeleteResult {
  deleted: string[];
  refused: { id: string; detail: string }[];
}

/**
 * Deletes each id by the rules of one DELETE, one after the other, so that each is decided on
 * its own: a refusal (not the caller's, not final, a recorder still running, storage down)
 * lands in `refused` with the reason and does not stop the others. Each deleted recording
 * queues its own recording.deleted in its own delete.
 */
export async function bulkDelete(recordings: SingleDelete, user: AuthUser, body: unknown): Promise<BulkDeleteResult> {
  const ids = parseBulkIds(body);
  const result: BulkDeleteResult = { deleted: [], refused: [] };
  for (const id of ids) {
    try {
      await recordings.delete(user, id);
      result.deleted.push(id);
    } catch (error) {
      if (!(error instanceof RecordingError)) throw error;
      result.refused.push({ id, detail: error.message });
    }
  }
  return result;
}
