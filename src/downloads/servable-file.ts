import { isExpired } from '../recording/expiry';
import { extensionForKind } from '../recording/object-key';
import { DOWNLOADABLE_STATUSES } from '../recording/status';
import type { MediaAccess } from './media-access';
import type { MediaPath } from './media-path';

export type FileRefusal = 'not_saved' | 'wrong_extension' | 'unknown_file' | 'expired';

/**
 * Whether one file of a recording may be served at all, whoever asks: the recording is saved
 * and unexpired, and the file is its composite with the right extension or one of its saved
 * participant tracks. Null when it may. Every credential (user, download link, share link)
 * is checked against the same rules here; who may have the recording is the caller's part.
 */
export function fileRefusal(row: Omit<MediaAccess, 'allowed'>, media: Pick<MediaPath, 'extension' | 'trackId'>, expirationDays: number | undefined): FileRefusal | null {
  if (!DOWNLOADABLE_STATUSES.includes(row.status)) return 'not_saved';
  if (media.trackId === null) {
    if (extensionForKind(row.workerKind) !== media.extension) return 'wrong_extension';
  } else if (row.trackStatus !== 'saved') {
    return row.trackStatus ? 'not_saved' : 'unknown_file';
  }
  if (isExpired(row, expirationDays)) return 'expired';
  return null;
}
