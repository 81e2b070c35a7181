import { DateTime } from 'luxon';

/** Characters that file systems refuse or that mean something in a path. */
const UNSAFE = /[\u0000-\u001f\u007f"*/:<>?\\|]+/g;

/**
 * The name a browser saves a recording's file under: `{room} {date} {time}.{ext}`, e.g.
 * `standup 2025-03-14 09.30.mp4`, with the time in `zone` (DEFAULT_TIMEZONE).
 */
export function downloadFileName(room: string, createdAt: Date, extension: string, zone: string): string {
  const when = DateTime.fromJSDate(createdAt, { zone });
  const stamp = when.isValid ? when.toFormat('yyyy-LL-dd HH.mm') : '';
  const base = `${room.replace(UNSAFE, '_').trim().slice(0, 120)} ${stamp}`.trim() || 'recording';
  return `${base}.${extension}`;
}
