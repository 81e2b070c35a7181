import type { Job, JobHandler, JobOutcome } from '../../jobs/job';
import { scrubError } from '../../jobs/retry';
import { childLogger } from '../../logging/logger';
import { fileKey } from '../object-key';
import type { Recording } from '../recording';
import type { ExpiryStore } from '../store/expiry-store';
import { EXPIRE_FILES_KIND } from './retention-job-kinds';

const log = childLogger('expiry');

export interface ExpireFilesDeps {
  store: ExpiryStore;
  storage: { removeObject(key: string): Promise<void> };
  settings: { outputFolder: string; expirationDays: number; storageTimeoutMs: number };
  /** One file deleted from storage. */
  onFileRemoved?(): void;
  /** The storage refused (or did not answer) one file's deletion; the job retries. */
  onStorageError?(): void;
  /** Every file of the recording is gone and it is marked so. */
  onExpired?(recording: Recording): void;
}

/**
 * Removes every file (composite and tracks) of one expired recording, queued by the expiry
 * sweep. It runs under the recording's row lock (ExpiryStore.removeExpiredFiles): a PATCH
 * is_permanent waits for it or is seen by it, and a second run of the same job (another
 * instance after a lost lease) waits, then finds the work done. A storage error leaves that
 * file and the recording unmarked and the job retries with backoff; a permanent recording, or
 * one no longer expired, is left alone (cancelled: the sweep queues it again if that changes).
 */
export function expireFilesJob(deps: ExpireFilesDeps): JobHandler {
  const { store, storage, settings } = deps;
  return {
    kind: EXPIRE_FILES_KIND,
    // The lock and one bounded storage call per file; a recording with many tracks takes a few of them.
    leaseMs: settings.storageTimeoutMs * 20 + 60_000,
    // Retried for about a day; a job given up is queued again by the next sweep, so no expired file stays for good.
    retry: { maxAttempts: 30, baseMs: 30_000, maxMs: 3_600_000 },

    async run(job: Job): Promise<JobOutcome> {
      const recordingId = job.recordingId!;
      const outcome = await store.removeExpiredFiles(recordingId, settings.expirationDays, async (relativeKey) => {
        try {
          await storage.removeObject(fileKey(settings.outputFolder, relativeKey));
        } catch (err) {
          deps.onStorageError?.();
          throw err;
        }
        deps.onFileRemoved?.();
      });
      switch (outcome.result) {
        case 'gone':
          return { status: 'cancelled', reason: 'the recording is gone' };
        case 'already_removed':
          return { status: 'done' };
        case 'kept':
          return { status: 'cancelled', reason: `files kept: ${outcome.reason.replace('_', ' ')}` };
        case 'incomplete': {
          const first = outcome.failed[0]!;
          const error = `${outcome.failed.length} file(s) not removed (${first.relativeKey}: ${scrubError(first.error)})`;
          log.warn({ recordingId, removed: outcome.removed, failed: outcome.failed.length, reason: scrubError(first.error) }, 'storage refused to remove expired files; will retry');
          return { status: 'retry', error };
        }
        case 'expired':
          log.info({ recordingId, files: outcome.removed }, 'expired recording: its files were removed from storage');
          deps.onExpired?.(outcome.recording);
          return { status: 'done' };
      }
    },
  };
}
