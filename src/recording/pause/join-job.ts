import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Job, JobHandler, JobOutcome } from '../../jobs/job';
import { childLogger } from '../../logging/logger';
import type { ObjectStorage } from '../../storage/object-storage';
import { AUDIO_ONLY_KINDS, fileKey } from '../object-key';
import { scrubDetail } from '../reason';
import type { Recording } from '../recording';
import type { RecordingFileStore } from '../store/file-store';
import type { RecordingPart, RecordingPartStore } from '../store/part-store';
import type { RecordingStore } from '../store/recording-store';
import { JOIN_PARTS_KIND } from './join-job-kind';
import { planJoin, runFfmpeg, type JoinTools } from './join-media';

const log = childLogger('join');

/** The joined file says how many parts it was made of: a rerun after a crash knows the join is done. */
export const JOINED_PARTS_META = 'recorder-joined-parts';

export interface JoinDeps {
  store: RecordingStore;
  parts: RecordingPartStore;
  files: RecordingFileStore;
  storage: ObjectStorage;
  settings: JoinTools & {
    outputFolder: string;
    /** RECORDING_JOIN_TIMEOUT_SECONDS: one join's ffmpeg and upload, each. */
    timeoutMs: number;
  };
  /** One file joined: whether by stream copy, and how long it took. */
  onJoined?(copy: boolean, seconds: number): void;
}

/**
 * Makes one file of each of a stopped recording's files from its parts, then saves it. Every
 * step can be repeated, so a crash anywhere leaves the parts or the joined file and the next
 * attempt finishes: (1) each part not yet stored is looked for in storage (a first stretch,
 * written at the file's own key, is copied server-side under parts/); one that never arrives
 * is failed by the reconciler after its grace, with the recording's reason; (2) each file is
 * joined by ffmpeg from pre-signed URLs into a temporary file,
 * uploaded to the file's key with the number of parts in its metadata (an upload either
 * completes or leaves nothing), then its parts are removed; (3) the tracks and the composite
 * are saved by the statements of a normal save, which queue the email and recording.ready.
 */
