import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Relative links in the project's Markdown, and what is wrong with them. A link is wrong when it
 * leaves the repository (`../elsewhere/...`), names a file that does not exist, or names an anchor
 * that no heading of its target file makes. Web and mail links are not followed.
 */

export interface MarkdownLink {
  /** The file the link is in, relative to the root. */
  file: string;
  line: number;
  target: string;
}

export interface LinkProblem extends MarkdownLink {
  problem: string;
}

const SKIPPED_SCHEMES = /^(https?:|mailto:)/i;
const ANY_SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/** Every Markdown file git knows or would add (tracked, or untracked and not ignored). */
export function markdownFiles(root: string): string[] {
  const git = spawnSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z', '--', '*.md'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (git.status === 0) {
    return [...new Set(git.stdout.split('\0').filter(Boolean))].filter((f) => fs.existsSync(path.join(root, f))).sort();
  }
  // No git (an exported tarball): walk the tree, leaving out dependencies and local state.
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules' || entry.name === 'data') continue;
      const rel = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith('.md')) out.push(rel);
    }
  };
  walk('');
  return out.sort();
}

/** The text with fenced code blocks blanked out (line numbers kept). */
function withoutFences(text: string): string {
  let fence: string | null = null;
  return text
    .split('\n')
    .map((line) => {
      const opener = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
      if (fence !== null) {
        if (opener && opener[1]![0] === fence[0] && opener[1]!.length >= fence.length && line.trim() === opener[1]) fence = null;
        return '';
      }
      if (opener) {
        fence = opener[1]!;
        return '';
      }
      return line;
    })
    .join('\n');
}

/** Inline code spans blanked out: a run of backticks up to the same run (CommonMark), on one line here. */
function withoutCodeSpans(line: string): string {
  return line.replace(/(`+)(?:(?!\1).)+?\1/g, (m) => ' '.repeat(m.length));
}

/** Inline links and images `[text](target "title")`, reference definitions `[ref]: target`, and HTML href/src. */
export function linksIn(file: string, text: string): MarkdownLink[] {
  const links: MarkdownLink[] = [];
  withoutFences(text)
    .split('\n')
    .map(withoutCodeSpans)
    .forEach((line, i) => {
      const add = (target: string | undefined) => {
        if (target !== undefined && target !== '') links.push({ file, line: i + 1, target });
      };
      for (const m of line.matchAll(/\]\(\s*(?:<([^>]*)>|([^\s()]+))(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g)) add(m[1] ?? m[2]);
      const definition = /^\s{0,3}\[[^\]]+\]:\s*(?:<([^>]*)>|(\S+))/.exec(line);
      if (definition) add(definition[1] ?? definition[2]);
      for (const m of line.matchAll(/<(?:a|img)\b[^>]*?\s(?:href|src)\s*=\s*"([^"]*)"/gi)) add(m[1]);
    });
  return links;
}

/** GitHub's heading ids: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
export function headingAnchors(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of withoutFences(text).split('\n')) {
    for (const m of withoutCodeSpans(line).matchAll(/<a\b[^>]*\s(?:name|id)\s*=\s*"([^"]+)"/gi)) anchors.add(m[1]!.toLowerCase());
    const heading = /^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line);
    if (!heading) continue;
    const words = heading[1]!
      .replace(/`([^`]*)`/g, '$1')
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // a link in a heading counts by its text
      .replace(/<[^>]+>/g, '')
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(words) ?? 0;
    seen.set(words, n + 1);
    anchors.add(n === 0 ? words : `${words}-${n}`);
  }
  return anchors;
}

/** What is wrong with each relative link of the given files; empty when every link resolves inside root. */
export function linkProblems(root: string, files: string[]): LinkProblem[] {
  const problems: LinkProblem[] = [];
  const anchorsOf = new Map<string, Set<string>>();
  const anchors = (abs: string) => {
    let set = anchorsOf.get(abs);
    if (!set) {
      set = headingAnchors(fs.readFileSync(abs, 'utf8'));
      anchorsOf.set(abs, set);
    }
    return set;
  };
  const rootAbs = path.resolve(root);

  for (const file of files) {
    const abs = path.join(rootAbs, file);
    for (const link of linksIn(file, fs.readFileSync(abs, 'utf8'))) {
      const report = (problem: string) => problems.push({ ...link, problem });
      if (SKIPPED_SCHEMES.test(link.target)) continue;
      if (ANY_SCHEME.test(link.target)) {
        report('not a relative link (only http, https and mailto links may leave the repository)');
        continue;
      }
      const hash = link.target.indexOf('#');
      const rawPath = (hash < 0 ? link.target : link.target.slice(0, hash)).replace(/\?.*$/, '');
      const anchor = hash < 0 ? undefined : link.target.slice(hash + 1);
      if (rawPath.startsWith('/')) {
        report('absolute path: write it relative to the file, so it works in every checkout and viewer');
        continue;
      }
      let decoded: string;
      try {
        decoded = decodeURIComponent(rawPath);
      } catch {
        report('not valid percent-encoding');
        continue;
      }
      const resolved = rawPath === '' ? abs : path.resolve(path.dirname(abs), decoded);
      const inside = path.relative(rootAbs, resolved);
      if (inside.startsWith('..') || path.isAbsolute(inside)) {
        report('points outside the repository');
        continue;
      }
      if (!fs.existsSync(resolved)) {
        report(`no such file: ${inside}`);
        continue;
      }
      if (anchor !== undefined && anchor !== '' && resolved.endsWith('.md') && fs.statSync(resolved).isFile()) {
        let id: string;
        try {
          id = decodeURIComponent(anchor);
        } catch {
          id = anchor;
        }
        if (!anchors(resolved).has(id.toLowerCase())) report(`no heading makes the anchor #${anchor} in ${inside}`);
      }
    }
  }
  return problems;
}

export function formatProblems(problems: LinkProblem[]): string[] {
  return problems.map((p) => `${p.file}:${p.line}: ${p.target}: ${p.problem}`);
}
