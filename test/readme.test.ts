import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SETTING_NAMES } from '../src/config/config';

const read = (file: string): string => readFileSync(path.resolve(__dirname, '..', file), 'utf8');
const readme = read('README.md');

/** A `## Heading` section of a Markdown text, up to the next `## ` heading. */
function section(text: string, heading: string): string {
  const start = text.indexOf(`\n${heading}\n`);
  expect(start).toBeGreaterThanOrEqual(0);
  const end = text.indexOf('\n## ', start + heading.length + 1);
  return text.slice(start, end < 0 ? undefined : end);
}

it('documents every setting the service reads in a table row of docs/operations/configuration.md', () => {
  const rows = read('docs/operations/configuration.md')
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => line.split('|')[1]!);
  const missing = SETTING_NAMES.filter((name) => !rows.some((cell) => cell.includes(`\`${name}\``)));
  expect(missing).toEqual([]);
});

it('leaves the settings to docs/operations/configuration.md: the README links there and has no settings table', () => {
  expect(section(readme, '## Configuration')).toContain('](docs/operations/configuration.md)');
  const settingRows = readme.split('\n').filter((line) => SETTING_NAMES.some((name) => line.startsWith(`| \`${name}\``)));
  expect(settingRows).toEqual([]);
});

it('keeps the quick start to install then start, and names the test command', () => {
  const quick = section(readme, '## Quick start');
  expect(quick).toContain('```sh\nnpm ci\nnpm start\n```');
  expect(quick).toContain('`npm test`');
  expect(read('.ci/run')).toMatch(/^npm test$/m);
});
