/**
 * Reading the URL nginx forwards to the media-auth endpoint (`X-Original-URL: $request_uri`).
 *
 * `$request_uri` is the raw request line target: nginx has NOT decoded or normalised it. The
 * only accepted shapes are `{prefix}{folder}/{uuid}.{ext}` (a recording's composite) and
 * `{prefix}{folder}/{uuid}/{track id}.ogg` (one participant's track), written literally, so anything a
 * client could use to make nginx (or the storage) see another path than the one authorised
 * here (percent-encoding, `..`, `//`, backslashes, case tricks) simply fails to match.
 * Nothing in this file throws, whatever the input.
 */

import { SHARE_TOKEN_SHAPE } from '../recording/share-token';
import { TRACK_ID_PATTERN } from '../recording/object-key';
import { UUID_PATTERN } from '../util/uuid';

export type MediaExtension = 'mp4' | 'ogg';

export interface MediaPath {
  recordingId: string;
  extension: MediaExtension;
  /** A participant track file (`TR_...`), or null for the recording's composite. */
  trackId: string | null;
  /** The object key in the bucket: `{folder}/{uuid}.{ext}` or `{folder}/{uuid}/{track id}.ogg`. */
  key: string;
}

export interface MediaPathOptions {
  /** MEDIA_URL_PREFIX, e.g. `/media/` (starts and ends with `/`). */
  mediaUrlPrefix: string;
  /** RECORDING_OUTPUT_FOLDER, e.g. `recordings`. */
  outputFolder: string;
}

/** Longer than any legitimate media URL with its download token; refused outright. */
export const MAX_ORIGINAL_URL_LENGTH = 4096;
const MAX_PATH_LENGTH = 512;
const MAX_TOKEN_LENGTH = 4096;

// Same shapes as src/config/config.ts accepts; re-checked here so odd options refuse instead of matching loosely.
const PREFIX_SHAPE = /^\/(?:[A-Za-z0-9_-]+\/)*$/;
const FOLDER_SHAPE = /^[A-Za-z0-9_-]+(?:\/[A-Za-z0-9_-]+)*$/;
const FILE_SHAPE = new RegExp(`^(${UUID_PATTERN})\\.(mp4|ogg)$`);
// A LiveKit track id is `TR_` and base62: no dot, slash or percent sign can hide in it.
const TRACK_SHAPE = new RegExp(`^(${UUID_PATTERN})/(${TRACK_ID_PATTERN})\\.ogg$`);
// Visible ASCII only: no space, control character, DEL or non-ASCII byte anywhere in the URL.
const VISIBLE_ASCII = /^[\x21-\x7e]*$/;
// A compact JWS (header.payload.signature), base64url parts.
const TOKEN_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

function splitUrl(originalUrl: unknown): { path: string; query: string | null } | null {
  if (typeof originalUrl !== 'string') return null;
  if (originalUrl.length === 0 || originalUrl.length > MAX_ORIGINAL_URL_LENGTH) return null;
  if (!VISIBLE_ASCII.test(originalUrl)) return null;
  if (originalUrl.includes('#')) return null;
  const q = originalUrl.indexOf('?');
  if (q < 0) return { path: originalUrl, query: null };
  return { path: originalUrl.slice(0, q), query: originalUrl.slice(q + 1) };
}

/**
 * The recording a media URL points at, or null when the URL is anything but exactly
 * `{mediaUrlPrefix}{outputFolder}/{lowercase uuid}.{mp4|ogg}` or
 * `{mediaUrlPrefix}{outputFolder}/{lowercase uuid}/{track id}.ogg` (optionally followed by a query string).
 */
export function parseMediaPath(originalUrl: string, opts: MediaPathOptions): MediaPath | null {
  try {
    const parts = splitUrl(originalUrl);
    if (!parts) return null;
    const { path } = parts;
    if (path.length > MAX_PATH_LENGTH) return null;

    const prefix = opts?.mediaUrlPrefix;
    const folder = opts?.outputFolder;
    if (typeof prefix !== 'string' || !PREFIX_SHAPE.test(prefix)) return null;
    if (typeof folder !== 'string' || !FOLDER_SHAPE.test(folder)) return null;

    const base = `${prefix}${folder}/`;
    if (!path.startsWith(base)) return null;
    const rest = path.slice(base.length);
    const composite = FILE_SHAPE.exec(rest);
    if (composite) {
      const recordingId = composite[1]!;
      const extension = composite[2] as MediaExtension;
      return { recordingId, extension, trackId: null, key: `${folder}/${recordingId}.${extension}` };
    }
    const track = TRACK_SHAPE.exec(rest);
    if (!track) return null;
    const recordingId = track[1]!;
    const trackId = track[2]!;
    return { recordingId, extension: 'ogg', trackId, key: `${folder}/${recordingId}/${trackId}.ogg` };
  } catch {
    return null;
  }
}

/**
 * The `token` query parameter of a media URL (a download-link JWT), or null when there is
 * none, more than one, or it does not look like a compact JWT. The raw value is used as is:
 * a JWT needs no percent-encoding, so an encoded one is refused rather than decoded.
 */
export function readDownloadTokenParam(originalUrl: string): string | null {
  try {
    const parts = splitUrl(originalUrl);
    if (!parts || parts.query === null) return null;
    let found: string | null = null;
    for (const pair of parts.query.split('&')) {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      if (name !== 'token') continue;
      if (found !== null) return null; // ambiguous: two tokens
      found = eq < 0 ? '' : pair.slice(eq + 1);
    }
    if (found === null || found.length > MAX_TOKEN_LENGTH || !TOKEN_SHAPE.test(found)) return null;
    return found;
  } catch {
    return null;
  }
}

/** The one value of query parameter `name`, raw; null when absent or given twice. */
function singleParam(originalUrl: string, name: string): string | null | undefined {
  const parts = splitUrl(originalUrl);
  if (!parts || parts.query === null) return undefined;
  let found: string | undefined;
  for (const pair of parts.query.split('&')) {
    const eq = pair.indexOf('=');
    if ((eq < 0 ? pair : pair.slice(0, eq)) !== name) continue;
    if (found !== undefined) return null; // ambiguous: given twice
    found = eq < 0 ? '' : pair.slice(eq + 1);
  }
  return found;
}

/**
 * The `share` query parameter of a media URL (a share-link token), or null when there is
 * none, more than one, or it is not exactly the shape the service issues (43 base64url characters).
 */
export function readShareTokenParam(originalUrl: string): string | null {
  try {
    const found = singleParam(originalUrl, 'share');
    return typeof found === 'string' && SHARE_TOKEN_SHAPE.test(found) ? found : null;
  } catch {
    return null;
  }
}
