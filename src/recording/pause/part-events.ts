import { UUID_PATTERN } from '../../util/uuid';
import type { RecordingPartStore } from '../store/part-store';

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Storage events of paused recordings: a part landing under `{id}/parts/` is stored and wakes
 * the recording's join; an object at a file key of a recording that has parts (its first
 * stretch, or the joined file) only wakes the join, and never saves the recording by itself
 * (for the composite, RecordingStore.markSaved's `unlessJoined` finds that in its own statement).
 */
export class PartEvents {
  private readonly partKey: RegExp;

  constructor(
    private readonly parts: RecordingPartStore,
    private readonly outputFolder: string,
  ) {
    this.partKey = new RegExp(`^(?:[A-Za-z0-9._-]+/)*${escapeRegex(outputFolder)}/((${UUID_PATTERN})/parts/[A-Za-z0-9_-]{1,80}\\.(?:mp4|ogg))$`);
  }

  /** True: the key is a paused recording's part, now stored, its join woken; false: the usual path decides. */
  async handlePart(key: string, size: number | null): Promise<boolean> {
    if (key.length > 1024 || key.split('/').some((segment) => segment === '.' || segment === '..')) return false;
    const part = this.partKey.exec(key);
    if (!part) return false;
    const [, relativeKey, recordingId] = part as unknown as [string, string, string];
    await this.parts.settle(recordingId, relativeKey, 'stored', size);
    await this.wake(recordingId);
    return true;
  }

  /** True: the recording has parts, so a file at one of its keys only wakes its join. */
  async wakeIfJoined(recordingId: string): Promise<boolean> {
    if (!(await this.parts.hasParts(recordingId))) return false;
    await this.wake(recordingId);
    return true;
  }

  async wake(recordingId: string): Promise<void> {
    await this.parts.nudgeJoin(recordingId);
  }
}
