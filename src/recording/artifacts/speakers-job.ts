import type { Job, JobHandler, JobOutcome } from '../../jobs/job';
import { childLogger } from '../../logging/logger';
import type { ArtifactObjects } from '../../storage/artifact-objects';
import { fileKey } from '../object-key';
import type { Recording } from '../recording';
import type { ArtifactService } from './artifact-service';
import { detectSilences, speakingSegments, type SpeechDetectionSettings } from './speech-detection';

import { SPEAKERS_JOB_KIND } from './artifact-job-kinds';

const log = childLogger('speakers');

export interface SpeakersJobDeps {
  findById(id: string): Promise<Recording | null>;
  artifacts: ArtifactService;
  /** Unset without a storage: the job has nothing to read. */
  objects?: ArtifactObjects;
  settings: SpeechDetectionSettings & { outputFolder: string };
}

const seconds = (iso: string | null) => (iso ? Date.parse(iso) / 1000 : null);

/**
 * Who spoke when: each saved participant track streamed from the bucket through silencedetect,
 * its speech placed on the composite's time line (the track's `started_at` against the
 * composite's), written as the `speakers.json` artifact. One at a time per instance: each run
 * holds an ffmpeg per track in turn.
 */
export function speakersJob(deps: SpeakersJobDeps): JobHandler {
  return {
    kind: SPEAKERS_JOB_KIND,
    leaseMs: 30 * 60_000,
    maxInFlight: 1,
    retry: { maxAttempts: 5, baseMs: 30_000, maxMs: 600_000 },
    async run(job: Job): Promise<JobOutcome> {
      const objects = deps.objects;
      if (!objects) return { status: 'cancelled', reason: 'no storage is configured' };
      const recording = await deps.findById(job.recordingId!);
      if (!recording) return { status: 'cancelled', reason: 'the recording was deleted' };
      if (!deps.artifacts.writable(recording)) return { status: 'cancelled', reason: 'the recording is not saved or has expired' };
      const tracks = recording.files.filter((f) => f.kind === 'track' && f.status === 'saved');
      if (tracks.length === 0) return { status: 'cancelled', reason: 'no participant track was saved' };
      const composite = recording.files.find((f) => f.kind === 'composite');
      const origin = seconds(composite?.startedAt ?? null) ?? Math.min(...tracks.map((t) => seconds(t.startedAt) ?? Number.POSITIVE_INFINITY));
      const speakers = [];
      const began = Date.now();
      for (const track of tracks) {
        const audio = await objects.get(fileKey(deps.settings.outputFolder, track.relativeKey));
        if (!audio) return { status: 'retry', error: `track ${track.trackId ?? track.relativeKey} is not in storage` };
        const report = await detectSilences(audio, deps.settings);
        const start = seconds(track.startedAt);
        const offset = start !== null && Number.isFinite(origin) ? start - origin : 0;
        speakers.push({ identity: track.participantIdentity ?? '', name: track.participantName ?? '', segments: speakingSegments(report, offset) });
      }
      const body = Buffer.from(JSON.stringify({ speakers }));
      await deps.artifacts.write({ recordingId: recording.id, name: 'speakers.json', extension: 'json', contentType: 'application/json' }, body);
      log.info({ recordingId: recording.id, tracks: tracks.length, ms: Date.now() - began }, 'speaker time line written');
      return { status: 'done' };
    },
  };
}
