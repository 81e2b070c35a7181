// Job kinds of automatic recording (auto-start-job.ts, auto-stop-job.ts) and their payloads,
// apart from their handlers so that the room store that queues them need not load the handlers.

/** Queued by a room change when the policy's condition became true (RoomStore), keyed by the room's fill. */
export const AUTO_START_KIND = 'room.auto-start';
export type AutoStartPayload = { room: string };

/** Queued by a room change when the room emptied (RoomStore), keyed by the vacancy. */
export const AUTO_STOP_KIND = 'room.auto-stop';
/** `vacancy`: which emptying of the room the job is for (a later one has its own job). */
export type AutoStopPayload = { room: string; vacancy: number };
