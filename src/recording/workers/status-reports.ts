/** Who the credential of a status report says may have sent it (see auth/jibri-webhook-auth.ts). */
export interface ReportSender {
  /** The worker's own ids of the instances it may speak for (Jibri's `jibriId`). */
  jibriIds?: readonly string[];
  /** The position of the one instance it may speak for in the worker's configured list. */
  instanceIndex?: number;
}

/** The job of a live recording, for a status report to judge. */
export interface LiveJob {
  recordingId: string;
  workerId: string;
  /** When the recording became active. */
  activeSince: Date;
}

/** What a worker made of a status report. */
export type ReportReceipt =
  | { outcome: 'malformed' | 'unknown_instance' | 'wrong_sender' }
  /** `ended`: the worker ids of the live jobs the report (checked with the instance) shows over. */
  | { outcome: 'recorded'; instance: string; status: string; ended: string[] };

/**
 * Status reports a worker's instances push on their own (Jibri's status webhook): an optional
 * capability of a WorkerService. Like every worker call it never touches the database: it keeps
 * the worker's own view of its instances, and says which jobs are over; the caller writes that.
 */
export interface InstanceStatusReports {
  /** `liveJobs`: the live recordings of this worker kind, read once the report is recorded. */
  receive(body: unknown, sender: ReportSender, liveJobs: () => Promise<LiveJob[]>): Promise<ReportReceipt>;
}
