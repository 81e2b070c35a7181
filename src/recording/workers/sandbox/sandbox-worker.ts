import { randomUUID } from 'node:crypto';
import type { AppConfig } from '../../../config/config';
import { childLogger } from '../../../logging/logger';
import { ObjectStorage } from '../../../storage/object-storage';
import type { ParticipantTrackWorker, PublishedAudioTrack, TrackEgressState } from '../participant-tracks';
import { WorkerError, type StartRequest, type StopOutcome, type WorkerService, type WorkerState } from '../worker-service';
import type { PretendVoice, SandboxMedia } from './ffmpeg-args';
import { probeFfmpeg, type FfmpegSupport } from './ffmpeg-probe';
import { SandboxJob, type JobSpec } from './sandbox-job';

const log = childLogger('sandbox-worker');

export type SandboxKind = 'sandbox' | 'sandbox-audio';

/** Without RECORDING_MAX_DURATION, no sandbox process runs longer than this. */
export const SAFETY_LIMIT_MS = 6 * 3600_000;
/** The longest a Node timer waits (about 24 days, less the watchdog's margin): a longer limit would fire at once. */
const LONGEST_TIMER_MS = 2 ** 31 - 1 - 60_000;
/** How long a job that is over is still known by its id (the reconciler asks about stopped recordings). */
const KEEP_ENDED_JOBS_MS = 24 * 3600_000;

/**
 * The two people the sandbox pretends are in every room, each with a tone of their own: in every
 * 4 s, Alice talks for the first 2 s, Bob from 1.5 s to 3.5 s (half a second over her), and both
 * are silent for the last half second.
 */
export const SANDBOX_PARTICIPANTS: readonly (PublishedAudioTrack & { voice: PretendVoice })[] = [
  { trackId: 'TR_SandboxAlice', identity: 'sandbox-alice', name: 'Alice (sandbox)', voice: { frequency: 330, talksFromS: 0, talksToS: 2 } },
  { trackId: 'TR_SandboxBob', identity: 'sandbox-bob', name: 'Bob (sandbox)', voice: { frequency: 550, talksFromS: 1.5, talksToS: 3.5 } },
];

/**
 * What the sandbox's jobs share: the storage, one ffmpeg probe (made at start-up), every job by
 * id. Jobs live in this process only: a restarted service knows none of them, like a lost egress.
 */
export class SandboxJobs {
  private readonly jobs = new Map<string, SandboxJob>();
  readonly support: Promise<FfmpegSupport>;
  private readonly storage: ObjectStorage;

  constructor(
    private readonly config: AppConfig,
    storage: NonNullable<AppConfig['storage']>,
  ) {
    this.storage = new ObjectStorage(storage);
    const ffmpegPath = config.workers.sandbox.ffmpegPath;
    const probed = probeFfmpeg(ffmpegPath).catch((err: unknown): FfmpegSupport => ({ available: false, reason: err instanceof Error ? err.message : String(err) }));
    this.support = probed.then((support) => {
      if (!support.available) log.warn({ ffmpeg: ffmpegPath, reason: support.reason }, 'sandbox worker: ffmpeg cannot be run; every sandbox recording will be the bundled 5 s clip');
      else log.info({ ffmpeg: ffmpegPath, text: support.text !== null, diesWithService: support.command.length > 1 }, support.text ? 'sandbox worker records with ffmpeg' : 'sandbox worker records with ffmpeg, without text (drawtext or a font is missing)');
      return support;
    });
  }

  get startTimeoutMs(): number {
    return this.config.workers.timeoutMs;
  }

  async start(kind: SandboxKind, spec: Omit<JobSpec, 'id' | 'limitMs'>): Promise<string> {
    const id = `SB_${randomUUID()}`;
    this.forgetOldJobs();
    try {
      const support = await this.support;
      const limitMs = Math.min(this.config.recording.maxDurationMs ?? SAFETY_LIMIT_MS, LONGEST_TIMER_MS);
      const job = await SandboxJob.start(
        { ...spec, id, limitMs },
        { storage: this.storage, support, startTimeoutMs: this.startTimeoutMs },
      );
      this.jobs.set(id, job);
      log.info({ kind, jobId: id, room: spec.room, media: spec.media.type }, 'sandbox recording started');
      return id;
    } catch (err) {
      throw new WorkerError('rejected', `sandbox recording did not start: ${err instanceof Error ? err.message : String(err)}`, kind);
    }
  }