export function joinPartsJob(deps: JoinDeps): JobHandler {
  const { parts, storage, settings } = deps;
  const key = (relativeKey: string) => fileKey(settings.outputFolder, relativeKey);

  /** Step 1 for one part: true when it is still to come. */
  async function settle(id: string, part: RecordingPart): Promise<boolean> {
    if (part.status !== 'recording' && part.status !== 'pending') return false;
    if (await storage.statObject(key(part.partKey))) {
      await parts.settle(id, part.partKey, 'stored', (await storage.statObject(key(part.partKey)))?.size ?? null);
      if (part.writtenKey !== part.partKey) await storage.removeObject(key(part.writtenKey));
      return false;
    }
    if (part.writtenKey !== part.partKey) {
      const written = await storage.objectMetadata(key(part.writtenKey));
      if (written && written[JOINED_PARTS_META] === undefined) {
        await storage.copyObject(key(part.writtenKey), key(part.partKey));
        await parts.settle(id, part.partKey, 'stored', (await storage.statObject(key(part.partKey)))?.size ?? null);
        await storage.removeObject(key(part.writtenKey));
        return false;
      }
    }
    // Still to come, or failed by the reconciler after RECONCILE_STOPPED_GRACE_MS (missing-parts.ts).
    return true;
  }

  /** Step 2 for one file: its size once joined, null when none of its parts arrived. */
  async function join(recording: Recording, file: string, own: RecordingPart[]): Promise<number | null> {
    const stored = own.filter((p) => p.status === 'stored');
    const joinedOf = (await storage.objectMetadata(key(file)))?.[JOINED_PARTS_META];
    if (stored.length > 0 && joinedOf !== String(stored.length)) await joinInto(recording, file, stored);
    if (stored.length === 0 && joinedOf === undefined) return null;
    for (const part of stored) await storage.removeObject(key(part.partKey));
    await parts.removed(recording.id, file);
    return (await storage.statObject(key(file)))?.size ?? null;
  }

  async function joinInto(recording: Recording, file: string, stored: RecordingPart[]): Promise<void> {
    const began = process.hrtime.bigint();
    const audioOnly = file.endsWith('.ogg');
    const workDir = await mkdtemp(path.join(os.tmpdir(), `recorder-join-${recording.id}-`));
    try {
      const ttl = Math.ceil(settings.timeoutMs / 1000) + 60;
      const urls = await Promise.all(stored.map((p) => storage.presignedGet(key(p.partKey), ttl)));
      const output = path.join(workDir, `joined.${audioOnly ? 'ogg' : 'mp4'}`);
      const plan = await planJoin(settings, urls, workDir, output, audioOnly);
      if (!plan.copy) log.warn({ recordingId: recording.id, file }, 'the parts differ in encoding: re-encoding them');
      await runFfmpeg(settings, plan.args, settings.timeoutMs);
      const { size } = await stat(output);
      const metadata = { 'Content-Type': audioOnly ? 'audio/ogg' : 'video/mp4', [`X-Amz-Meta-${JOINED_PARTS_META}`]: String(stored.length) };
      await storage.putStream(key(file), createReadStream(output), size, metadata, settings.timeoutMs);
      const seconds = Number(process.hrtime.bigint() - began) / 1e9;
      deps.onJoined?.(plan.copy, seconds);
      log.info({ recordingId: recording.id, file, parts: stored.length, copy: plan.copy, bytes: size, seconds }, 'parts joined');
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  }

  return {
    kind: JOIN_PARTS_KIND,
    // A takeover by another instance only after one join (ffmpeg, then the upload) could have finished.
    leaseMs: settings.timeoutMs * 2,
    // While parts are still to come it asks again, every few seconds at most (a landing part wakes it at once).
    retry: { maxAttempts: 2000, baseMs: 1000, maxMs: 15_000 },

    async run(job: Job): Promise<JobOutcome> {
      const id = job.recordingId!;
      const recording = await deps.store.findById(id);
      if (!recording) return { status: 'cancelled', reason: 'the recording is gone' };
      if (!['stopped', 'aborted', 'failed_to_stop', 'saved', 'notification_succeeded'].includes(recording.status)) {
        return { status: 'retry', error: `the recording is ${recording.status}` };
      }
      try {
        let waiting = 0;
        for (const part of await parts.partsOf(id)) if (await settle(id, part)) waiting += 1;
        if (waiting > 0) return { status: 'retry', error: `waiting for ${waiting} part(s)` };

        const all = await parts.partsOf(id);
        const byFile = new Map<string, RecordingPart[]>();
        for (const part of all) byFile.set(part.fileKey, [...(byFile.get(part.fileKey) ?? []), part]);
        const sizes = new Map<string, number | null>();
        for (const [file, own] of byFile) sizes.set(file, await join(recording, file, own));

        for (const file of recording.files) {
          const size = sizes.get(file.relativeKey);
          if (size === undefined) continue;
          if (file.kind === 'track' && file.trackId) {
            await deps.files.settleTrack(id, file.trackId, size === null ? 'failed' : 'saved', size);
          }
        }
        const composite = recording.files.find((f) => f.kind === 'composite');
        if (composite && sizes.get(composite.relativeKey) !== null) {
          await deps.store.markSaved(id, AUDIO_ONLY_KINDS.includes(recording.workerKind) ? AUDIO_ONLY_KINDS : undefined, sizes.get(composite.relativeKey) ?? null);
        }
        return { status: 'done' };
      } catch (err) {
        const error = scrubDetail(err instanceof Error ? err.message : String(err));
        log.warn({ recordingId: id, reason: error }, 'join failed; will retry');
        return { status: 'retry', error };
      }
    },
  };
}
