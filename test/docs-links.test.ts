/**
 * The project's Markdown speaks for itself: every relative link in every Markdown file
 * (README.md, docs/, deploy/, nginx/, test/fixtures/, ...) reaches a file of this repository,
 * and every `file.md#anchor` a heading of that file. Web and mail links are not followed.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatProblems, headingAnchors, linkProblems, linksIn, markdownFiles } from './helpers/markdown-links';

const ROOT = path.resolve(__dirname, '..');

describe('Markdown links of the repository', () => {
  const files = markdownFiles(ROOT);

  it('finds the documentation', () => {
    expect(files).toEqual(expect.arrayContaining(['README.md', 'docs/README.md', 'docs/api.md', 'deploy/jibri/README.md', 'nginx/README.md']));
  });

  it('has no dead relative link and none leaving the repository', () => {
    expect(formatProblems(linkProblems(ROOT, files))).toEqual([]);
  });

  it('lists every page of docs/ in the index, docs/README.md', () => {
    const index = fs.readFileSync(path.join(ROOT, 'docs/README.md'), 'utf8');
    const linked = new Set(linksIn('docs/README.md', index).map((l) => path.posix.normalize(`docs/${l.target.split('#')[0]}`)));
    const pages = files.filter((f) => f.startsWith('docs/') && f !== 'docs/README.md');
    expect(pages.filter((p) => !linked.has(p))).toEqual([]);
  });
});

/**
 * The repository describes its contract in its own words (docs/api.md, docs/webhooks.md, ...):
 * no tracked file may send the reader to a document kept outside it. The patterns are written
 * so that this file does not match them itself.
 */
const OUTSIDE_REFERENCES: [RegExp, string][] = [
  [/\bspec\.md\b/i, 'names the external contract file'],
  [/\.\.\/+shared\b/, 'points at a folder beside the repository'],
  [/\bthe spec\b|\bspec's\b|\bPart [0-9]+\b/i, "cites the external contract's sections"],
];

function outsideReferences(root: string): string[] {
  const git = spawnSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: root, encoding: 'utf8' });
  expect(git.status).toBe(0);
  const found: string[] = [];
  for (const file of git.stdout.split('\0').filter(Boolean)) {
    if (file === 'package-lock.json' || !fs.existsSync(path.join(root, file))) continue;
    const bytes = fs.readFileSync(path.join(root, file));
    if (bytes.includes(0)) continue; // binary (the page's screenshot)
    bytes
      .toString('utf8')
      .split('\n')
      .forEach((line, i) => {
        for (const [pattern, why] of OUTSIDE_REFERENCES) if (pattern.test(line)) found.push(`${file}:${i + 1}: ${why}`);
      });
  }
  return found;
}

describe('references outside the repository', () => {
  it('no tracked file cites the external contract or a folder beside the clone', () => {
    expect(outsideReferences(ROOT)).toEqual([]);
  });

  it('the check finds such a reference', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outside-refs-'));
    try {
      spawnSync('git', ['init', '-q'], { cwd: dir });
      const contract = `${'spec'.toUpperCase()}.md`;
      fs.writeFileSync(path.join(dir, 'a.ts'), `// as ${contract} says\nconst x = 1;\n`);
      fs.writeFileSync(path.join(dir, 'b.md'), `See [it](${['..', 'shared', 'fixtures'].join('/')}).\n`);
      fs.writeFileSync(path.join(dir, 'c.md'), `As in ${'Part'} 2 of the contract.\n`);
      expect(outsideReferences(dir)).toEqual([
        'a.ts:1: names the external contract file',
        'b.md:1: points at a folder beside the repository',
        "c.md:1: cites the external contract's sections",
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the link checker', () => {
  let dir: string;
  const write = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  };
  const problems = (file: string) => formatProblems(linkProblems(dir, [file]));

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'docs-links-'));
    write('docs/ops/page.md', '# Page\n\n## Set it up (by hand)\n\n## `mc` and friends\n\n## Again\n\n## Again\n');
    write('deploy/setup.sh', '#!/bin/sh\n');
    write('README.md', '# Title\n');
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('accepts links that resolve: files, directories, headings, web and mail links, links in code', () => {
    write(
      'README.md',
      [
        '# Title',
        'See [the page](docs/ops/page.md), [its setup](docs/ops/page.md#set-it-up-by-hand), [mc](docs/ops/page.md#mc-and-friends),',
        '[the second "Again"](docs/ops/page.md#again-1), [the script](deploy/setup.sh "the script"), [the folder](deploy/),',
        '[here](#title), <https://example.org>, [web](https://example.org/x), [mail](mailto:a@example.org).',
        'Code is not a link: `[x](missing.md)`.',
        '```md',
        '[y](../outside.md)',
        '```',
        '[ref]: docs/ops/page.md',
      ].join('\n'),
    );
    expect(problems('README.md')).toEqual([]);
  });

  it('refuses a dead link, a dead anchor, a link leaving the repository and an absolute path', () => {
    write(
      'docs/broken.md',
      [
        '# Broken',
        '[gone](ops/missing.md)',
        '[bad anchor](ops/page.md#no-such-heading)',
        '[contract](../../elsewhere/contract.md)',
        '[outside](../README.md)',
        '[root-relative](/README.md)',
        '[local anchor](#nowhere)',
        '[ref]: ./nope.md',
        '<a href="ops/absent.md">html</a>',
        '![image](img/missing.png)',
      ].join('\n'),
    );
    expect(problems('docs/broken.md')).toEqual([
      'docs/broken.md:2: ops/missing.md: no such file: docs/ops/missing.md',
      'docs/broken.md:3: ops/page.md#no-such-heading: no heading makes the anchor #no-such-heading in docs/ops/page.md',
      'docs/broken.md:4: ../../elsewhere/contract.md: points outside the repository',
      'docs/broken.md:6: /README.md: absolute path: write it relative to the file, so it works in every checkout and viewer',
      'docs/broken.md:7: #nowhere: no heading makes the anchor #nowhere in docs/broken.md',
      'docs/broken.md:8: ./nope.md: no such file: docs/nope.md',
      'docs/broken.md:9: ops/absent.md: no such file: docs/ops/absent.md',
      'docs/broken.md:10: img/missing.png: no such file: docs/img/missing.png',
    ]);
  });

  it('makes GitHub heading ids', () => {
    expect([...headingAnchors("## 3. The service's Jibri endpoints\n### `POST /api/v1.0/x/{id}/` (finalize.sh)\n## Dup\n## Dup")]).toEqual([
      '3-the-services-jibri-endpoints',
      'post-apiv10xid-finalizesh',
      'dup',
      'dup-1',
    ]);
  });
});
