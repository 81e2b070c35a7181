import { EgressStatus, type EgressClient, type EgressInfo } from 'livekit-server-sdk';
import type { AppConfig } from '../../../config/config';
import { childLogger } from '../../../logging/logger';
import {
  WorkerError,
  type StartRequest,
  type StopOutcome,
  type WorkerService,
  type WorkerState,
} from '../worker-service';
import { EGRESS_LAYOUT, encodingOptions, fileOutput, type LivekitKind } from './egress-request';
import { egressFilepaths, isRunning, toWorkerState } from './egress-status';
import type { ParticipantTrackWorker } from '../participant-tracks';
import { attemptLivekit, type Attempt } from './livekit-call';
import { LivekitEgressClient, LivekitRoomServiceClient } from './livekit-clients';
import { LivekitTrackWorker } from './livekit-track-worker';

const log = childLogger('livekit-worker');

interface Ready {
  client: EgressClient;
  storage: NonNullable<AppConfig['storage']>;
  secrets: string[];
}

/**
 * A WorkerService on LiveKit Egress: one RoomComposite egress per recording, written as one
 * file straight into our bucket under the recording's object key.
 *
 * RECORDING_MAX_DURATION is not sent: RoomCompositeEgressRequest has no per-request duration
 * limit (LiveKit only knows server-wide limits), so the reconciler has to enforce it.
 */
export class LivekitEgressWorker implements WorkerService {
  readonly startDeadlineMs: number;
  private readonly ready: Ready | undefined;
  private readonly missing: string | undefined;
  private readonly timeoutMs: number;
  /** Per-participant audio tracks (Track Egress), when LiveKit and storage are configured. */
  readonly participantTracks?: ParticipantTrackWorker;

  constructor(
    private readonly config: AppConfig,
    readonly kind: LivekitKind,
  ) {
    this.timeoutMs = config.workers.timeoutMs;
    // One StartRoomCompositeEgress call, bounded by our own timeout (the SDK does not retry).
    this.startDeadlineMs = this.timeoutMs;
    const { livekit, storage } = config;
    if (!livekit || !storage) {
      const names = [
        !livekit && 'LiveKit (LIVEKIT_API_URL, LIVEKIT_API_KEY, LIVEKIT_API_SECRET)',
        !storage && 'storage (AWS_S3_ENDPOINT_URL, AWS_S3_ACCESS_KEY_ID, AWS_S3_SECRET_ACCESS_KEY, AWS_STORAGE_BUCKET_NAME)',
      ].filter(Boolean);
      this.missing = `${kind} worker needs ${names.join(' and ')}, not configured`;
      return;
    }
    const client = new LivekitEgressClient(livekit.url, livekit.apiKey, livekit.apiSecret, {
      requestTimeout: this.timeoutMs / 1000,
      // Region failover is for LiveKit Cloud; a self-hosted server has a single address.
      failover: false,
    });
    this.ready = { client, storage, secrets: [livekit.apiSecret, storage.secretAccessKey] };
    const rooms = new LivekitRoomServiceClient(livekit.url, livekit.apiKey, livekit.apiSecret, { requestTimeout: this.timeoutMs / 1000, failover: false });
    this.participantTracks = new LivekitTrackWorker(
      { client, rooms, storage, call: { kind, timeoutMs: this.timeoutMs, secrets: this.ready.secrets } },
      (egressId) => this.stop(egressId),
    );
  }

  async start(request: StartRequest): Promise<string> {
    const { client, storage } = this.setup();
    const info = await this.call('StartRoomCompositeEgress', () =>
      client.startRoomCompositeEgress(
        request.room,
        { file: fileOutput(this.kind, request.objectKey, storage) },
        {
          layout: request.layout ?? EGRESS_LAYOUT,
          audioOnly: this.kind === 'livekit-audio',
          encodingOptions: encodingOptions(this.kind, this.config.workers.encoding),
        },
      ),
    );
    if (!info.egressId) {
      throw new WorkerError('invalid_response', 'LiveKit answered StartRoomCompositeEgress without an egress id', this.kind);
    }
    // Debug only: the mediator's 'recording started' line names the egress id (its workerId).
    log.debug({ kind: this.kind, recordingId: request.recordingId, egressId: info.egressId }, 'egress started');
    return info.egressId;
  }

