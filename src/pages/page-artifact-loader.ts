import type { Readable } from 'node:stream';
import { artifactKey } from '../recording/object-key';
import type { Recording } from '../recording/recording';
import { parseCues, parseSpeakers, renderSummary, type PageArtifacts } from './page-artifacts';

/** Reads artifacts' bytes from the bucket (ArtifactObjects). */
export interface ArtifactReader {
  get(key: string): Promise<Readable | null>;
}

/** The artifacts the page knows by name. */
const SHOWN = ['transcript.vtt', 'chapters.vtt', 'summary.md', 'speakers.json'] as const;
type Shown = (typeof SHOWN)[number];

async function text(stream: Readable, max: number): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > max) {
      stream.destroy();
      return null;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * What the page shows of the recording's artifacts; null when it has none of SHOWN. `urlFor`
 * gives a `<track>` source authorised for this viewer (null: none, e.g. a viewer whose
 * credential a browser cannot send with it; the page's script then makes the captions from the
 * transcript). An artifact the storage cannot give is left out: the page still shows the rest.
 */
export async function loadPageArtifacts(
  recording: Recording,
  reader: ArtifactReader,
  settings: { outputFolder: string; maxBytes: number },
  urlFor: (name: Shown) => string | null,
): Promise<PageArtifacts | null> {
  const present = new Set((recording.artifacts ?? []).map((a) => a.name));
  if (!SHOWN.some((name) => present.has(name))) return null;
  const read = async (name: Shown): Promise<string | null> => {
    if (!present.has(name)) return null;
    try {
      const stream = await reader.get(artifactKey(settings.outputFolder, recording.id, name));
      return stream ? await text(stream, settings.maxBytes) : null;
    } catch {
      return null;
    }
  };
  const [transcript, chapters, summary, speakers] = await Promise.all(SHOWN.map(read));
  return {
    captionsUrl: transcript !== null ? urlFor('transcript.vtt') : null,
    chaptersUrl: chapters !== null ? urlFor('chapters.vtt') : null,
    transcript: transcript !== null ? parseCues(transcript) : [],
    chapters: chapters !== null ? parseCues(chapters) : [],
    summaryHtml: summary !== null ? await renderSummary(summary) : null,
    speakers: speakers !== null ? parseSpeakers(speakers) : [],
  };
}
