import type { AppConfig } from '../../../config/config';
import { childLogger } from '../../../logging/logger';
import { WorkerError, type StartRequest, type StopOutcome, type WorkerService, type WorkerState } from '../worker-service';
import { isAvailable, UPLOAD_CAPABILITY_PARAM, type JibriStatusReport, type StartServiceBody } from './jibri-api';
import type { JibriInstance, JibriPoolOptions, PoolInstanceView } from './jibri-pool';
import { busyWithOther, JibriPool, movedOn } from './jibri-pool';
import { inCompletionOrder } from './in-completion-order';
import type { JibriPoolStore, PoolRow } from './pool-store';
import { newUploadCapability } from '../../upload-capability';
import type { UploadCapabilityRecorder } from '../../store/jibri-upload-store';
import { JibriRecorders } from './jibri-recorders';
import { JibriStatusReports } from './status-reports';
import { formatWorkerId, parseWorkerId, sessionIdFor } from './worker-id';

const log = childLogger('jibri-worker');

type Probe = { instance: JibriInstance; report?: JibriStatusReport; error?: WorkerError };

/**
 * A WorkerService on a pool of Jibri instances (Jitsi recordings). One Jibri records one meeting
 * at a time; it writes the MP4 locally and its finalize script (deploy/jibri/finalize.sh) uploads
 * it to the bucket under the recording's object key, through a pre-signed URL from this service.
 *
 * Worker id: `<instance key>#<recording id>` (see worker-id.ts); the recording id is also the
 * Jibri `sessionId`, hence the name of the session's recording directory. The pool's state
 * (reservations, last reports) is shared by every service instance on the database, so any of
 * them can stop, inspect or find a recording another one started.
 */
export class JibriWorker implements WorkerService {
  readonly kind = 'jibri' as const;
  readonly startDeadlineMs: number;
  readonly pool: JibriPool;
  /** Its status webhook: the pool's view kept current, sessions found over. */
  readonly statusReports = new JibriStatusReports(this);
  /** Its instances as operators see them: states, drain, the health poll. */
  readonly recorders: JibriRecorders;
  private readonly missing: string | undefined;

  constructor(
    private readonly config: AppConfig,
    store: JibriPoolStore,
    private readonly capabilities: UploadCapabilityRecorder,
    options: JibriPoolOptions = {},
  ) {
    const { urls, ids, jitsiBaseUrl } = config.jibri;
    this.pool = new JibriPool(urls, ids, config.workers.timeoutMs, store, options);
    this.recorders = new JibriRecorders(this.pool);
    // All health probes at once, then startService on each instance in turn until one takes it.
    this.startDeadlineMs = config.workers.timeoutMs * (this.pool.instances.length + 1);
    if (urls.length === 0 || !jitsiBaseUrl) {
      this.missing = `The jibri worker is not configured: set ${urls.length === 0 ? 'JIBRI_URLS' : 'JITSI_BASE_URL'}.`;
    }
  }

  /** For the status webhook: record what Jibri pushed, for every service instance. False when the instance is unknown. */
  reportStatus(instanceKey: string, report: JibriStatusReport): Promise<boolean> {
    return this.pool.reportStatus(instanceKey, report);
  }

  /** For the status webhook: the instance key of the JIBRI_URLS entry at `index`, or null. */
  instanceKeyAt(index: number): string | null {
    return this.pool.instanceKeyAt(index);
  }

  /**
   * For the status webhook: asks the instance itself (health API) whether it is busy, before a
   * BUSY report is believed. False when it says otherwise or cannot be reached.
   */
  async confirmsBusy(instanceKey: string): Promise<boolean> {
    const instance = this.pool.instance(instanceKey);
    if (!instance) return false;
    try {
      const seen = await this.pool.viewOf(instanceKey);
      const { report } = await this.pool.probe(instance, seen);
      return report.busyStatus === 'BUSY';
    } catch {
      return false;
    }
  }

  /** For the status webhook: the instance key a Jibri `jibriId` stands for, or null. */
  instanceKeyForJibriId(jibriId: string): string | null {
    return this.pool.instanceKeyForJibriId(jibriId);
  }

  poolStatus(): Promise<PoolInstanceView[]> {
    return this.pool.snapshot();
  }

