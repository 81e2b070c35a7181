/** Recording statuses (docs/api.md, Statuses) and the groups the code reasons about. */
export const RecordingStatus = {
  /** Waiting for a free recorder (the start queue); before `initiated`. */
  Queued: 'queued',
  Initiated: 'initiated',
  Active: 'active',
  /** Between a pause and a resume: no recorder runs, and it is still the room's live recording. */
  Paused: 'paused',
  Stopped: 'stopped',
  Saved: 'saved',
  NotificationSucceeded: 'notification_succeeded',
  FailedToStart: 'failed_to_start',
  FailedToStop: 'failed_to_stop',
  Aborted: 'aborted',
} as const;
export type RecordingStatus = (typeof RecordingStatus)[keyof typeof RecordingStatus];

/** The room's one live recording is in one of these: a start is refused, a stop works. */
export const LIVE_STATUSES: readonly RecordingStatus[] = ['queued', 'initiated', 'active', 'paused'];

/** A file exists and may be downloaded. */
export const DOWNLOADABLE_STATUSES: readonly RecordingStatus[] = ['saved', 'notification_succeeded'];

/** Nothing will happen to the recording any more: it may be deleted. */
export const FINAL_STATUSES: readonly RecordingStatus[] = [
  'saved',
  'notification_succeeded',
  'failed_to_start',
  'failed_to_stop',
  'aborted',
];

/** A storage event (or the reconciler finding the object) may mark a recording saved from these. */
export const SAVABLE_STATUSES: readonly RecordingStatus[] = ['initiated', 'active', 'stopped', 'failed_to_stop'];

export type { RoomRole } from '../auth/user';
export type AccessRole = 'owner' | 'administrator';
/** How a caller sees a recording: through an access of theirs, or as a member of its room the room lets watch. */
export type ViewerRole = AccessRole | 'member';

/** Final statuses in which no file will ever be saved: the recording page says it will not become ready. */
export const NEVER_READY_STATUSES: readonly RecordingStatus[] = ['failed_to_start', 'aborted'];
