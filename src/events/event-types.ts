/** Every event the service sends to the host application's webhook endpoints. */
export const EVENT_TYPES = [
  'recording.queued',
  'recording.started',
  'recording.paused',
  'recording.resumed',
  'recording.stopped',
  'recording.failed',
  'recording.ready',
  'recording.deleted',
  'recording.expired',
  'recording.artifact_ready',
  'room.started',
  'room.finished',
  'room.access_changed',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];
