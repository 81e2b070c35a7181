import type { AuthUser } from '../auth/user';
import { canManageRoom } from '../auth/user';
import type { SqlRunner } from '../db/sql';
import type { RetryPolicy } from '../jobs/retry';
import { notificationSummary } from '../notifications/notification-summary';
import { isUuid } from '../util/uuid';
import { badRequest, conflict, forbidden, notFound, RecordingError } from './errors';
import type { RecordingMediator } from './mediator';
import type { PauseService } from './pause/pause-service';
import type { Recording } from './recording';
import { listRecordingsForUser, type RecordingListFilter } from './recording-list';
import { parseStart, roomName, startRecordingBody, zodDetail } from './start-request';
import type { AccessRole, ViewerRole } from './status';
import { isRoomMember, memberLevel, type MemberLevel } from './library/member-access';
import { FINAL_STATUSES } from './status';
import type { RecordingStore } from './store/recording-store';
import type { WorkerRegistry } from './workers/registry';

export interface ObjectRemover {
  removeObject(key: string): Promise<void>;
}


export interface RecordingServiceOptions {
  store: RecordingStore;
  /** Where the read models of the list and of the notification summary are queried. */
  sql: SqlRunner;
  mediator: RecordingMediator;
  registry: WorkerRegistry;
  /** Unset without a configured storage. */
  storage?: ObjectRemover;
  settings?: { allowPermanent: boolean };
  /** Stops of paused and resumed recordings. */
  pauses?: PauseService;
  /** The start queue: a new start waits behind those already queued of its kind. */
  queue?: { joinIfWaiting(recording: Recording): Promise<Recording | null> };
}

/** What the API asks of recordings: the rules of the endpoints, independent of HTTP. */
export class RecordingService {
  private readonly store: RecordingStore;
  private readonly sql: SqlRunner;
  private readonly mediator: RecordingMediator;
  private readonly registry: WorkerRegistry;
  private readonly storage: ObjectRemover | undefined;
  private readonly settings: { allowPermanent: boolean };
  private readonly pauses: PauseService | undefined;
  private readonly queue: RecordingServiceOptions['queue'];

  constructor(options: RecordingServiceOptions) {
    this.store = options.store;
    this.sql = options.sql;
    this.mediator = options.mediator;
    this.registry = options.registry;
    this.storage = options.storage;
    this.settings = options.settings ?? { allowPermanent: false };
    this.pauses = options.pauses;
    this.queue = options.queue;
  }

  /**
   * `automatic`: a room's recording policy starts it (src/rooms), so it also stops when the room
   * empties. `retry`: the worker is asked again before the one recording becomes failed_to_start.
   */
  async start(user: AuthUser, room: string, body: unknown, how: { automatic?: boolean; retry?: RetryPolicy } = {}): Promise<Recording> {
    const name = parseRoom(room);
    if (!canManageRoom(user, name)) throw forbidden('Only owners and administrators of this room may start a recording.');
    const parsed = startRecordingBody.safeParse(body ?? {});
    if (!parsed.success) throw badRequest(zodDetail(parsed.error));
    const { mode, kind, options } = parseStart(parsed.data, this.registry, this.settings);
    const recording = await this.store.createInitiated({
      room: name,
      mode,
      workerKind: kind,
      options,
      isPermanent: options.permanent === true,
      automatic: how.automatic === true,
      owner: user,
      startLeaseMs: this.mediator.startLeaseMs(kind, how.retry),
    });
    const waiting = await this.queue?.joinIfWaiting(recording);
    if (waiting) return waiting;
    return this.mediator.start(recording, how.retry);
  }

  /** Stops the room's active recording; the role is the caller's on it (administrator when they are a room manager only). */
  async stop(user: AuthUser, room: string): Promise<{ recording: Recording; role: AccessRole }> {
    const name = parseRoom(room);
    if (!canManageRoom(user, name)) throw forbidden('Only owners and administrators of this room may stop a recording.');
    // The caller's role comes with the look-up: it does not depend on the stop.
    const live = await this.store.findLiveInRoomFor(name, user.sub);
    const role = live?.role ?? 'administrator';
    if (live?.recording.status === 'paused' && this.pauses) return { recording: await this.pauses.stopPaused(live.recording), role };
    // A queued one (still waiting for a recorder) is cancelled.
    if (!live || !['active', 'queued'].includes(live.recording.status)) throw notFound('No active recording in this room.');
    return { recording: await this.mediator.stop(live.recording), role };
  }

