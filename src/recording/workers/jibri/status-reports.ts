import { childLogger } from '../../../logging/logger';
import type { InstanceStatusReports, LiveJob, ReportReceipt, ReportSender } from '../status-reports';
import type { WorkerState } from '../worker-states';
import { parseJibriStatusEvent, type JibriStatusEvent, type JibriStatusReport } from './jibri-api';
import { DEFAULT_WEBHOOK_GRACE_MS } from './jibri-pool';
import { parseWorkerId } from './worker-id';

const log = childLogger('jibri-webhook');

/** What the reports need of the Jibri worker (JibriWorker has it all). */
export interface JibriInstances {
  instanceKeyForJibriId(jibriId: string): string | null;
  instanceKeyAt(index: number): string | null;
  reportStatus(instanceKey: string, report: JibriStatusReport): Promise<boolean>;
  confirmsBusy(instanceKey: string): Promise<boolean>;
  inspect(workerId: string): Promise<WorkerState>;
}

/**
 * Jibri's status webhook, `{jibriId, status: {busyStatus, health: {healthStatus}}}` on every
 * change and once a minute (jitsi/jibri doc/webhooks.md): it keeps the pool's view current and
 * says which recordings' sessions are over without a stop request (the meeting ended, Jibri
 * crashed and restarted).
 */
export class JibriStatusReports implements InstanceStatusReports {
  constructor(
    private readonly jibri: JibriInstances,
    /**
     * A webhook may have been sent before a start we made since (Jibri gives each request 2 s and
     * retries none). Where no live probe backs it, its word only ends recordings older than this.
     */
    private readonly graceMs = DEFAULT_WEBHOOK_GRACE_MS,
  ) {}

  async receive(body: unknown, sender: ReportSender, liveJobs: () => Promise<LiveJob[]>): Promise<ReportReceipt> {
    const parsed = parseJibriStatusEvent(body);
    if (!parsed) return { outcome: 'malformed' };
    if (sender.jibriIds && !sender.jibriIds.includes(parsed.jibriId)) return wrongJibri();
    const instanceKey = this.jibri.instanceKeyForJibriId(parsed.jibriId);
    if (!instanceKey) {
      log.warn({ busyStatus: parsed.busyStatus }, 'status from a jibriId that matches no JIBRI_URLS instance (see JIBRI_IDS)');
      return { outcome: 'unknown_instance' };
    }
    if (sender.instanceIndex !== undefined && this.jibri.instanceKeyAt(sender.instanceIndex) !== instanceKey) return wrongJibri();
    // A report under the pool-wide token could come from any Jibri: it does not get to say whose
    // session runs where (the pool view keeps what the instance itself said).
    const bound = sender.jibriIds !== undefined || sender.instanceIndex !== undefined;
    const event: JibriStatusEvent = bound ? parsed : { jibriId: parsed.jibriId, busyStatus: parsed.busyStatus, healthStatus: parsed.healthStatus };
    await this.jibri.reportStatus(instanceKey, event);
    const ended = await this.endedJobs(instanceKey, event, await liveJobs());
    return { outcome: 'recorded', instance: instanceKey, status: event.busyStatus, ended };
  }

  /**
   * The jobs on this instance whose session is over. The webhook alone is not trusted (it may be
   * older than a start we made since): an IDLE/EXPIRED report is checked with a health probe
   * through `inspect`; only when the instance cannot be reached does the report end jobs, and
   * then only ones older than the grace period. A BUSY report naming another session (some Jibri
   * versions send `sessionId`; only a credential bound to this Jibri may say it) ends older jobs
   * on that instance too, once the instance's health API confirms BUSY.
   */
  private async endedJobs(instanceKey: string, event: JibriStatusEvent, jobs: LiveJob[]): Promise<string[]> {
    const onInstance = jobs.filter((job) => parseWorkerId(job.workerId)?.instanceKey === instanceKey);
    const ended: string[] = [];
    let busyConfirmed: Promise<boolean> | undefined;
    for (const job of onInstance) {
      if (event.busyStatus === 'BUSY') {
        if (event.sessionId === undefined || event.sessionId === job.recordingId || !this.settled(job)) continue;
        busyConfirmed ??= this.jibri.confirmsBusy(instanceKey);
        if (await busyConfirmed) ended.push(job.workerId);
        continue;
      }
      const state = await this.jibri.inspect(job.workerId).catch(() => ({ state: 'unknown' as const }));
      if (state.state === 'ended' || (state.state === 'unknown' && this.settled(job))) ended.push(job.workerId);
    }
    return ended;
  }

  /** Active for longer than the grace period. */
  private settled(job: LiveJob): boolean {
    return Date.now() - job.activeSince.getTime() >= this.graceMs;
  }
}

function wrongJibri(): ReportReceipt {
  log.warn('status webhook for a jibriId its credential does not belong to: refused');
  return { outcome: 'wrong_sender' };
}
