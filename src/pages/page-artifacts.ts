import type MarkdownIt from 'markdown-it';
import { WebVTTParser, type Cue, type TreeNode } from 'webvtt-parser';
import type { PageTranslate } from '../notifications/i18n';
import { escapeHtml as e } from '../notifications/html-escape';

/**
 * What the recording page shows of a recording's artifacts: transcript.vtt as captions and as a
 * transcript beside the player (speakers from WebVTT voice tags), summary.md as text,
 * chapters.vtt as chapters, speakers.json as one time line per speaker. Every value is escaped;
 * Markdown is rendered by markdown-it with raw HTML off and only http(s) and mailto links kept.
 */

export interface TranscriptCue {
  start: number;
  end: number;
  speaker: string | null;
  text: string;
}

export interface SpeakerLine {
  identity: string;
  name: string;
  segments: [number, number][];
}

export interface PageArtifacts {
  /** `<track>` sources, with what authorises this viewer; null when not there (or not loadable this way). */
  captionsUrl: string | null;
  chaptersUrl: string | null;
  transcript: TranscriptCue[];
  chapters: TranscriptCue[];
  summaryHtml: string | null;
  speakers: SpeakerLine[];
}

const SAFE_LINK = /^(?:https?:|mailto:)/i;

/** markdown-it as summaries need it: raw HTML and images off, links other than http(s)/mailto left as text. */
async function summaryMarkdown(): Promise<MarkdownIt> {
  const { default: Markdown } = await import('markdown-it');
  const markdown = new Markdown({ html: false, linkify: false, typographer: false });
  markdown.disable('image');
  markdown.validateLink = (url: string) => SAFE_LINK.test(url.trim());
  const defaultLinkOpen = markdown.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
  markdown.renderer.rules.link_open = (tokens, idx, options, env, self) => {
    tokens[idx]!.attrSet('rel', 'noopener noreferrer nofollow');
    return defaultLinkOpen(tokens, idx, options, env, self);
  };
  return markdown;
}

// Loaded with the first summary shown: most instances and pages never render one.
let summaryRenderer: Promise<MarkdownIt> | undefined;

/** summary.md as HTML: no HTML of its own passes (it shows as text), links other than http(s)/mailto stay text. */
export async function renderSummary(source: string): Promise<string> {
  summaryRenderer ??= summaryMarkdown().catch((err: unknown) => {
    summaryRenderer = undefined;
    throw err;
  });
  return (await summaryRenderer).render(source);
}

function textOf(nodes: TreeNode[]): string {
  return nodes.map((n) => (n.type === 'text' ? n.value : 'children' in n ? textOf(n.children as TreeNode[]) : '')).join('');
}

function voiceOf(nodes: TreeNode[]): string | null {
  for (const n of nodes) {
    if (n.type === 'object' && n.name === 'v') return n.value.trim() || null;
    if (n.type === 'object') {
      const inner = voiceOf(n.children as TreeNode[]);
      if (inner) return inner;
    }
  }
  return null;
}

/** The cues of a stored WebVTT artifact (it parsed when stored), with their voice-tag speaker. */
export function parseCues(vtt: string): TranscriptCue[] {
  const { cues } = new WebVTTParser().parse(vtt, 'metadata');
  return cues.map((cue: Cue) => {
    const children = cue.tree.children as TreeNode[];
    return { start: cue.startTime, end: cue.endTime, speaker: voiceOf(children), text: textOf(children).trim() };
  });
}

/** speakers.json as the service writes it; anything else gives no rows. */
export function parseSpeakers(json: string): SpeakerLine[] {
  try {
    const parsed = JSON.parse(json) as { speakers?: unknown };
    if (!Array.isArray(parsed.speakers)) return [];
    return parsed.speakers.flatMap((s: Record<string, unknown>) => {
      if (typeof s?.identity !== 'string' || !Array.isArray(s.segments)) return [];
      const segments = s.segments.filter((g: unknown): g is [number, number] => Array.isArray(g) && g.length === 2 && g.every((x) => typeof x === 'number' && Number.isFinite(x)));
      return [{ identity: s.identity, name: typeof s.name === 'string' && s.name ? s.name : s.identity, segments }];
    });
  } catch {
    return [];
  }
}