  /** A recording the user may see, with their role; 404 for anyone else (no existence leak). */
  async get(user: AuthUser, id: string): Promise<{ recording: Recording; role: AccessRole }> {
    if (!isUuid(id)) throw notFound();
    const access = await this.store.findAccess(id, user.sub);
    if (!access) throw notFound();
    const recording = await this.store.findById(id);
    if (!recording) throw notFound();
    return { recording, role: access.role };
  }

  /**
   * A recording the user may watch: theirs (`get`), or one of a room they are a member of while
   * the room lets its members view or download (`members`); 404 for anyone else.
   */
  async getAsViewer(user: AuthUser, id: string): Promise<{ recording: Recording; role: ViewerRole; members: MemberLevel | null }> {
    if (!isUuid(id)) throw notFound();
    const access = await this.store.findAccess(id, user.sub);
    const recording = await this.store.findById(id);
    if (!recording) throw notFound();
    if (access) return { recording, role: access.role, members: null };
    if (!isRoomMember(user, recording.room)) throw notFound();
    const members = await memberLevel(this.sql, recording.room);
    if (members === 'none') throw notFound();
    return { recording, role: 'member', members };
  }

  /** `getAsViewer` plus how the owners' notification emails stand. */
  async retrieve(user: AuthUser, id: string) {
    const { recording, role } = await this.getAsViewer(user, id);
    return { recording, role, notifications: await notificationSummary(this.sql, recording.id) };
  }

  /** The user's recordings and, where the room lets its members, those of the rooms they are a member of. */
  list(user: AuthUser, filter: RecordingListFilter, limit: number, offset: number) {
    return listRecordingsForUser(this.sql, user, filter, limit, offset);
  }

  /**
   * Owner/admin and final status only; the object is removed from storage first. A recording
   * whose stop failed may still have a recorder running: it is stopped first, and the delete
   * refused (409) until the recorder is known to be gone, so no recorder runs that no recording
   * points to and no file lands that no recording owns.
   */
  async delete(user: AuthUser, id: string): Promise<void> {
    const { recording } = await this.get(user, id);
    if (!FINAL_STATUSES.includes(recording.status)) {
      throw forbidden(`A recording in status "${recording.status}" cannot be deleted yet.`);
    }
    if (recording.status === 'failed_to_stop' && recording.workerId) await this.stopBeforeDelete(recording);
    if ((await this.mediator.stopTracks(recording)).failed > 0) {
      throw conflict('A participant track recorder of this recording could not be stopped; the recording was not deleted. Retry later.');
    }
    if (this.storage) {
      const storage = this.storage;
      try {
        await Promise.all(this.mediator.objectKeys(recording).map((key) => storage.removeObject(key)));
      } catch {
        // Keep the record: deleting it while the file stays would leave an orphan nobody can remove.
        throw new RecordingError('unavailable', 'The object storage is unavailable; the recording was not deleted. Retry later.');
      }
    }
    await this.store.delete(recording.id);
  }

  private async stopBeforeDelete(recording: Recording): Promise<void> {
    let state;
    try {
      state = await this.mediator.inspect(recording);
    } catch {
      throw conflict('The recorder of this recording could not be reached to make sure it stopped; the recording was not deleted. Retry later.');
    }
    if (state.state !== 'starting' && state.state !== 'active') return;
    let stopped: Recording;
    try {
      stopped = await this.mediator.stop(recording, ['failed_to_stop']);
    } catch {
      throw conflict('The recorder of this recording is still running and could not be stopped; the recording was not deleted. Retry later.');
    }
    if (stopped.status === 'aborted') return;
    throw conflict('The recorder of this recording was still running: it has been stopped now. Its file is being saved; delete the recording once it is saved.');
  }
}

function parseRoom(room: string): string {
  const parsed = roomName.safeParse(room);
  if (!parsed.success) throw badRequest(`Invalid room name: ${parsed.error.issues[0]?.message ?? 'invalid'}.`);
  return parsed.data;
}
