/** The content types a recording file of each extension may be stored with; the first is the one we name. */
export const CONTENT_TYPES = {
  mp4: ['video/mp4'],
  ogg: ['audio/ogg', 'application/ogg', 'audio/opus'],
} as const satisfies Record<string, readonly [string, ...string[]]>;

export type FileExtension = keyof typeof CONTENT_TYPES;

export function isFileExtension(ext: string): ext is FileExtension {
  return Object.prototype.hasOwnProperty.call(CONTENT_TYPES, ext);
}
