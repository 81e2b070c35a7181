import { Router } from 'express';
import { RecordingError } from '../../recording/errors';
import type { ApiDeps } from '../api-deps';
import { authenticate, currentUser } from '../authenticate';
import { recordingJson, serializerSettings } from '../recording-json';

/** POST /api/v1.0/rooms/{room}/start-recording/ and /stop-recording/. */
export function roomsRouter({ config, verifier, recordings, metrics }: Pick<ApiDeps, 'config' | 'verifier' | 'recordings' | 'metrics'>): Router {
  const router = Router();
  const auth = authenticate(verifier);
  const settings = serializerSettings(config);

  const countFailure = (err: unknown, operation: 'start' | 'stop') => {
    if (err instanceof RecordingError && err.kind === 'worker_failed' && err.recording) {
      metrics.recordingsFailed.inc({ worker_kind: err.recording.workerKind, operation });
    }
  };

  router.post('/api/v1.0/rooms/:room/start-recording', auth, async (req, res) => {
    try {
      const recording = await recordings.start(currentUser(res), String(req.params.room), req.body);
      metrics.recordingsStarted.inc({ worker_kind: recording.workerKind });
      res.status(201).json(recordingJson(recording, 'owner', settings));
    } catch (err) {
      countFailure(err, 'start');
      throw err;
    }
  });

  router.post('/api/v1.0/rooms/:room/stop-recording', auth, async (req, res) => {
    try {
      const { recording, role } = await recordings.stop(currentUser(res), String(req.params.room));
      res.status(200).json(recordingJson(recording, role, settings));
    } catch (err) {
      countFailure(err, 'stop');
      throw err;
    }
  });

  return router;
}
