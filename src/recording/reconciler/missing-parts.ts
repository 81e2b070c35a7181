import type { ObjectStorage } from '../../storage/object-storage';
import { fileKey } from '../object-key';
import type { RecordingPartStore } from '../store/part-store';

export interface MissingPartsDeps {
  parts: RecordingPartStore;
  storage: ObjectStorage;
  outputFolder: string;
  /** RECONCILE_STOPPED_GRACE_MS: how long a stopped stretch's file may take to land. */
  graceMs: number;
}

export interface MissingPartsOutcome {
  /** Parts marked failed by this look. */
  failed: number;
  /** Parts found in storage although no event said so (the join job takes them). */
  landed: number;
  /** When the next part's grace ends, in ms from now; null when no part is still awaited. */
  nextMs: number | null;
}

/**
 * A stopped recording that was paused: each part still awaited whose stretch stopped more than
 * the grace ago, and whose object is nowhere in storage, is marked failed (with the recording's
 * reason, in the same transaction). The join job then joins the file from the parts that did arrive.
 */
export async function settleMissingParts(deps: MissingPartsDeps, recordingId: string): Promise<MissingPartsOutcome> {
  const { parts, storage } = deps;
  const key = (relativeKey: string) => fileKey(deps.outputFolder, relativeKey);
  const outcome: MissingPartsOutcome = { failed: 0, landed: 0, nextMs: null };
  for (const part of await parts.partsOf(recordingId)) {
    if (part.status !== 'pending' && part.status !== 'recording') continue;
    const inStorage = (await storage.statObject(key(part.partKey))) !== null
      || (part.writtenKey !== part.partKey && (await storage.statObject(key(part.writtenKey))) !== null);
    if (inStorage) {
      outcome.landed += 1;
      continue;
    }
    const left = deps.graceMs - part.idleMs;
    if (left > 0) {
      outcome.nextMs = Math.min(outcome.nextMs ?? left, left);
      continue;
    }
    if (await parts.failMissing(recordingId, part.partKey)) outcome.failed += 1;
  }
  return outcome;
}
