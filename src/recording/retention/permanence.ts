import { z } from 'zod';
import type { AuthUser } from '../../auth/user';
import { childLogger } from '../../logging/logger';
import type { RetentionTagger } from '../../storage/retention-tag';
import { badRequest, conflict, forbidden, notFound, RecordingError } from '../errors';
import type { Recording } from '../recording';
import type { AccessRole } from '../status';
import type { RecordingStore } from '../store/recording-store';
import { recordingObjectKeys } from '../object-key';

const log = childLogger('recordings');

/** Body of PATCH /api/v1.0/recordings/{id}/. */
export const permanenceBody = z.object({ is_permanent: z.boolean() }).strict();

/** PATCH is_permanent true on a recording whose files the expiry sweep already removed. */
export const FILES_REMOVED = 'The recording has expired and its files were removed; it can no longer be kept.';

export const PERMANENCE_OFF = 'Permanent recordings are not enabled on this service (RECORDING_ALLOW_PERMANENT is off).';

/** `options.permanent: true` at start: only where the operator allows permanence. */
export function checkPermanentOption(permanent: boolean | undefined, allowPermanent: boolean): void {
  if (permanent === true && !allowPermanent) throw badRequest(`Invalid request body: options.permanent: ${PERMANENCE_OFF}`);
}

export interface PermanenceDeps {
  store: RecordingStore;
  /** The caller's recording and role; 404 for anyone else (RecordingService.get). */
  get(user: AuthUser, id: string): Promise<{ recording: Recording; role: AccessRole }>;
  /** Unset when the storage is not configured: there are no files to tag. */
  tagger: RetentionTagger | undefined;
  settings: { allowPermanent: boolean; outputFolder: string };
}

/**
 * Changing one's mind about keeping a recording (PATCH `is_permanent`). Making it permanent
 * removes the retention tag from its files before anything changes, under the recording's row
 * lock: once the answer is 200, no rule the project installs can delete them; when the storage
 * refuses, the answer is 503 and nothing changed. Making it non-permanent queues the job that
 * tags the files again (the recording is back under expiry at once: `expired_at` is computed).
 * A recording whose files were removed at expiry cannot be made permanent any more (409).
 */
export class RecordingPermanence {
  constructor(private readonly deps: PermanenceDeps) {}

  async set(user: AuthUser, id: string, body: unknown): Promise<{ recording: Recording; role: AccessRole }> {
    const { recording, role } = await this.deps.get(user, id);
    if (!this.deps.settings.allowPermanent) throw forbidden(PERMANENCE_OFF);
    const parsed = permanenceBody.safeParse(body ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? issue.path.map(String).join('.') : 'body';
      throw badRequest(`Invalid request body: ${where}: ${issue?.message ?? 'expected {"is_permanent": true|false}'}.`);
    }
    const wanted = parsed.data.is_permanent;
    const { tagger, settings } = this.deps;

    const changed = await this.deps.store.setPermanent(recording.id, wanted, async (current) => {
      // Under the row lock: the expiry sweep cannot be removing its files right now.
      if (wanted && current.filesRemovedAt) throw conflict(FILES_REMOVED);
      if (!wanted || !tagger) return;
      try {
        await tagger.unmark(recordingObjectKeys(settings.outputFolder, current));
      } catch (err) {
        log.warn({ recordingId: current.id, err: err instanceof Error ? err.message : String(err) }, 'storage refused to remove the retention tag');
        throw new RecordingError('unavailable', 'The object storage is unavailable; the recording was not made permanent. Retry later.');
      }
    });
    if (!changed) throw notFound();
    return { recording: changed.recording, role };
  }
}
