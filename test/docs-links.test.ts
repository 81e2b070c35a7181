/**
 * The project's Markdown speaks for itself: every relative link in every Markdown file
 * (README.md, docs/, deploy/, nginx/, test/fixtures/, ...) reaches a file of this repository,
 * and every `file.md#anchor` a heading of that file. Web and mail links are not followed.
 */
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
        '[contract](../../shared/SPEC.md)',
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
      'docs/broken.md:4: ../../shared/SPEC.md: points outside the repository',
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
