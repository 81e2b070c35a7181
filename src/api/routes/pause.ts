import { Router } from 'express';
import type { ApiDeps } from '../api-deps';
import { authenticate, currentUser } from '../authenticate';
import { recordingJson, serializerSettings } from '../recording-json';

/** POST /api/v1.0/rooms/{room}/pause-recording/ and /resume-recording/. */
export function pauseRouter({ config, verifier, pauses }: Pick<ApiDeps, 'config' | 'verifier' | 'pauses'>): Router {
  const router = Router();
  const auth = authenticate(verifier);
  const settings = serializerSettings(config);

  router.post('/api/v1.0/rooms/:room/pause-recording', auth, async (req, res) => {
    const { recording, role } = await pauses.pause(currentUser(res), String(req.params.room));
    res.status(200).json(recordingJson(recording, role, settings));
  });

  router.post('/api/v1.0/rooms/:room/resume-recording', auth, async (req, res) => {
    const { recording, role } = await pauses.resume(currentUser(res), String(req.params.room));
    res.status(200).json(recordingJson(recording, role, settings));
  });

  return router;
}
