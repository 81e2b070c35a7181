import { Router } from 'express';
import type { AppContext } from '../../server/context';
import { authenticate, currentUser } from '../authenticate';
import { recordingJson, serializerSettings } from '../recording-json';
import { RecordingError } from '../../recording/errors';

/** POST /api/v1.0/rooms/{room}/start-recording/ and /stop-recording/ (SPEC.md, Endpoints). */
export function roomsRouter(ctx: AppContext): Router {
  const router = Router();
  const auth = authenticate(ctx.verifier);
  const settings = serializerSettings(ctx.config);

  router.post('/api/v1.0/rooms/:room/start-recording', auth, async (req, res) => {
    const user = currentUser(res);
    try {
      const recording = await ctx.recordings.start(user, String(req.params.room), req.body);
      ctx.metrics.recordingsStarted.inc({ worker_kind: recording.workerKind });
      res.status(201).json(recordingJson(recording, 'owner', settings));
    } catch (err) {
      if (err instanceof RecordingError && err.kind === 'worker_failed' && err.recording) {
        ctx.metrics.recordingsFailed.inc({ worker_kind: err.recording.workerKind, operation: 'start' });
      }
      throw err;
    }
  });

  router.post('/api/v1.0/rooms/:room/stop-recording', auth, async (req, res) => {
    const user = currentUser(res);
    try {
      const recording = await ctx.recordings.stop(user, String(req.params.room));
      const access = await ctx.store.findAccess(recording.id, user.sub);
      res.status(200).json(recordingJson(recording, access?.role ?? 'administrator', settings));
    } catch (err) {
      if (err instanceof RecordingError && err.kind === 'worker_failed' && err.recording) {
        ctx.metrics.recordingsFailed.inc({ worker_kind: err.recording.workerKind, operation: 'stop' });
      }
      throw err;
    }
  });

  return router;
}
