import { recordingPolicyBody } from '../../rooms/policy';
import { policyBody, roomBody } from '../openapi/room-schemas';
import { type Operation, err, ROOM_PATH, roomManagerChange, ROOM_MANAGERS_ONLY, USER_TOKEN_REFUSED, DATABASE_DOWN } from '../openapi/operation';

/** A room and its recording policy (roomActivityRouter). */
export const roomActivityOperations: Operation[] = [
  {
    method: 'get', path: `${ROOM_PATH}/`, id: 'getRoom', tag: 'rooms', security: ['user'],
    summary: 'The room: whether it is live, its participants (people only), its live recording and its recording policy (any room role, members included).',
    responses: {
      200: { description: 'The room.', schema: roomBody },
      400: err('Invalid room name.'),
      ...USER_TOKEN_REFUSED,
      403: err('The caller has no role in this room.'),
      ...DATABASE_DOWN,
    },
  },
  roomManagerChange(
    'put', 'recording-policy', 'putRecordingPolicy', 'rooms',
    "Set the room's recording policy (owner or administrator); the caller owns the recordings it starts.", recordingPolicyBody,
    {
      200: { description: 'The policy.', schema: policyBody },
      400: err('Bad body: unknown trigger or mode, an option the mode does not take, a Jibri mode without JITSI_EVENTS_TOKEN.'),
    },
  ),
  {
    method: 'delete', path: `${ROOM_PATH}/recording-policy/`, id: 'deleteRecordingPolicy', tag: 'rooms', security: ['user'],
    summary: "Remove the room's recording policy: the trigger is back to none.",
    responses: {
      204: { description: 'Removed (or there was none).', schema: null },
      ...ROOM_MANAGERS_ONLY,
    },
  },
];
