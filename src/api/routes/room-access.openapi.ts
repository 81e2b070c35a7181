import { z } from 'zod';
import { recordingAccessBody } from '../../rooms/recording-access';
import { type Operation, roomManagerChange, ROOM_MANAGERS_ONLY } from '../openapi/operation';

export const recordingAccessAnswer = z.object({
  room: z.string(),
  members: z.enum(['none', 'view', 'download']),
  updated_at: z.iso.datetime(),
});

/** What a room's members may do with its recordings (roomAccessRouter). */
export const roomAccessOperations: Operation[] = [
  roomManagerChange(
    'put', 'recording-access', 'putRoomRecordingAccess', 'rooms',
    "What the room's members may do with its recordings: none (the default), view (list and watch) or download (also download). Owner or administrator of the room; a change sends room.access_changed.",
    recordingAccessBody,
    { 200: { description: 'The level now.', schema: recordingAccessAnswer }, ...ROOM_MANAGERS_ONLY },
  ),
];
