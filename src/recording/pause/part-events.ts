import { UUID_PATTERN } from '../../util/uuid';
import { matchRecordingKey } from '../object-key';
import type { RecordingPartStore } from '../store/part-store';

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Storage events of paused recordings: a part landing under `{id}/parts/` is stored and wakes
 * the recording's join; an object at a file key of a recording that has parts (its first
 * stretch, or the joined file) only wakes the join, and never saves the recording by itself.
 */
export class PartEvents {
  private readonly partKey: RegExp;

  constructor(
    private readonly parts: RecordingPartStore,
    private readonly outputFolder: string,
  ) {
    this.partKey = new RegExp(`^(?:[A-Za-z0-9._-]+/)*${escapeRegex(outputFolder)}/((${UUID_PATTERN})/parts/[A-Za-z0-9_-]{1,80}\\.(?:mp4|ogg))$`);
  }

  /** True: the event was about a paused recording's part or file, and is handled; false: the usual path decides. */
  async handle(key: string, size: number | null): Promise<boolean> {
    if (key.length > 1024 || key.split('/').some((segment) => segment === '.' || segment === '..')) return false;
    const part = this.partKey.exec(key);
    if (part) {
      const [, relativeKey, recordingId] = part as unknown as [string, string, string];
      await this.parts.settle(recordingId, relativeKey, 'stored', size);
      await this.wake(recordingId);
      return true;
    }
    const file = matchRecordingKey(key, this.outputFolder);
    if (!file || !(await this.parts.hasParts(file.recordingId))) return false;
    await this.wake(file.recordingId);
    return true;
  }

  private async wake(recordingId: string): Promise<void> {
    await this.parts.nudgeJoin(recordingId);
  }
}