/** 75 -> "1:15", 3725 -> "1:02:05". */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

const at = (n: number) => n.toFixed(3);

/** The `<track>` elements inside the player. */
export function trackElements(t: PageTranslate, a: PageArtifacts | null, language: string): string {
  if (!a) return '';
  return [
    a.captionsUrl ? `<track kind="captions" label="${e(t('captions'))}" srclang="${e(language)}" src="${e(a.captionsUrl)}" default>` : '',
    a.chaptersUrl ? `<track kind="chapters" srclang="${e(language)}" src="${e(a.chaptersUrl)}">` : '',
  ].join('');
}

/** The transcript panel beside the player: one button per cue (click or Enter seeks). */
export function transcriptPanel(t: PageTranslate, a: PageArtifacts | null): string {
  if (!a || a.transcript.length === 0) return '';
  const items = a.transcript.map((cue) => {
    const who = cue.speaker ? `<span class="cue-speaker">${e(cue.speaker)}</span> ` : '';
    return `<li><button type="button" class="cue seek" data-start="${at(cue.start)}" data-end="${at(cue.end)}"><span class="cue-time">${e(clock(cue.start))}</span> ${who}<span class="cue-text">${e(cue.text)}</span></button></li>`;
  });
  return `<section class="transcript-panel" aria-labelledby="transcript-heading">
<h2 id="transcript-heading">${e(t('transcript'))}</h2>
<ol class="transcript" id="transcript">
${items.join('\n')}
</ol>
</section>`;
}

/** Summary, chapters and the speaker time line, under the player. */
export function artifactSections(t: PageTranslate, a: PageArtifacts | null): string {
  if (!a) return '';
  const out: string[] = [];
  if (a.chapters.length) {
    const items = a.chapters.map((c) => `<li><button type="button" class="seek" data-start="${at(c.start)}"><span class="cue-time">${e(clock(c.start))}</span> ${e(c.text)}</button></li>`);
    out.push(`<section aria-labelledby="chapters-heading">\n<h2 id="chapters-heading">${e(t('chapters'))}</h2>\n<ol class="chapters">\n${items.join('\n')}\n</ol>\n</section>`);
  }
  if (a.speakers.length) {
    const end = Math.max(1, ...a.speakers.flatMap((s) => s.segments.map(([, to]) => to)));
    const rows = a.speakers.map((s, i) => {
      const name = s.name || t('unknownSpeaker');
      const segments = s.segments.map(([from, to]) => {
        const label = t('speakerSegment', { name, start: clock(from), end: clock(to) });
        return `<button type="button" class="segment seek" data-start="${at(from)}" data-end="${at(to)}" data-span="${at(end)}" aria-label="${e(label)}" title="${e(label)}"></button>`;
      });
      return `<li class="speaker-row"><span class="speaker-name" id="speaker-${i}">${e(name)}</span><div class="speaker-line" role="group" aria-labelledby="speaker-${i}">${segments.join('')}</div></li>`;
    });
    out.push(`<section aria-labelledby="speakers-heading">\n<h2 id="speakers-heading">${e(t('speakers'))}</h2>\n<ul class="speakers" id="speakers">\n${rows.join('\n')}\n</ul>\n</section>`);
  }
  if (a.summaryHtml !== null) {
    out.push(`<section aria-labelledby="summary-heading">\n<h2 id="summary-heading">${e(t('summary'))}</h2>\n<div class="summary" id="summary">${a.summaryHtml}</div>\n</section>`);
  }
  return out.join('\n');
}
