import type { AppConfig } from '../config/config';
import type { Recording } from '../recording/recording';
import { objectKeyFor } from '../recording/object-key';
import { signDownloadToken } from './download-token';

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
): DownloadLink {
  const key = objectKeyFor(config.recording.outputFolder, recording.id, recording.workerKind);
  const { token, expiresAt } = signDownloadToken({
    secret,
    recordingId: recording.id,
    key,
    userSub,
    ttlSeconds: config.downloads.linkTtlSeconds,
    now,
  });
  const { baseUrl, baseUrlSet, mediaUrlPrefix } = config.downloads;
  const origin = baseUrlSet ? new URL(baseUrl).origin : '';
  // The key is `{folder}/{uuid}.{ext}` with a folder of [A-Za-z0-9_-/] only: nothing to encode.
  return { url: `${origin}${mediaUrlPrefix}${key}?token=${token}`, expiresAt };
}
