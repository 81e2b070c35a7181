import type { Job, JobHandler, JobOutcome } from '../../jobs/job';
import { scrubError } from '../../jobs/retry';
import { isNotImplemented } from '../../storage/object-storage';
import type { RetentionTagger } from '../../storage/retention-tag';
import type { RecordingStore } from '../store/recording-store';
import { recordingObjectKeys } from '../object-key';
import { RETENTION_TAG_KIND } from './retention-job-kinds';

/**
 * Makes the retention tag on a recording's files match its permanence: set for a non-permanent
 * recording (the bucket's expiry rule may then delete them), removed for a permanent one.
 * Queued with the save (RecordingStore.markSaved) and when a recording is made non-permanent.
 * It reads the permanence when it runs, under the recording's row lock, so a PATCH cannot slip
 * between the read and the storage call: the last one to run leaves the right tag. Files not
 * stored yet are skipped (the save queues another job).
 */
export function retentionTagJob(store: RecordingStore, tagger: RetentionTagger, settings: { outputFolder: string; storageTimeoutMs: number }): JobHandler {
  return {
    kind: RETENTION_TAG_KIND,
    // The lock and one storage call per file, each bounded by the storage timeout.
    leaseMs: settings.storageTimeoutMs * 4 + 30_000,
    // About a day of retries; a file that never gets the tag is only kept longer than asked.
    retry: { maxAttempts: 30, baseMs: 5_000, maxMs: 3_600_000 },

    async run(job: Job): Promise<JobOutcome> {
      try {
        const found = await store.withLockedRecording(job.recordingId!, async (recording) => {
          const keys = recordingObjectKeys(settings.outputFolder, recording);
          if (recording.isPermanent) await tagger.unmark(keys);
          else await tagger.mark(keys);
        });
        return found ? { status: 'done' } : { status: 'cancelled', reason: 'the recording is gone' };
      } catch (err) {
        // No retry can help: the tag-filtered bucket rule cannot work there, and files are kept.
        if (isNotImplemented(err)) return { status: 'failed', error: `the storage implements no object tagging: ${scrubError(err)}` };
        return { status: 'retry', error: scrubError(err) };
      }
    },
  };
}
