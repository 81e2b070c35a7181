import { z } from 'zod';
import type { AppConfig } from '../config/config';
import type { Recording } from '../recording/recording';
import { fileKey, objectKeyFor } from '../recording/object-key';
import { signDownloadToken } from './download-token';

/** Body of POST /recordings/{id}/download-link/: which file (a `key` of the recording's `files`); none: the composite. */
export const downloadLinkRequest = z.object({ key: z.string().min(1).max(1024).optional() }).strict();

/**
 * The object key a link may open for `requested` (a key from the recording's `files`, or
 * undefined for the composite): `unknown_file` when the recording has no such file,
 * `not_saved` for a track file that is not in storage.
 */
export function downloadableKey(
  config: Pick<AppConfig, 'recording'>,
  recording: Pick<Recording, 'id' | 'workerKind' | 'files'>,
  requested: string | undefined,
): { ok: true; key: string } | { ok: false; reason: 'unknown_file' | 'not_saved' } {
  const folder = config.recording.outputFolder;
  const composite = objectKeyFor(folder, recording.id, recording.workerKind);
  if (requested === undefined || requested === composite) return { ok: true, key: composite };
  const file = recording.files.find((f) => f.kind === 'track' && fileKey(folder, f.relativeKey) === requested);
  if (!file) return { ok: false, reason: 'unknown_file' };
  return file.status === 'saved' ? { ok: true, key: requested } : { ok: false, reason: 'not_saved' };
}

export interface DownloadLink {
  url: string;
  expiresAt: Date;
}

/**
 * `{origin}{MEDIA_URL_PREFIX}{key}?token=...`: a link nginx serves after media-auth checks the
 * token. The origin is that of RECORDING_DOWNLOAD_BASE_URL (the public site, which is where nginx
 * serves MEDIA_URL_PREFIX too) when it is set; otherwise the link is a path on the host that
 * served the API call, e.g. `/media/recordings/<id>.mp4?token=...`.
 */
export function issueDownloadLink(
  config: AppConfig,
  secret: string,
  recording: Pick<Recording, 'id' | 'workerKind'>,
  userSub: string,
  now: Date = new Date(),
  /** The file (see downloadableKey); default the composite. */
  key: string = objectKeyFor(config.recording.outputFolder, recording.id, recording.workerKind),
  /** The room, when issued to one of its members rather than to someone with an access. */
  memberRoom?: string,
): DownloadLink {
  const { token, expiresAt } = signDownloadToken({
    secret,
    recordingId: recording.id,
    key,
    userSub,
    memberRoom,
    ttlSeconds: config.downloads.linkTtlSeconds,
    now,
  });
  const { baseUrl, baseUrlSet, mediaUrlPrefix } = config.downloads;
  const origin = baseUrlSet ? new URL(baseUrl).origin : '';
  // The key is `{folder}/{uuid}.{ext}` or `{folder}/{uuid}/TR_....ogg` with a folder of [A-Za-z0-9_-/] only: nothing to encode.
  return { url: `${origin}${mediaUrlPrefix}${key}?token=${token}`, expiresAt };
}