  async stop(egressId: string): Promise<StopOutcome> {
    const { client } = this.setup();
    const result = await this.attempt('StopEgress', () => client.stopEgress(egressId));
    if (!result.ok) {
      // LiveKit refuses to stop an egress that already ended on its own: ask how it ended.
      const code = result.twirpCode;
      if (code === 'failed_precondition' || code === 'not_found') return this.outcomeOfEnded(egressId);
      throw result.error;
    }
    const info = result.value;
    // Debug only: the mediator's 'recording stopped' line names the egress id and the outcome.
    log.debug({ kind: this.kind, egressId, status: EgressStatus[info.status] }, 'egress stopped');
    return info.status === EgressStatus.EGRESS_ABORTED ? 'aborted' : 'stopped';
  }

  async inspect(egressId: string): Promise<WorkerState> {
    const info = await this.lookup(egressId);
    return info ? toWorkerState(info) : { state: 'unknown' };
  }

  async findByRecording(request: StartRequest): Promise<string | null> {
    const { client } = this.setup();
    const items = await this.call('ListEgress', () => client.listEgress({ roomName: request.room, active: true }));
    const match = items.find(
      (info) =>
        isRunning(info) &&
        info.request.case === 'roomComposite' && // a track egress of the recording is not its job
        egressFilepaths(info).some((p) => p === request.objectKey || p.includes(request.recordingId)),
    );
    return match?.egressId || null;
  }

  private async outcomeOfEnded(egressId: string): Promise<StopOutcome> {
    const info = await this.lookup(egressId);
    if (!info) throw new WorkerError('not_found', `LiveKit does not know egress ${egressId}`, this.kind);
    const state = toWorkerState(info);
    log.info({ kind: this.kind, egressId, status: EgressStatus[info.status] }, 'egress had already ended');
    switch (state.state) {
      case 'ended':
      case 'active': // ending: LiveKit is already finishing the file
        return 'stopped';
      case 'aborted':
        return 'aborted';
      default:
        throw new WorkerError(
          'rejected',
          `LiveKit could not stop egress ${egressId}: its status is ${EgressStatus[info.status] ?? 'unknown'}`,
          this.kind,
        );
    }
  }

  /** The egress with this id, or undefined when LiveKit does not know it. */
  private async lookup(egressId: string): Promise<EgressInfo | undefined> {
    const { client } = this.setup();
    // LiveKit answers not_found for an id it never had or has forgotten.
    const result = await this.attempt('ListEgress', () => client.listEgress({ egressId }));
    if (result.ok) return result.value.find((info) => info.egressId === egressId);
    if (result.twirpCode === 'not_found') return undefined;
    throw result.error;
  }

  private setup(): Ready {
    if (!this.ready) throw new WorkerError('not_configured', this.missing ?? `${this.kind} worker is not configured`, this.kind);
    return this.ready;
  }

  /** Runs one SDK call under our timeout; any failure is thrown as a WorkerError. */
  private async call<T>(method: string, run: () => Promise<T>): Promise<T> {
    const result = await this.attempt(method, run);
    if (!result.ok) throw result.error;
    return result.value;
  }

  /** Runs one SDK call under our timeout and reports a failure as a WorkerError plus the Twirp code, if any. */
  private attempt<T>(method: string, run: () => Promise<T>): Promise<Attempt<T>> {
    const { secrets } = this.setup();
    return attemptLivekit({ kind: this.kind, timeoutMs: this.timeoutMs, secrets }, method, run);
  }
}
