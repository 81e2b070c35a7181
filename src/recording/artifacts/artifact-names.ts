import { WebVTTParser } from 'webvtt-parser';
import { badRequest, unsupportedType } from '../errors';

/** What an artifact may be called: a lower-case name and one of four extensions. */
export const ARTIFACT_NAME = /^[a-z0-9][a-z0-9-]*\.(vtt|json|md|txt)$/;
const MAX_NAME_LENGTH = 128;

const CONTENT_TYPES = {
  vtt: 'text/vtt; charset=utf-8',
  json: 'application/json',
  md: 'text/markdown; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
} as const;

export type ArtifactExtension = keyof typeof CONTENT_TYPES;

/**
 * The name checked: 400 for anything that could leave the artifacts folder or is not a plain
 * name (`..`, `/`, upper case, too long), 415 for a well-formed name with another extension.
 */
export function parseArtifactName(name: string): { name: string; extension: ArtifactExtension; contentType: string } {
  const match = ARTIFACT_NAME.exec(name);
  if (match && name.length <= MAX_NAME_LENGTH) {
    const extension = match[1] as ArtifactExtension;
    return { name, extension, contentType: CONTENT_TYPES[extension] };
  }
  if (name.length <= MAX_NAME_LENGTH && /^[a-z0-9][a-z0-9-]*\.[A-Za-z0-9]+$/.test(name)) {
    throw unsupportedType('Artifacts are .vtt, .json, .md or .txt files.');
  }
  throw badRequest('Invalid artifact name: expected lower-case letters, digits and "-", then .vtt, .json, .md or .txt (at most 128 characters).');
}

/** The body checked for its kind: UTF-8 text; a WebVTT file that parses; JSON that parses. 400 naming what is wrong. */
export function checkArtifactBody(extension: ArtifactExtension, body: Buffer): void {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw badRequest('The artifact is not valid UTF-8 text.');
  }
  if (extension === 'vtt') {
    const { errors } = new WebVTTParser().parse(text, 'metadata');
    const first = errors[0];
    if (first) throw badRequest(`Invalid WebVTT: line ${first.line}: ${first.message}`);
  } else if (extension === 'json') {
    try {
      JSON.parse(text);
    } catch (err) {
      throw badRequest(`Invalid JSON: ${err instanceof Error ? err.message : 'does not parse'}`);
    }
  }
}
