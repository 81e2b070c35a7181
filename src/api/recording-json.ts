import type { z } from 'zod';
import type { AppConfig } from '../config/config';
import type { Recording, RecordingFile } from '../recording/recording';
import { expiredAt } from '../recording/expiry';
import { fileKey, objectKeyFor } from '../recording/object-key';
import type { ViewerRole } from '../recording/status';
import { FINAL_STATUSES } from '../recording/status';
import type { recordingBody } from './openapi/response-schemas';

/** Inferred from the schema the OpenAPI document is generated from. */
export type RecordingJson = z.infer<typeof recordingBody>;

export interface SerializerSettings {
  outputFolder: string;
  expirationDays: number | undefined;
}

export function serializerSettings(config: Pick<AppConfig, 'recording'>): SerializerSettings {
  return { outputFolder: config.recording.outputFolder, expirationDays: config.recording.expirationDays };
}

/** A recording as docs/api.md (The recording JSON) shows it, with the caller's abilities. */
export function recordingJson(recording: Recording, role: ViewerRole, settings: SerializerSettings, now = new Date()): RecordingJson {
  const expiry = expiredAt(recording, settings.expirationDays);
  const manager = role === 'owner' || role === 'administrator';
  return {
    id: recording.id,
    room: recording.room,
    mode: recording.mode,
    status: recording.status,
    created_at: recording.createdAt.toISOString(),
    updated_at: recording.updatedAt.toISOString(),
    expired_at: expiry ? expiry.toISOString() : null,
    is_expired: expiry !== null && expiry.getTime() <= now.getTime(),
    is_permanent: recording.isPermanent,
    key: objectKeyFor(settings.outputFolder, recording.id, recording.workerKind),
    abilities: {
      retrieve: true,
      destroy: manager && FINAL_STATUSES.includes(recording.status),
      stop: manager && (recording.status === 'active' || recording.status === 'paused'),
    },
    files: recording.files.map((file) => fileJson(file, settings.outputFolder)),
    artifacts: (recording.artifacts ?? []).map((a) => ({ name: a.name, content_type: a.contentType, size: Number(a.size), updated_at: a.updatedAt })),
    reason: recording.reason ?? null,
    segments: recording.segments.map((segment) => ({ started_at: segment.startedAt, ended_at: segment.endedAt })),
  };
}

function fileJson(file: RecordingFile, outputFolder: string): RecordingJson['files'][number] {
  return {
    key: fileKey(outputFolder, file.relativeKey),
    kind: file.kind,
    content_type: file.contentType,
    size: file.size,
    status: file.status,
    participant: file.kind === 'track' ? { identity: file.participantIdentity ?? '', name: file.participantName ?? '' } : null,
    track_id: file.trackId,
    started_at: file.startedAt,
  };
}
