import { Router } from 'express';
import type { z } from 'zod';
import type { RecordingPolicy } from '../../rooms/policy';
import type { RoomView } from '../../rooms/rooms-service';
import type { ApiDeps } from '../api-deps';
import { authenticate, currentUser } from '../authenticate';
import type { policyBody, roomBody } from '../openapi/room-schemas';
import { recordingJson, serializerSettings, type SerializerSettings } from '../recording-json';

/** GET /api/v1.0/rooms/{room}/ and PUT/DELETE /api/v1.0/rooms/{room}/recording-policy/. */
export function roomActivityRouter({ config, verifier, rooms }: Pick<ApiDeps, 'config' | 'verifier' | 'rooms'>): Router {
  const router = Router();
  const auth = authenticate(verifier);
  const settings = serializerSettings(config);

  router.get('/api/v1.0/rooms/:room', auth, async (req, res) => {
    res.json(roomJson(await rooms.view(currentUser(res), String(req.params.room)), settings));
  });

  router.put('/api/v1.0/rooms/:room/recording-policy', auth, async (req, res) => {
    res.status(200).json(policyJson(await rooms.putPolicy(currentUser(res), String(req.params.room), req.body)));
  });

  router.delete('/api/v1.0/rooms/:room/recording-policy', auth, async (req, res) => {
    await rooms.deletePolicy(currentUser(res), String(req.params.room));
    res.status(204).end();
  });

  return router;
}

function policyJson(policy: RecordingPolicy): z.infer<typeof policyBody> {
  return {
    room: policy.room,
    trigger: policy.trigger,
    mode: policy.mode,
    options: policy.options,
    author: { sub: policy.author.sub, name: policy.author.name },
    created_at: policy.createdAt.toISOString(),
    updated_at: policy.updatedAt.toISOString(),
  };
}

function roomJson(view: RoomView, settings: SerializerSettings): z.infer<typeof roomBody> {
  let recording = null;
  if (view.recording) {
    const { recording: live, access, canStop } = view.recording;
    // Someone without access to the recording (a member) sees that it runs, not more.
    recording = access
      ? recordingJson(live, access, settings)
      : { ...recordingJson(live, 'administrator', settings), abilities: { retrieve: false, destroy: false, stop: canStop } };
  }
  return {
    room: view.room,
    is_active: view.isActive,
    participants: view.participants,
    started_at: view.startedAt ? view.startedAt.toISOString() : null,
    recording,
    policy: view.policy ? policyJson(view.policy) : null,
    recording_access: { members: view.recordingAccess },
  };
}
