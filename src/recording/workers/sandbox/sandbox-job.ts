import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { childLogger } from '../../../logging/logger';
import type { ObjectStorage } from '../../../storage/object-storage';
import { CONTENT_TYPES } from '../../../storage/content-types';
import type { StopOutcome, WorkerState } from '../worker-service';
import { ffmpegArgs, type SandboxMedia } from './ffmpeg-args';
import type { FfmpegSupport } from './ffmpeg-probe';
import { FfmpegProcess, type FfmpegExit } from './ffmpeg-process';
import { uploadFile } from './upload';

const log = childLogger('sandbox-worker');

/** How long past its time limit a process may run before it is killed (ffmpeg stops itself at the limit). */
const WATCHDOG_MARGIN_MS = 30_000;

/** The clips shipped beside this file (copied to dist by `npm run build`), used when there is no ffmpeg. */
const CLIPS = { mp4: path.join(__dirname, 'clip.mp4'), ogg: path.join(__dirname, 'clip.ogg') };

export interface JobSpec {
  id: string;
  room: string;
  /** Set for a composite job (findByRecording looks for it); null for a participant track. */
  recordingId: string | null;
  objectKey: string;
  media: SandboxMedia;
  /** The recording's time limit: the file ends there as a LiveKit egress would. */
  limitMs: number;
}

export interface JobDeps {
  storage: ObjectStorage;
  support: FfmpegSupport;
  /** How long ffmpeg may take to begin recording. */
  startTimeoutMs: number;
}

type Phase = 'recording' | 'finishing' | 'ended' | 'failed';

type Source = { type: 'ffmpeg'; process: FfmpegProcess; dir: string; file: string } | { type: 'clip'; file: string };

/**
 * One recording job of the sandbox: an ffmpeg making a test picture or tone for as long as it
 * runs, or (without ffmpeg) the bundled clip. Once stopped or at its time limit its file is
 * uploaded under the object key; its state then reads as a LiveKit egress's would.
 */
export class SandboxJob {
  private phase: Phase = 'recording';
  private outcome: 'complete' | 'limit_reached' = 'complete';
  private error: string | undefined;
  private endedAt: number | null = null;
  private readonly timers: NodeJS.Timeout[] = [];
  /** Settles when the job has nothing left to do (uploaded or failed, temporary files removed). */
  private settled: Promise<void> = Promise.resolve();

  private constructor(
    readonly spec: JobSpec,
    private readonly deps: JobDeps,
    private readonly source: Source,
  ) {}

  static async start(spec: JobSpec, deps: JobDeps): Promise<SandboxJob> {
    const ext = spec.media.type === 'video' ? 'mp4' : 'ogg';
    if (!deps.support.available) {
      const job = new SandboxJob(spec, deps, { type: 'clip', file: CLIPS[ext] });
      job.later(spec.limitMs, () => job.end('limit_reached'));
      return job;
    }
    // Named by the job, so a folder left by a service killed outright says whose it was.
    const dir = await mkdtemp(path.join(os.tmpdir(), `sandbox-recording-${spec.id}-`));
    try {
      const roomTextPath = path.join(dir, 'room.txt');
      await writeFile(roomTextPath, spec.room);
      const file = path.join(dir, `recording.${ext}`);
      const args = ffmpegArgs({ media: spec.media, outputPath: file, roomTextPath, limitSeconds: spec.limitMs / 1000, text: deps.support.text });
      const [command, ...prefix] = deps.support.command;
      const ffmpeg = await FfmpegProcess.start(command, [...prefix, ...args], deps.startTimeoutMs);
      const job = new SandboxJob(spec, deps, { type: 'ffmpeg', process: ffmpeg, dir, file });
      void ffmpeg.exited.then((exit) => job.exitedByItself(exit));
      job.later(spec.limitMs + WATCHDOG_MARGIN_MS, () => ffmpeg.kill());
      return job;
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
  }

  get endedAtMs(): number | null {
    return this.endedAt;
  }

  state(): WorkerState {
    switch (this.phase) {
      case 'recording':
      case 'finishing': // the file is being finished and uploaded, as an egress that is ending
        return { state: 'active' };
      case 'ended':
        return { state: 'ended', outcome: this.outcome };
      case 'failed':
        return this.error ? { state: 'failed', error: this.error } : { state: 'failed' };
    }
  }

  /**
   * Ends the recording: ffmpeg is told to finish its file (so it is complete and playable) and the
   * upload starts; resolves once the file is finished. A job that ended already counts as stopped.
   */
  async stop(): Promise<StopOutcome> {
    if (this.phase === 'recording') await this.end('complete');
    return this.phase === 'failed' ? 'aborted' : 'stopped';
  }

  /**
   * Service shutdown: a job still recording is killed, uploads nothing and fails; an upload
   * already under way is waited for (bounded by its timeout). Temporary files are removed.
   */
  async kill(): Promise<void> {
    this.clearTimers();
    const wasRecording = this.phase === 'recording';
    if (wasRecording) this.phase = 'finishing';
    if (this.source.type === 'ffmpeg') {
      this.source.process.kill();
      await this.source.process.exited;
    }
    if (wasRecording) this.fail('the sandbox worker shut down while recording');
    await this.settled;
  }

  private async end(outcome: 'complete' | 'limit_reached'): Promise<void> {
    if (this.phase !== 'recording') return;
    this.phase = 'finishing';
    this.outcome = outcome;
    this.clearTimers();
    const { source } = this;
    if (source.type === 'ffmpeg' && !(await source.process.finish())) {
      this.fail(`ffmpeg did not finish the file: ${source.process.lastWords()}`);
      return;
    }
    this.settled = this.upload();
  }

  /** ffmpeg ended while still recording: at its time limit (`-t`, exit 0), or it failed. */
  private exitedByItself(exit: FfmpegExit): void {
    if (this.phase !== 'recording' || this.source.type !== 'ffmpeg') return;
    if (exit.code === 0) void this.end('limit_reached');
    else this.fail(`ffmpeg stopped: ${this.source.process.lastWords()}`);
  }

  private async upload(): Promise<void> {
    const { objectKey, media } = this.spec;
    const contentType = CONTENT_TYPES[media.type === 'video' ? 'mp4' : 'ogg'][0];
    try {
      const size = await uploadFile(this.deps.storage, objectKey, this.source.file, contentType);
      this.phase = 'ended';
      this.endedAt = Date.now();
      log.info({ jobId: this.spec.id, room: this.spec.room, objectKey, size, from: this.source.type }, 'sandbox recording uploaded');
    } catch (err) {
      this.fail(`upload failed: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      await this.removeFiles();
    }
  }

  private fail(error: string): void {
    this.phase = 'failed';
    this.error = error;
    this.endedAt = Date.now();
    this.clearTimers();
    log.warn({ jobId: this.spec.id, room: this.spec.room, error }, 'sandbox recording failed');
    this.settled = this.settled.then(() => this.removeFiles());
  }

  private async removeFiles(): Promise<void> {
    if (this.source.type === 'ffmpeg') await rm(this.source.dir, { recursive: true, force: true }).catch(() => undefined);
  }

  private later(ms: number, run: () => unknown): void {
    const timer = setTimeout(run, ms);
    timer.unref();
    this.timers.push(timer);
  }

  private clearTimers(): void {
    for (const timer of this.timers.splice(0)) clearTimeout(timer);
  }
}
