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

  readonly httpDuration = this.histogram('recorder_http_request_duration_seconds', 'HTTP request latency by route', ['method', 'route', 'status'], [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
  readonly workerCallDuration = this.histogram('recorder_worker_call_duration_seconds', 'Latency of calls to recording workers', ['worker_kind', 'operation', 'outcome'], [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]);
  readonly recordingsStarted = this.counter('recorder_recordings_started_total', 'Recordings whose worker started', ['worker_kind']);
  readonly recordingsFailed = this.counter('recorder_recordings_failed_total', 'Recordings whose worker failed to start or stop', ['worker_kind', 'operation']);
  readonly trackEgresses = this.counter('recorder_track_egresses_total', 'Participant track egresses by outcome: started, or failed (did not start, ended without a file, or never landed)', ['outcome']);
  readonly recordingsByStatus = this.gauge('recorder_recordings', 'Recordings in the database by status (read at scrape time)', ['status']);
  readonly storageEvents = this.counter('recorder_storage_events_total', 'Storage (MinIO/S3) events received, by outcome', ['outcome']);
  readonly livekitEvents = this.counter('recorder_livekit_events_total', 'LiveKit webhook events received, by event and outcome', ['event', 'outcome']);
  readonly jitsiEvents = this.counter('recorder_jitsi_events_total', "Jitsi room events (Prosody's event_sync) received, by path and outcome", ['event', 'outcome']);
  readonly jibriEvents = this.counter('recorder_jibri_events_total', 'Jibri status webhook events received, by outcome', ['outcome']);
  readonly webhookDeliveries = this.counter('recorder_webhook_deliveries_total', 'Webhook delivery attempts to the host application by event type and outcome (delivered, retry, gave_up, gone, cancelled)', ['event_type', 'outcome']);
  readonly emails = this.counter('recorder_emails_total', 'Notification emails by outcome (queued, sent, retry, failed)', ['outcome']);
  readonly mediaAuthDecisions = this.counter('recorder_media_auth_decisions_total', 'media-auth answers by status code and reason', ['status', 'reason']);
  readonly jobs = this.counter('recorder_jobs_total', 'Background job attempts by kind and result (done, retry, failed, cancelled)', ['kind', 'result']);
  readonly reconcilerCorrections = this.counter('recorder_reconciler_corrections_total', 'Status corrections made by the reconciler, by action', ['action']);
  readonly expiryFilesRemoved = this.counter('recorder_expiry_files_removed_total', 'Files (composites and tracks) the expiry sweep deleted from storage');
  readonly expiryStorageErrors = this.counter('recorder_expiry_storage_errors_total', 'File deletions of the expiry sweep the storage refused or did not answer (retried)');
  readonly recordingsExpired = this.counter('recorder_recordings_expired_total', 'Recordings whose files were all removed at expiry');
  readonly expiryRemindersSent = this.counter('recorder_expiry_reminders_sent_total', 'Reminder emails sent to owners before their recording expires');

  /** Set by compose: rooms live and the people in them, read from the database at scrape time. */
  roomTotals: (() => Promise<{ live: number; participants: number }>) | undefined;
  private roomTotalsRead: Promise<{ live: number; participants: number } | null> | null = null;

  readonly roomsLive = this.gauge('recorder_rooms_live', 'LiveKit rooms live, from LiveKit webhooks (read at scrape time)', [], async () => {
    const totals = await this.readRoomTotals();
    if (totals) this.roomsLive.set(totals.live);
  });

  readonly roomParticipants = this.gauge(
    'recorder_room_participants',
    'People in LiveKit rooms (egress, agents and other non-person participants not counted; read at scrape time)',
    [],
    async () => {
      const totals = await this.readRoomTotals();
      if (totals) this.roomParticipants.set(totals.participants);
    },
  );

  readonly automaticStarts = this.counter('recorder_automatic_starts_total', 'Automatic starts by recording policies, by outcome (started, failed and retried, already_recording, skipped, invalid)', ['outcome']);
  readonly automaticStops = this.counter('recorder_automatic_stops_total', 'Automatic recordings stopped because their room stayed empty or finished, by outcome (stopped, failed)', ['outcome']);
  readonly joinDuration = this.histogram('recorder_join_duration_seconds', 'Joins of a paused recording\'s parts into one file, by method: copy (stream copy) or reencode (the parts differ in encoding)', ['method'], [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800]);
  readonly startQueueWait = this.histogram('recorder_start_queue_wait_seconds', 'Time starts spent queued for a free recorder, by worker kind and how they left the queue (started, failed, expired)', ['worker_kind', 'outcome'], [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800]);

  /** Set by compose: queued starts per worker kind, read from the database at scrape time. */
  queuedStarts: (() => Promise<Record<string, number>>) | undefined;

  readonly startsQueued = this.gauge('recorder_starts_queued', 'Starts waiting for a free recorder, by worker kind (read at scrape time)', ['worker_kind'], async () => {
    const counts = await this.queuedStarts?.().catch(() => null);
    if (!counts) return;
    this.startsQueued.reset();
    for (const [kind, n] of Object.entries(counts)) this.startsQueued.set({ worker_kind: kind }, n);
  });

  /** Set by compose: the recorders the service sees (the Jibri pool), read at scrape time. */
  recorderStates: (() => Promise<{ kind: string; state: string }[]>) | undefined;

  readonly recorders = this.gauge('recorder_recorders', 'Recorders by worker kind and state (idle, busy, draining, unreachable; read at scrape time)', ['worker_kind', 'state'], async () => {
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
  });

  readonly contentType = this.registry.contentType;

  /** The /metrics text: this app's metrics, then the process and Node.js runtime ones. */
  async exposition(): Promise<string> {
    const own = await this.registry.metrics();
    return `${own.endsWith('\n') ? own : `${own}\n`}${await processMetrics().metrics()}`;
  }

  /** A counter on this app's registry, with the label names given (none by default). */
  private counter<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return new Counter<L>({ name, help, labelNames, registers: [this.registry] });
  }

  private histogram<L extends string>(name: string, help: string, labelNames: readonly L[], buckets: number[]): Histogram<L> {
    return new Histogram<L>({ name, help, labelNames, buckets, registers: [this.registry] });
  }

  /** A gauge on this app's registry; `collect` sets it at scrape time. */
  private gauge<L extends string = never>(name: string, help: string, labelNames: readonly L[] = [], collect?: () => Promise<void>): Gauge<L> {
    return new Gauge<L>({ name, help, labelNames, registers: [this.registry], collect });
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
