import { livekitParticipants } from '../recording/workers/livekit/participant-lister';
import { RoomActivityDispatcher } from '../rooms/activity-dispatcher';
import { JitsiRoomEvents } from '../rooms/jitsi/jitsi-room-events';
import { autoStartJob } from '../rooms/auto-start-job';
import { autoStopJob } from '../rooms/auto-stop-job';
import { RoomReconciler } from '../rooms/room-reconciler';
import { RoomsService } from '../rooms/rooms-service';
import { RoomRecordingAccess } from '../rooms/recording-access';
import { RoomAccessStore } from '../rooms/store/recording-access-store';
import { RoomStore } from '../rooms/store/room-store';
import { RECURRING_LEASE_MS, type Shared } from './compose-shared';
import type { ComposedRecording } from './compose-recording';

/**
 * Rooms: their activity (fed by the workers' adapters through the dispatcher), recording
 * policies and the automatic recordings they start and stop, and the periodic correction of
 * missed activity against LiveKit (or pruning of idle rooms without it).
 */
export function composeRooms(shared: Shared, { store, registry, mediator, recordings }: ComposedRecording) {
  const { config, db, metrics, runner, events } = shared;
  const roomStore = new RoomStore({ sql: db.sql, autoStopGraceMs: config.rooms.autoStopGraceMs, events });
  const liveRecording = (room: string) => store.findLiveInRoom(room);
  const autoStartRetry = { maxAttempts: config.rooms.autoStartAttempts, baseMs: config.rooms.autoStartRetryBaseMs, maxMs: 60_000 };
  runner.register(
    autoStartJob({
      rooms: roomStore,
      liveRecording,
      start: (user, room, body, how) => recordings.start(user, room, body, how),
      workerRetry: autoStartRetry,
      leaseMs: Math.max(mediator.startLeaseMs('livekit-video', autoStartRetry), mediator.startLeaseMs('jibri', autoStartRetry)) + 60_000,
      onOutcome: (outcome, recording) => {
        metrics.automaticStarts.inc({ outcome });
        // Counted like the API's starts too, so dashboards and alerts see automatic recordings.
        if (recording && outcome === 'started') metrics.recordingsStarted.inc({ worker_kind: recording.workerKind });
        if (recording && outcome === 'failed') metrics.recordingsFailed.inc({ worker_kind: recording.workerKind, operation: 'start' });
      },
    }),
  );
  runner.register(
    autoStopJob({
      rooms: roomStore,
      liveRecording,
      stop: (recording, why) => mediator.stop(recording, undefined, why),
      graceMs: config.rooms.autoStopGraceMs,
      onOutcome: (outcome) => metrics.automaticStops.inc({ outcome }),
    }),
  );
  if (config.livekit && config.rooms.reconcileIntervalMs > 0) {
    const roomReconciler = new RoomReconciler({
      rooms: roomStore,
      lister: livekitParticipants(config.livekit, config.workers.timeoutMs),
      onCorrection: () => metrics.reconcilerCorrections.inc({ action: 'room_activity' }),
    });
    runner.every({ kind: 'rooms.reconcile', intervalMs: config.rooms.reconcileIntervalMs, leaseMs: RECURRING_LEASE_MS, run: () => roomReconciler.run() });
  } else {
    runner.every({ kind: 'rooms.prune', intervalMs: 3600_000, leaseMs: RECURRING_LEASE_MS, run: () => roomStore.prune() });
  }
  metrics.roomTotals = () => roomStore.totals();
  const roomAccess = new RoomRecordingAccess(new RoomAccessStore({ sql: db.sql, events }));
  const activity = new RoomActivityDispatcher(roomStore);
  return {
    roomAccess,
    activity,
    // Jitsi's rooms (Prosody's event_sync) feed the same activity as LiveKit's webhooks.
    jitsiEvents: config.jitsi.eventsToken
      ? new JitsiRoomEvents(new RoomActivityDispatcher(roomStore, 'jitsi'), { hiddenDomain: config.jitsi.hiddenDomain })
      : undefined,
    rooms: new RoomsService({
      rooms: roomStore,
      liveRecording,
      accessOf: async (id, sub) => (await store.findAccess(id, sub))?.role ?? null,
      membersAccess: (room) => roomAccess.members(room),
      modes: registry,
      allowPermanent: config.recording.allowPermanent,
      jibriPolicies: config.jitsi.eventsToken !== undefined,
    }),
  };
}