  /**
   * Probe every instance at once and try the ones answering idle and healthy, in the order
   * they answer, so one slow instance does not hold the start back. Each is reserved in the
   * shared pool first (a start in another service process cannot take it meanwhile); a 412
   * (busy, e.g. taken by a client outside this database) moves on to the next one.
   */
  async start(request: StartRequest): Promise<string> {
    this.ensureConfigured();
    if (!request.room || !request.recordingId) {
      throw new WorkerError('rejected', 'a Jibri recording needs a room and a recording id', 'jibri');
    }
    // A replacement goes to another Jibri when one is free, and back to a given-up one only when none is.
    const avoided = new Set((request.avoid ?? []).map((id) => parseWorkerId(id)?.instanceKey));
    const others = this.pool.instances.filter((i) => !avoided.has(i.key));
    if (others.length === this.pool.instances.length) return this.startOn(this.pool.instances, request);
    try {
      return await this.startOn(others, request);
    } catch (err) {
      if (!(err instanceof WorkerError) || err.code !== 'unavailable') throw err;
      return this.startOn(this.pool.instances.filter((i) => avoided.has(i.key)), request);
    }
  }

  private async startOn(instances: readonly JibriInstance[], request: StartRequest): Promise<string> {
    // The pool reserves, and the worker id names, the session: a resumed stretch is one of its own.
    const sessionId = sessionIdFor(request.recordingId, request.stretch);
    const seen = await this.pool.view();
    const probes = instances.map((instance) =>
      this.pool.probe(instance, seen.get(instance.key) ?? null).then(
        ({ report }): Probe => ({ instance, report }),
        (err: unknown): Probe => ({ instance, error: asWorkerError(err) }),
      ),
    );
    let failure: WorkerError | undefined;
    for await (const probe of inCompletionOrder(probes)) {
      const { instance, report } = probe;
      if (!report || !isAvailable(report)) continue;
      if (!(await this.pool.tryReserve(instance.key, sessionId, this.startDeadlineMs))) continue;
      let answer: 'started' | 'busy';
      try {
        answer = await instance.client.startService(await this.startBodyWithCapability(request, instance.key, sessionId));
      } catch (err) {
        const error = asWorkerError(err);
        if (error.code === 'timeout') {
          // Jibri may have started anyway: keep the instance reserved for this recording until a
          // health probe shows it idle (findByRecording can then still find it).
          await this.pool.confirm(instance.key, sessionId, false);
          throw error;
        }
        await this.pool.release(instance.key, sessionId);
        log.warn({ instance: instance.key, recordingId: request.recordingId, code: error.code }, 'jibri did not take the recording');
        failure = error;
        continue;
      }
      if (answer === 'busy') {
        await this.pool.release(instance.key, sessionId);
        continue;
      }
      await this.pool.confirm(instance.key, sessionId, true);
      log.info({ instance: instance.key, recordingId: request.recordingId, stretch: request.stretch }, 'jibri recording started');
      return formatWorkerId(instance.key, sessionId);
    }
    throw failure ?? new WorkerError('unavailable', 'no recorder available', 'jibri');
  }

  /** Stops the session if the instance still records it; an instance already idle means it ended. */
  async stop(workerId: string): Promise<StopOutcome> {
    this.ensureConfigured();
    const { instance, recordingId } = this.resolve(workerId);
    const seen = await this.pool.viewOf(instance.key);
    if (movedOn(seen, recordingId)) return 'stopped';
    const { report, row } = await this.pool.probe(instance, seen).catch((err: unknown) => {
      throw asWorkerError(err);
    });
    // A start may have taken the instance between that look and the answer: BUSY is then its session.
    if (movedOn(row, recordingId)) return 'stopped';
    if (report.busyStatus === 'BUSY' && !busyWithOther(row ?? seen, recordingId)) {
      try {
        await instance.client.stopService();
      } catch (err) {
        throw asWorkerError(err);
      }
    }
    await this.pool.release(instance.key, recordingId);
    log.info({ instance: instance.key, recordingId }, 'jibri recording stopped');
    return 'stopped';
  }

  async inspect(workerId: string): Promise<WorkerState> {
    this.ensureConfigured();
    const { instance, recordingId } = this.resolve(workerId);
    let seen: PoolRow | null;
    let report: JibriStatusReport;
    let row: PoolRow | null;
    try {
      seen = await this.pool.viewOf(instance.key);
      if (movedOn(seen, recordingId)) return { state: 'ended', outcome: 'complete' };
      ({ report, row } = await this.pool.probe(instance, seen));
    } catch {
      return { state: 'unknown' };
    }
    if (movedOn(row, recordingId)) return { state: 'ended', outcome: 'complete' }; // taken since (see stop)
    // Jibri's HTTP API has no session status (its XMPP `ON`): busy with this session and healthy
    // stands for ON; busy but unhealthy is a session that has not started recording properly.
    if (report.busyStatus === 'BUSY' && !busyWithOther(row ?? seen, recordingId)) return report.healthStatus === 'HEALTHY' ? { state: 'active' } : { state: 'starting' };
    return { state: 'ended', outcome: 'complete' };
  }

