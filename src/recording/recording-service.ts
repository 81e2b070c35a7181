import type { AuthUser } from '../auth/user';
import { canManageRoom } from '../auth/user';
import type { Recording } from '../db/entities/recording.entity';
import type { RecordingMediator } from './mediator';
import type { RecordingStore } from './recording-store';
import { badRequest, forbidden, notFound, RecordingError } from './errors';
import { roomName, startRecordingBody } from './start-request';
import type { AccessRole } from './status';
import { FINAL_STATUSES } from './status';
import type { WorkerRegistry } from './workers/registry';

export interface ObjectRemover {
  removeObject(key: string): Promise<void>;
}

/** What the API asks of recordings: the rules of SPEC.md's endpoints, independent of HTTP. */
export class RecordingService {
  constructor(
    private readonly store: RecordingStore,
    private readonly mediator: RecordingMediator,
    private readonly registry: WorkerRegistry,
    private readonly storage: ObjectRemover | undefined,
  ) {}

  async start(user: AuthUser, room: string, body: unknown): Promise<Recording> {
    const name = parseRoom(room);
    if (!canManageRoom(user, name)) throw forbidden('Only owners and administrators of this room may start a recording.');
    const parsed = startRecordingBody.safeParse(body ?? {});
    if (!parsed.success) throw badRequest(zodDetail(parsed.error));
    const kind = this.registry.kindForMode(parsed.data.mode);
    if (!kind) throw badRequest(`Unknown mode "${parsed.data.mode}"; expected one of: ${this.registry.modeNames.join(', ')}.`);
    const options = parsed.data.options ?? {};
    const recording = await this.store.createInitiated({
      room: name,
      mode: parsed.data.mode,
      workerKind: kind,
      options,
      isPermanent: options.permanent === true,
      owner: user,
    });
    return this.mediator.start(recording);
  }

  async stop(user: AuthUser, room: string): Promise<Recording> {
    const name = parseRoom(room);
    if (!canManageRoom(user, name)) throw forbidden('Only owners and administrators of this room may stop a recording.');
    const live = await this.store.findLiveInRoom(name);
    if (!live || live.status !== 'active') throw notFound('No active recording in this room.');
    return this.mediator.stop(live);
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

  list(user: AuthUser, limit: number, offset: number) {
    return this.store.listForUser(user.sub, limit, offset);
  }

  /** Owner/admin and final status only; the object is removed from storage first. */
  async delete(user: AuthUser, id: string): Promise<void> {
    const { recording } = await this.get(user, id);
    if (!FINAL_STATUSES.includes(recording.status)) {
      throw forbidden(`A recording in status "${recording.status}" cannot be deleted yet.`);
    }
    if (this.storage) {
      try {
        await this.storage.removeObject(this.mediator.objectKey(recording));
      } catch {
        // Keep the record: deleting it while the file stays would leave an orphan nobody can remove.
        throw new RecordingError('unavailable', 'The object storage is unavailable; the recording was not deleted. Retry later.');
      }
    }
    await this.store.delete(recording.id);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

function parseRoom(room: string): string {
  const parsed = roomName.safeParse(room);
  if (!parsed.success) throw badRequest(`Invalid room name: ${parsed.error.issues[0]?.message ?? 'invalid'}.`);
  return parsed.data;
}

function zodDetail(error: { issues: { path: PropertyKey[]; message: string; code: string }[] }): string {
  const issue = error.issues[0];
  if (!issue) return 'Invalid request body.';
  const where = issue.path.length ? issue.path.map(String).join('.') : 'body';
  return `Invalid request body: ${where}: ${issue.message}.`;
}
