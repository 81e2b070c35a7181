import type { Readable, Writable } from 'node:stream';
import { DateTime } from 'luxon';
import type { ArchiveSelection } from './archive-selection';

/** What the ZIP reads from the bucket. */
export interface ArchiveSource {
  readStream(key: string): Promise<Readable>;
  listKeys(prefix: string): Promise<string[]>;
}

/** Characters that file systems refuse or that mean something in a path. */
const UNSAFE = /[\u0000-\u001f\u007f"*/:<>?\\|]+/g;

/** `{room} {date} {time} ({first 8 of the id})`: readable, and two recordings never share a folder. */
export function recordingFolder(room: string, createdAt: Date, id: string, zone: string): string {
  const when = DateTime.fromJSDate(createdAt, { zone });
  const stamp = when.isValid ? when.toFormat('yyyy-LL-dd HH.mm') : '';
  const base = `${room.replace(UNSAFE, '_').trim().slice(0, 100)} ${stamp}`.trim() || 'recording';
  return `${base} (${id.slice(0, 8)})`;
}

/** The ZIP's own name, e.g. `recordings 2025-03-14 09.30.zip`. */
export function archiveFileName(now: Date, zone: string): string {
  const when = DateTime.fromJSDate(now, { zone });
  return `recordings ${when.isValid ? when.toFormat('yyyy-LL-dd HH.mm') : ''}`.trim() + '.zip';
}

function missingText(missing: ArchiveSelection['missing']): string {
  const lines = missing.map(({ id, why }) => `${id}: ${why}`);
  return `These recordings were asked for but are not in this archive:\n${lines.join('\n')}\n`;
}

/**
 * Writes the selection as a ZIP to `out` while reading it from storage: one object at a time,
 * stored as is (media is compressed already), so memory holds a few stream buffers whatever the
 * size; entries past 4 GB or an archive past 4 GB get ZIP64 records (compress-commons does this
 * by itself). Each recording gets a folder: its saved files, then its artifacts
 * (`{folder}/{id}/artifacts/...`). What could not be read goes to MISSING.txt at the end, like
 * the recordings left out. Resolves once the archive is complete; rejects when `out` fails.
 */
export async function writeArchive(
  out: Writable,
  selection: ArchiveSelection,
  source: ArchiveSource,
  settings: { outputFolder: string; zone: string },
): Promise<void> {
  // Loaded on the first archive: most instances never build one.
  const { default: archiver } = await import('archiver');
  const zip = archiver('zip', { store: true });
  const done = new Promise<void>((resolve, reject) => {
    out.on('finish', resolve);
    out.on('close', resolve);
    out.on('error', reject);
    zip.on('error', reject);
  });
  zip.pipe(out);
  const missing = [...selection.missing];
  // The client went away (or `out` failed): stop reading, release the storage's stream.
  let aborted = false;
  let stopCurrent: (() => void) | null = null;
  out.on('close', () => {
    if (out.writableFinished) return;
    aborted = true;
    stopCurrent?.();
  });
  for (const { recording, keys } of selection.included) {
    if (aborted) break;
    const folder = recordingFolder(recording.room, recording.createdAt, recording.id, settings.zone);
    const prefix = `${settings.outputFolder}/${recording.id}/`;
    let artifacts: string[] = [];
    try {
      artifacts = (await source.listKeys(`${prefix}artifacts/`)).sort();
    } catch {
      missing.push({ id: recording.id, why: 'its artifacts could not be listed' });
    }
    for (const key of [...keys, ...artifacts]) {
      if (aborted) break;
      const name = key.startsWith(prefix) ? key.slice(prefix.length) : key.slice(key.lastIndexOf('/') + 1);
      let stream: Readable;
      try {
        stream = await source.readStream(key);
      } catch {
        missing.push({ id: recording.id, why: `file ${name} could not be read from storage` });
        continue;
      }
      // One entry at a time: the next object is asked for once this one is written.
      await new Promise<void>((resolve, reject) => {
        const settle = (err?: Error) => {
          zip.off('entry', onEntry);
          zip.off('error', settle);
          stopCurrent = null;
          if (err) reject(err);
          else resolve();
        };
        const onEntry = () => settle();
        stopCurrent = () => {
          stream.destroy();
          settle();
        };
        zip.once('entry', onEntry);
        zip.once('error', settle);
        stream.once('error', settle);
        if (aborted) return stopCurrent();
        zip.append(stream, { name: `${folder}/${name}`, date: recording.createdAt });
      });
    }
  }
  if (!aborted && missing.length > 0) zip.append(missingText(missing), { name: 'MISSING.txt' });
  if (aborted) {
    done.catch(() => undefined);
    zip.abort();
    return;
  }
  await zip.finalize();
  await done;
}