  /**
   * Jibri's HTTP API does not tell which session an instance runs. So only an instance that the
   * shared pool holds reserved for the recording (or whose status webhook named the session)
   * and that is still busy is reported, whichever service process started it; a start made by
   * a client outside this database is not found. A reservation whose start never confirmed (its
   * process died) counts while no other has been made since: the reconciler looks only after
   * the start's lease, when that reservation has lapsed, and Jibri may have started.
   */
  async findByRecording(request: StartRequest): Promise<string | null> {
    this.ensureConfigured();
    const view = await this.pool.view();
    const candidates = this.pool.instances.filter((i) => {
      const row = view.get(i.key);
      return row?.reservedFor === request.recordingId || row?.sessionId === request.recordingId || row?.lastReservedFor === request.recordingId;
    });
    for (const instance of candidates) {
      const seen = view.get(instance.key) ?? null;
      let probed: { report: JibriStatusReport; row: PoolRow | null };
      try {
        probed = await this.pool.probe(instance, seen);
      } catch (err) {
        throw asWorkerError(err);
      }
      if (probed.report.busyStatus === 'BUSY' && !busyWithOther(probed.row ?? seen, request.recordingId)) {
        return formatWorkerId(instance.key, request.recordingId);
      }
    }
    return null;
  }

  /**
   * Each instance asked gets its own upload capability, its hash stored on the recording (a
   * resumed stretch: on that stretch, with the instance) first:
   * the last instance asked is the one that took it (or whose answer timed out), so only that
   * Jibri holds the capability that counts. A recording row that is gone takes none (its upload
   * is then refused), which is logged.
   */
  private async startBodyWithCapability(request: StartRequest, instanceKey: string, sessionId: string): Promise<StartServiceBody> {
    const { capability, hash } = newUploadCapability();
    const recorded = request.stretch
      ? await this.capabilities.recordPartCapability(request.recordingId, request.stretch, instanceKey, hash)
      : await this.capabilities.recordCapability(request.recordingId, hash);
    if (!recorded) {
      log.warn({ recordingId: request.recordingId, stretch: request.stretch }, 'no recording row to hold the upload capability: its upload will be refused');
    }
    return this.startBody(request, sessionId, capability);
  }

  private startBody(request: StartRequest, sessionId: string, uploadCapability: string): StartServiceBody {
    const body: StartServiceBody = {
      sessionId,
      callParams: {
        callUrlInfo: {
          // Jibri opens `${baseUrl}/${callName}` as is: encoding keeps a room name from adding
          // path segments or a `#config...` fragment (plain names like "weekly-sync" are unchanged).
          baseUrl: this.config.jibri.jitsiBaseUrl!,
          callName: encodeURIComponent(request.room!),
          // See UPLOAD_CAPABILITY_PARAM: reaches metadata.json, never the browser or Jibri's logs.
          urlParams: [`${UPLOAD_CAPABILITY_PARAM}=${uploadCapability}`],
        },
      },
      sinkType: 'file',
    };
    const xmpp = this.config.jibri.xmpp;
    if (xmpp) body.callLoginParams = { domain: xmpp.domain, username: xmpp.username, password: xmpp.password };
    return body;
  }

  private resolve(workerId: string): { instance: JibriInstance; recordingId: string } {
    const parsed = parseWorkerId(workerId);
    if (!parsed) throw new WorkerError('not_found', 'not a Jibri worker id', 'jibri');
    const instance = this.pool.instance(parsed.instanceKey);
    if (!instance) throw new WorkerError('not_found', 'the Jibri instance of this recording is no longer in JIBRI_URLS', 'jibri');
    return { instance, recordingId: parsed.recordingId };
  }

  private ensureConfigured(): void {
    if (this.missing) throw new WorkerError('not_configured', this.missing, 'jibri');
  }
}

function asWorkerError(err: unknown): WorkerError {
  if (err instanceof WorkerError) return err;
  return new WorkerError('invalid_response', err instanceof Error ? err.message : String(err), 'jibri');
}
