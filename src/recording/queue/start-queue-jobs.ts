import type { WorkerKind } from '../../config/config';
import type { JobHandler, RecurringTask } from '../../jobs/job';
import type { StartQueue } from './start-queue';
import { START_QUEUE_PASS_KIND, START_QUEUE_TRY_KIND, type StartQueueTryPayload } from './start-queue-kinds';

/** How often the recurring pass runs (deadlines, orphaned starts, the periodic tries). */
export const START_QUEUE_PASS_MS = 1000;

/** A recorder of the payload's kind was freed: serve that kind's queue now. */
export function startQueueTryJob(queue: StartQueue, leaseMs: number): JobHandler<StartQueueTryPayload> {
  return {
    kind: START_QUEUE_TRY_KIND,
    leaseMs,
    retry: { maxAttempts: 3, baseMs: 500, maxMs: 5000 },
    async run(job) {
      await queue.serve(job.payload.workerKind as WorkerKind, true);
      return { status: 'done' };
    },
  };
}

export function startQueuePass(queue: StartQueue, leaseMs: number): RecurringTask {
  return { kind: START_QUEUE_PASS_KIND, intervalMs: START_QUEUE_PASS_MS, leaseMs, run: () => queue.pass() };
}
