import { z } from 'zod';
import { recordingAccessBody } from '../../rooms/recording-access';
import { type Operation, ROOM_PATH, ROOM_MANAGERS_ONLY, DATABASE_DOWN } from '../openapi/operation';

export const recordingAccessAnswer = z.object({
  room: z.string(),
  members: z.enum(['none', 'view', 'download']),
  updated_at: z.iso.datetime(),
});

/** What a room's members may do with its recordings (roomAccessRouter). */
export const roomAccessOperations: Operation[] = [
  {
    method: 'put', path: `${ROOM_PATH}/recording-access/`, id: 'putRoomRecordingAccess', tag: 'rooms', security: ['user'],
    summary: "What the room's members may do with its recordings: none (the default), view (list and watch) or download (also download). Owner or administrator of the room; a change sends room.access_changed.",
    body: recordingAccessBody,
    responses: {
      200: { description: 'The level now.', schema: recordingAccessAnswer },
      ...ROOM_MANAGERS_ONLY,
      ...DATABASE_DOWN,
    },
  },
];
