import type { RecordingExtension } from '../../recording/object-key';

const CONTENT_TYPES: Record<RecordingExtension, readonly string[]> = {
  mp4: ['video/mp4'],
  ogg: ['audio/ogg', 'application/ogg', 'audio/opus'],
};

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Recognises `[parent folders/]{folder}/{uuid}.{mp4|ogg}` (SPEC.md, Storage layout); null for
 * any other key.
 */
export function matchRecordingKey(key: string, folder: string): { recordingId: string; extension: RecordingExtension } | null {
  if (key.length > 1024) return null;
  const pattern = new RegExp(
    `^(?:[A-Za-z0-9._-]+/)*${escapeRegex(folder)}/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\\.(mp4|ogg)$`,
  );
  const match = pattern.exec(key);
  if (!match) return null;
  if (key.split('/').some((segment) => segment === '.' || segment === '..')) return null;
  return { recordingId: match[1]!, extension: match[2] as RecordingExtension };
}

export function contentTypeMatches(extension: RecordingExtension, contentType: string | null): boolean {
  return contentType !== null && CONTENT_TYPES[extension].includes(contentType);
}