  async stop(kind: SandboxKind, jobId: string): Promise<StopOutcome> {
    const job = this.jobs.get(jobId);
    if (!job) throw new WorkerError('not_found', `the sandbox worker has no job ${jobId}`, kind);
    try {
      return await job.stop();
    } catch (err) {
      throw new WorkerError('rejected', `sandbox recording did not stop: ${err instanceof Error ? err.message : String(err)}`, kind);
    }
  }

  /** Jobs over for a day are forgotten (then they read as unknown, as a purged egress does). */
  private forgetOldJobs(): void {
    const before = Date.now() - KEEP_ENDED_JOBS_MS;
    for (const [id, job] of this.jobs) if (job.endedAtMs !== null && job.endedAtMs < before) this.jobs.delete(id);
  }

  inspect(jobId: string): WorkerState {
    return this.jobs.get(jobId)?.state() ?? { state: 'unknown' };
  }

  findByRecording(recordingId: string): string | null {
    for (const [id, job] of this.jobs) {
      const { state } = job.state();
      if (job.spec.recordingId === recordingId && (state === 'starting' || state === 'active')) return id;
    }
    return null;
  }

  inRoom(room: string): Map<string, TrackEgressState> {
    const states = new Map<string, TrackEgressState>();
    for (const [id, job] of this.jobs) if (job.spec.room === room) states.set(id, { state: job.state(), endedAtMs: job.endedAtMs });
    return states;
  }

  /** Service shutdown: every process killed, temporary files removed, the storage's connections closed. */
  async close(): Promise<void> {
    await Promise.all([...this.jobs.values()].map((job) => job.kill()));
    this.jobs.clear();
    this.storage.close();
  }
}

/** The sandbox's pretend participants: one OGG per participant, under the key the track mediator gives. */
class SandboxTrackWorker implements ParticipantTrackWorker {
  constructor(
    private readonly jobs: SandboxJobs,
    private readonly kind: SandboxKind,
  ) {}

  listAudioTracks(): Promise<PublishedAudioTrack[]> {
    return Promise.resolve(SANDBOX_PARTICIPANTS.map(({ trackId, identity, name }) => ({ trackId, identity, name })));
  }

  startTrack(room: string, trackId: string, objectKey: string): Promise<string> {
    const participant = SANDBOX_PARTICIPANTS.find((p) => p.trackId === trackId);
    if (!participant) return Promise.reject(new WorkerError('not_found', `the sandbox has no track ${trackId}`, this.kind));
    const media: SandboxMedia = { type: 'voice', voice: participant.voice };
    return this.jobs.start(this.kind, { room, recordingId: null, objectKey, media });
  }

  stopTrack(egressId: string): Promise<StopOutcome> {
    return this.jobs.stop(this.kind, egressId);
  }

  roomEgresses(room: string): Promise<Map<string, TrackEgressState>> {
    return Promise.resolve(this.jobs.inRoom(room));
  }
}

/**
 * A recorder that needs no media server: a test picture and tone (`sandbox`, MP4) or a tone
 * (`sandbox-audio`, OGG) for as long as the recording runs, uploaded to the recording's object
 * key on stop, with two pretend participants' tracks when asked. For development and for host
 * applications' tests.
 */
export class SandboxWorker implements WorkerService {
  readonly participantTracks: ParticipantTrackWorker;

  constructor(
    readonly kind: SandboxKind,
    private readonly jobs: SandboxJobs,
  ) {
    this.participantTracks = new SandboxTrackWorker(jobs, kind);
  }

  get startDeadlineMs(): number {
    return this.jobs.startTimeoutMs;
  }

  start(request: StartRequest): Promise<string> {
    const media: SandboxMedia = { type: this.kind === 'sandbox' ? 'video' : 'audio' };
    return this.jobs.start(this.kind, { room: request.room, recordingId: request.recordingId, objectKey: request.objectKey, media });
  }

  stop(workerId: string): Promise<StopOutcome> {
    return this.jobs.stop(this.kind, workerId);
  }

  inspect(workerId: string): Promise<WorkerState> {
    return Promise.resolve(this.jobs.inspect(workerId));
  }

  findByRecording(request: StartRequest): Promise<string | null> {
    return Promise.resolve(this.jobs.findByRecording(request.recordingId));
  }

  close(): Promise<void> {
    return this.jobs.close();
  }
}
