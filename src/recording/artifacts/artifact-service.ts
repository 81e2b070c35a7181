import type { Readable } from 'node:stream';
import type { AuthUser } from '../../auth/user';
import type { ArtifactObjects } from '../../storage/artifact-objects';
import { isUuid } from '../../util/uuid';
import { forbidden, notFound, RecordingError } from '../errors';
import { isExpired } from '../expiry';
import { artifactKey } from '../object-key';
import type { Recording, RecordingArtifact } from '../recording';
import type { ShareResolution } from '../share-links';
import { DOWNLOADABLE_STATUSES } from '../status';
import type { ArtifactStore } from '../store/artifact-store';
import { checkArtifactBody, parseArtifactName, type ArtifactExtension } from './artifact-names';

/** Who asks: a user (host-app JWT), the artifact token of one recording, or a share link's holder. */
export type ArtifactCaller = { kind: 'user'; user: AuthUser } | { kind: 'artifact_token'; recordingId: string } | { kind: 'share'; token: string };

/** A write that passed every check but the body's. */
export interface ArtifactTarget {
  recordingId: string;
  name: string;
  extension: ArtifactExtension;
  contentType: string;
}

export interface ArtifactServiceOptions {
  /** A recording the user may see (404 otherwise): owners and administrators. */
  getForUser(user: AuthUser, id: string): Promise<{ recording: Recording }>;
  findById(id: string): Promise<Recording | null>;
  resolveShare(recordingId: string, token: string): Promise<ShareResolution>;
  store: ArtifactStore;
  /** Unset without a configured storage: every call is 503. */
  objects?: ArtifactObjects;
  settings: { outputFolder: string; expirationDays: number | undefined };
}

const STORAGE_DOWN = 'The object storage is unavailable; retry later.';

/** The rules of the artifacts endpoints, independent of HTTP. */
export class ArtifactService {
  constructor(private readonly options: ArtifactServiceOptions) {}

  /** Files kept and not expired: only then may results be written on it. */
  writable(recording: Recording): boolean {
    return DOWNLOADABLE_STATUSES.includes(recording.status) && !isExpired(recording, this.options.settings.expirationDays);
  }

  /** Who may write, on which recording, under which name: checked before the body is read. */
  async prepareWrite(caller: ArtifactCaller, recordingId: string, rawName: string): Promise<ArtifactTarget> {
    const recording = await this.writer(caller, recordingId);
    if (!this.writable(recording)) throw forbidden('Artifacts can be written only on a saved recording whose files are kept.');
    const { name, extension, contentType } = parseArtifactName(rawName);
    this.storage();
    return { recordingId: recording.id, name, extension, contentType };
  }

  /** Checks and stores the body; `created` is false when it replaced an artifact of that name. */
  async write(target: ArtifactTarget, body: Buffer): Promise<{ artifact: RecordingArtifact; created: boolean }> {
    checkArtifactBody(target.extension, body);
    const objects = this.storage();
    const key = artifactKey(this.options.settings.outputFolder, target.recordingId, target.name);
    await this.storageCall(() => objects.put(key, body, target.contentType));
    const saved = await this.options.store.save(target.recordingId, { name: target.name, contentType: target.contentType, size: body.length }, (r) => this.writable(r));
    if (!saved) {
      // Deleted or expired while the body came in: what was just stored goes too.
      await objects.remove(key).catch(() => undefined);
      throw forbidden('The recording was deleted or expired meanwhile; the artifact was not stored.');
    }
    return saved;
  }

  /** The artifact's bytes: for the recording's owners and administrators and share-link holders. */
  async read(caller: ArtifactCaller, recordingId: string, rawName: string): Promise<{ artifact: RecordingArtifact; body: Readable }> {
    const recording = await this.reader(caller, recordingId);
    const artifact = this.find(recording, rawName);
    const objects = this.storage();
    const body = await this.storageCall(() => objects.get(artifactKey(this.options.settings.outputFolder, recording.id, artifact.name)));
    if (!body) throw notFound('No such artifact.');
    return { artifact, body };
  }

  /** Owners and administrators remove one artifact: from the bucket first, then the row. */
  async remove(caller: ArtifactCaller, recordingId: string, rawName: string): Promise<void> {
    if (caller.kind !== 'user') throw forbidden('Only the recording\'s owners and administrators may delete its artifacts.');
    const { recording } = await this.options.getForUser(caller.user, recordingId);
    const artifact = this.find(recording, rawName);
    const objects = this.storage();
    await this.storageCall(() => objects.remove(artifactKey(this.options.settings.outputFolder, recording.id, artifact.name)));
    await this.options.store.remove(recording.id, artifact.name);
  }

  private async writer(caller: ArtifactCaller, recordingId: string): Promise<Recording> {
    if (caller.kind === 'user') return (await this.options.getForUser(caller.user, recordingId)).recording;
    if (caller.kind === 'share') throw forbidden('A share link cannot write artifacts.');
    if (caller.recordingId !== recordingId) throw forbidden('This artifact token is for another recording.');
    const recording = isUuid(recordingId) ? await this.options.findById(recordingId) : null;
    if (!recording) throw forbidden('This artifact token is no longer valid: its recording was deleted.');
    return recording;
  }

  private async reader(caller: ArtifactCaller, recordingId: string): Promise<Recording> {
    if (caller.kind === 'user') return (await this.options.getForUser(caller.user, recordingId)).recording;
    if (caller.kind === 'artifact_token') throw forbidden('An artifact token can only write artifacts.');
    const shared = await this.options.resolveShare(recordingId, caller.token);
    if (shared.result !== 'ok') throw forbidden('This share link does not open this recording (unknown, revoked, expired or not available).');
    return shared.recording;
  }

  private find(recording: Recording, rawName: string): RecordingArtifact {
    const { name } = parseArtifactName(rawName);
    const artifact = (recording.artifacts ?? []).find((a) => a.name === name);
    if (!artifact) throw notFound('No such artifact.');
    return artifact;
  }

  private storage(): ArtifactObjects {
    if (!this.options.objects) throw new RecordingError('unavailable', 'No object storage is configured: artifacts cannot be stored.');
    return this.options.objects;
  }

  private async storageCall<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch {
      throw new RecordingError('unavailable', STORAGE_DOWN);
    }
  }
}
