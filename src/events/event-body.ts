import type { Recording, RecordingFile } from '../recording/recording';
import type { DeliveryPayload, RecordingSnapshot } from './delivery';
import { reasonOf } from '../recording/reason';

/** The recording JSON of the API, as events carry it (the serializer lives with the HTTP layer). */
export type SerializeRecording = (recording: Recording) => Record<string, unknown> & { files: { key: string; status: string }[] };

export interface EventBodyDeps {
  serialize: SerializeRecording;
  /** A pre-signed GET URL for an object key (recording.ready's media_url); unset without storage. */
  presignGet?: (key: string) => Promise<string>;
  /** recording.ready's artifact token for one recording (see ArtifactTokens); unset: none is sent. */
  artifactToken?: (recordingId: string) => Promise<string>;
}

/** A snapshot back into a Recording (the JSON of a statement's row: dates are strings). */
export function reviveRecording(snapshot: RecordingSnapshot): Recording {
  const r = snapshot as unknown as Omit<Recording, 'createdAt' | 'updatedAt' | 'filesRemovedAt'> & { createdAt: string; updatedAt: string; filesRemovedAt?: string | null };
  return {
    ...r,
    createdAt: new Date(r.createdAt),
    updatedAt: new Date(r.updatedAt),
    // Absent from snapshots queued before the expiry sweep existed.
    filesRemovedAt: r.filesRemovedAt ? new Date(r.filesRemovedAt) : null,
    files: (r.files ?? []) as RecordingFile[],
  };
}

/**
 * The body of one delivery: `{type, timestamp, data}`. For a recording, `data` is the API's
 * recording JSON without `abilities`, plus `owners` (subs only: no address ever leaves in an
 * event) and, for recording.failed, `reason`. recording.ready's files get a `media_url` signed
 * at each attempt, so a retry an hour later still carries a URL that works, and its
 * `artifact_token` (when artifacts are enabled) is issued at each attempt too.
 */
export class EventBodies {
  constructor(private readonly deps: EventBodyDeps) {}

  async build(p: DeliveryPayload): Promise<string> {
    const data = p.recording ? await this.recordingData(p) : (p.data ?? {});
    return JSON.stringify({ type: p.type, timestamp: p.at, data });
  }

  private async recordingData(p: DeliveryPayload): Promise<Record<string, unknown>> {
    const json = this.deps.serialize(reviveRecording(p.recording!));
    const { abilities: _abilities, ...data } = json as typeof json & { abilities?: unknown };
    const out: Record<string, unknown> = { ...data, owners: p.owners ?? [] };
    // A snapshot queued before reasons were recorded has only the worker's words.
    if (p.type === 'recording.failed' && !data.reason) {
      out.reason = reasonOf(p.recording!.status === 'failed_to_start' ? 'start_failed' : 'worker_error', p.reason);
    }
    if (p.type === 'recording.ready') {
      const presign = this.deps.presignGet;
      out.files = await Promise.all(
        data.files.map(async (file) => ({ ...file, media_url: presign && file.status === 'saved' ? await presign(file.key) : null })),
      );
      if (this.deps.artifactToken) out.artifact_token = await this.deps.artifactToken(p.recording!.id);
    }
    if (p.type === 'recording.artifact_ready' && p.data?.artifact) out.artifact = p.data.artifact;
    return out;
  }
}
