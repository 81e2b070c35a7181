import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

let processRegistry: Registry | undefined;

/**
 * prom-client's default metrics (process_*, nodejs_*) under their usual names. They describe the
 * process, not an app, so they are collected once per process on a registry of their own: a
 * process running many apps (the tests) would otherwise start one event-loop monitor per app.
 */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** Every metric the service exposes on /metrics, on a registry of its own (one per app instance). */
export class Metrics {
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({
    name: 'recorder_http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly workerCallDuration = new Histogram({
    name: 'recorder_worker_call_duration_seconds',
    help: 'Latency of calls to recording workers',
    labelNames: ['worker_kind', 'operation', 'outcome'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly recordingsStarted = new Counter({
    name: 'recorder_recordings_started_total',
    help: 'Recordings whose worker started',
    labelNames: ['worker_kind'] as const,
    registers: [this.registry],
  });

  readonly recordingsFailed = new Counter({
    name: 'recorder_recordings_failed_total',
    help: 'Recordings whose worker failed to start or stop',
    labelNames: ['worker_kind', 'operation'] as const,
    registers: [this.registry],
  });

  readonly trackEgresses = new Counter({
    name: 'recorder_track_egresses_total',
    help: 'Participant track egresses by outcome: started, or failed (did not start, ended without a file, or never landed)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly recordingsByStatus = new Gauge({
    name: 'recorder_recordings',
    help: 'Recordings in the database by status (read at scrape time)',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  readonly storageEvents = new Counter({
    name: 'recorder_storage_events_total',
    help: 'Storage (MinIO/S3) events received, by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly livekitEvents = new Counter({
    name: 'recorder_livekit_events_total',
    help: 'LiveKit webhook events received, by event and outcome',
    labelNames: ['event', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly jitsiEvents = new Counter({
    name: 'recorder_jitsi_events_total',
    help: "Jitsi room events (Prosody's event_sync) received, by path and outcome",
    labelNames: ['event', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly jibriEvents = new Counter({
    name: 'recorder_jibri_events_total',
    help: 'Jibri status webhook events received, by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly webhookDeliveries = new Counter({
    name: 'recorder_webhook_deliveries_total',
    help: 'Webhook delivery attempts to the host application by event type and outcome (delivered, retry, gave_up, gone, cancelled)',
    labelNames: ['event_type', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly emails = new Counter({
    name: 'recorder_emails_total',
    help: 'Notification emails by outcome (queued, sent, retry, failed)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly mediaAuthDecisions = new Counter({
    name: 'recorder_media_auth_decisions_total',
    help: 'media-auth answers by status code and reason',
    labelNames: ['status', 'reason'] as const,
    registers: [this.registry],
  });

  readonly jobs = new Counter({
    name: 'recorder_jobs_total',
    help: 'Background job attempts by kind and result (done, retry, failed, cancelled)',
    labelNames: ['kind', 'result'] as const,
    registers: [this.registry],
  });

  readonly reconcilerCorrections = new Counter({
    name: 'recorder_reconciler_corrections_total',
    help: 'Status corrections made by the reconciler, by action',
    labelNames: ['action'] as const,
    registers: [this.registry],
  });

  readonly expiryFilesRemoved = new Counter({
    name: 'recorder_expiry_files_removed_total',
    help: 'Files (composites and tracks) the expiry sweep deleted from storage',
    registers: [this.registry],
  });

  readonly expiryStorageErrors = new Counter({
    name: 'recorder_expiry_storage_errors_total',
    help: 'File deletions of the expiry sweep the storage refused or did not answer (retried)',
    registers: [this.registry],
  });

  readonly recordingsExpired = new Counter({
    name: 'recorder_recordings_expired_total',
    help: 'Recordings whose files were all removed at expiry',
    registers: [this.registry],
  });

  readonly expiryRemindersSent = new Counter({
    name: 'recorder_expiry_reminders_sent_total',
    help: 'Reminder emails sent to owners before their recording expires',
    registers: [this.registry],
  });

  /** Set by compose: rooms live and the people in them, read from the database at scrape time. */
  roomTotals: (() => Promise<{ live: number; participants: number }>) | undefined;
  private roomTotalsRead: Promise<{ live: number; participants: number } | null> | null = null;

  readonly roomsLive = new Gauge({
    name: 'recorder_rooms_live',
    help: 'LiveKit rooms live, from LiveKit webhooks (read at scrape time)',
    registers: [this.registry],
    collect: async () => {
      const totals = await this.readRoomTotals();
      if (totals) this.roomsLive.set(totals.live);
    },
  });

  readonly roomParticipants = new Gauge({
    name: 'recorder_room_participants',
    help: 'People in LiveKit rooms (egress, agents and other non-person participants not counted; read at scrape time)',
    registers: [this.registry],
    collect: async () => {
      const totals = await this.readRoomTotals();
      if (totals) this.roomParticipants.set(totals.participants);
    },
  });

  readonly automaticStarts = new Counter({
    name: 'recorder_automatic_starts_total',
    help: 'Automatic starts by recording policies, by outcome (started, failed and retried, already_recording, skipped, invalid)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly automaticStops = new Counter({
    name: 'recorder_automatic_stops_total',
    help: 'Automatic recordings stopped because their room stayed empty or finished, by outcome (stopped, failed)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly joinDuration = new Histogram({
    name: 'recorder_join_duration_seconds',
    help: 'Joins of a paused recording\'s parts into one file, by method: copy (stream copy) or reencode (the parts differ in encoding)',
    labelNames: ['method'] as const,
    buckets: [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
    registers: [this.registry],
  });

  readonly startQueueWait = new Histogram({
    name: 'recorder_start_queue_wait_seconds',
    help: 'Time starts spent queued for a free recorder, by worker kind and how they left the queue (started, failed, expired)',
    labelNames: ['worker_kind', 'outcome'] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
    registers: [this.registry],
  });

  /** Set by compose: queued starts per worker kind, read from the database at scrape time. */
  queuedStarts: (() => Promise<Record<string, number>>) | undefined;

  readonly startsQueued = new Gauge({
    name: 'recorder_starts_queued',
    help: 'Starts waiting for a free recorder, by worker kind (read at scrape time)',
    labelNames: ['worker_kind'] as const,
    registers: [this.registry],
    collect: async () => {
      const counts = await this.queuedStarts?.().catch(() => null);
      if (!counts) return;
      this.startsQueued.reset();
      for (const [kind, n] of Object.entries(counts)) this.startsQueued.set({ worker_kind: kind }, n);
    },
  });

  /** Set by compose: the recorders the service sees (the Jibri pool), read at scrape time. */
  recorderStates: (() => Promise<{ kind: string; state: string }[]>) | undefined;

  readonly recorders = new Gauge({
    name: 'recorder_recorders',
    help: 'Recorders by worker kind and state (idle, busy, draining, unreachable; read at scrape time)',
    labelNames: ['worker_kind', 'state'] as const,
    registers: [this.registry],
    collect: async () => {
      const states = await this.recorderStates?.().catch(() => null);
      if (!states) return;
      this.recorders.reset();
      const byKey = new Map<string, { kind: string; state: string; n: number }>();
      for (const { kind, state } of states) {
        const key = `${kind}/${state}`;
        const entry = byKey.get(key) ?? { kind, state, n: 0 };
        entry.n += 1;
        byKey.set(key, entry);
      }
      for (const { kind, state, n } of byKey.values()) this.recorders.set({ worker_kind: kind, state }, n);
    },
  });

  readonly contentType = this.registry.contentType;

  /** The /metrics text: this app's metrics, then the process and Node.js runtime ones. */
  async exposition(): Promise<string> {
    const own = await this.registry.metrics();
    return `${own.endsWith('\n') ? own : `${own}\n`}${await processMetrics().metrics()}`;
  }

  /** One database read for both room gauges of a scrape; a database that is down leaves them as they were. */
  private readRoomTotals(): Promise<{ live: number; participants: number } | null> {
    if (!this.roomTotals) return Promise.resolve(null);
    this.roomTotalsRead ??= this.roomTotals()
      .catch(() => null)
      .finally(() => {
        this.roomTotalsRead = null;
      });
    return this.roomTotalsRead;
  }
}
