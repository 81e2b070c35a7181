/** The job that serves a worker kind's start queue now (a recorder of that kind was freed). */
export const START_QUEUE_TRY_KIND = 'recording.start-queue.try';
/** The recurring pass: deadlines, starts whose dispatcher died, and the periodic tries with backoff. */
export const START_QUEUE_PASS_KIND = 'recording.start-queue.pass';

export type StartQueueTryPayload = { workerKind: string };
