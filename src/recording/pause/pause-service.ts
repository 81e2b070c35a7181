import type { AuthUser } from '../../auth/user';
import { canManageRoom } from '../../auth/user';
import { childLogger } from '../../logging/logger';
import { badRequest, conflict, forbidden, notFound, RecordingError } from '../errors';
import type { RecordingMediator } from '../mediator';
import { fileKey } from '../object-key';
import type { Recording } from '../recording';
import { roomName } from '../start-request';
import type { AccessRole } from '../status';
import type { RecordingPartStore, ResumedTrack } from '../store/part-store';
import type { RecordingStore } from '../store/recording-store';
import { recordsTracks } from '../tracks/track-mediator';
import { describe, workerDetail } from '../worker-failure';
import { compositePartKey, trackPartKey } from './part-keys';

const log = childLogger('pause');

export interface Paused {
  recording: Recording;
  role: AccessRole;
}

/**
 * Pause and resume of a room's live recording. A pause stops the stretch's recorders (the
 * composite and each track egress) after the recording became `paused`, so a late
 * egress_ended of the stopped recorder finds nothing to end; a resume starts new recorders
 * that write parts under `{id}/parts/`, then makes it `active` again. The join job makes one
 * file of each file's parts after the stop.
 */
export class PauseService {
  constructor(
    private readonly store: RecordingStore,
    private readonly parts: RecordingPartStore,
    private readonly mediator: RecordingMediator,
    private readonly outputFolder: string,
  ) {}

  async pause(user: AuthUser, room: string): Promise<Paused> {
    const { recording, role } = await this.live(user, room, 'pause');
    if (recording.status === 'paused') throw conflict('The recording of this room is already paused.');
    if (recording.status !== 'active') throw conflict(`The recording of this room is "${recording.status}": it can be paused once it records.`);
    const paused = await this.parts.paused(recording.id, compositePartKey(recording, 0));
    if (!paused) throw conflict('The recording of this room changed meanwhile; it was not paused.');
    try {
      if (recording.workerId) await this.mediator.stopStretch(recording, recording.workerId);
    } catch (err) {
      log.warn({ recordingId: recording.id, reason: describe(err) }, 'the recorder did not stop: the recording goes on');
      const back = await this.parts.pauseUndone(recording.id);
      throw new RecordingError('worker_failed', workerDetail('stop', err), back ?? paused);
    }
    // Every track egress that may run: the first stretch's (the track files') and a resumed one's (its parts').
    await this.mediator.stopTracks(recording);
    log.info({ recordingId: recording.id }, 'recording paused');
    return { recording: paused, role };
  }

  async resume(user: AuthUser, room: string): Promise<Paused> {
    const { recording, role } = await this.live(user, room, 'resume');
    if (recording.status !== 'paused') throw notFound('No paused recording in this room.');
    const seq = await this.parts.nextSeq(recording.id);
    const composite = { fileKey: recording.files.find((f) => f.kind === 'composite')!.relativeKey, partKey: compositePartKey(recording, seq) };
    let workerId: string;
    try {
      workerId = await this.mediator.startStretch(recording, fileKey(this.outputFolder, composite.partKey), seq);
    } catch (err) {
      log.warn({ recordingId: recording.id, reason: describe(err) }, 'the recorder did not start at the resume: still paused');
      throw new RecordingError('worker_failed', workerDetail('start', err), recording);
    }
    const tracks = await this.startTracks(recording, seq);
    const resumed = await this.parts.resumed(recording.id, seq, { ...composite, workerId }, tracks);
    if (!resumed) {
      await this.mediator.stopUnwanted(recording, workerId);
      await Promise.all(tracks.map((t) => this.mediator.stopTrack(recording, t.egressId).catch(() => undefined)));
      throw notFound('No paused recording in this room.');
    }
    log.info({ recordingId: recording.id, seq }, 'recording resumed');
    return { recording: resumed, role };
  }

  /** paused -> stopped: nothing records, so no worker is asked; the join job is queued with the change. */
  async stopPaused(recording: Recording): Promise<Recording> {
    const stopped = await this.store.transition(recording.id, ['paused'], 'stopped');
    if (!stopped) throw notFound('No active recording in this room.');
    return stopped;
  }

  /** A new track egress for each track file the recording has, writing this stretch's part; a track gone meanwhile is skipped. */
  private async startTracks(recording: Recording, seq: number): Promise<ResumedTrack[]> {
    if (!recordsTracks(recording) || !this.mediator.canRecordTracks(recording)) return [];
    const files = recording.files.filter((f) => f.kind === 'track' && f.trackId);
    if (files.length === 0) return [];
    let published: Set<string>;
    try {
      published = new Set((await this.mediator.listAudioTracks(recording)).map((t) => t.trackId));
    } catch (err) {
      log.warn({ recordingId: recording.id, reason: describe(err) }, 'could not list the tracks at the resume: the composite only');
      return [];
    }
    const started: ResumedTrack[] = [];
    await Promise.all(files.filter((f) => published.has(f.trackId!)).map(async (f) => {
      const partKey = trackPartKey(recording.id, f.trackId!, seq);
      try {
        const egressId = await this.mediator.startTrack(recording, f.trackId!, fileKey(this.outputFolder, partKey));
        started.push({ trackId: f.trackId!, fileKey: f.relativeKey, partKey, egressId });
      } catch (err) {
        log.warn({ recordingId: recording.id, trackId: f.trackId, reason: describe(err) }, 'a track egress did not start at the resume');
      }
    }));
    return started;
  }

  private async live(user: AuthUser, room: string, what: 'pause' | 'resume'): Promise<Paused> {
    const parsed = roomName.safeParse(room);
    if (!parsed.success) throw badRequest(`Invalid room name: ${parsed.error.issues[0]?.message ?? 'invalid'}.`);
    if (!canManageRoom(user, parsed.data)) throw forbidden(`Only owners and administrators of this room may ${what} a recording.`);
    const live = await this.store.findLiveInRoomFor(parsed.data, user.sub);
    if (!live) throw notFound(what === 'pause' ? 'No active recording in this room.' : 'No paused recording in this room.');
    return { recording: live.recording, role: live.role ?? 'administrator' };
  }
}
