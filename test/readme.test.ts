import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SETTING_NAMES } from '../src/config/config';

const readme = readFileSync(path.resolve(__dirname, '../README.md'), 'utf8');

it('documents every setting the service reads in the configuration table', () => {
  const table = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## API summary'));
  const missing = SETTING_NAMES.filter((name) => {
    if (table.includes(`\`${name}\``)) return false;
    // Grouped rows name a family once: `RECORDING_ENCODING_WIDTH`, `_HEIGHT`, ...
    const suffix = name.replace(/^RECORDING_ENCODING_/, '_');
    return !(name.startsWith('RECORDING_ENCODING_') && table.includes(`\`${suffix}\``));
  });
  expect(missing).toEqual([]);
});

it('keeps the quick start to install then start, and names the test command', () => {
  const quick = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('## Architecture'));
  expect(quick).toContain('```sh\nnpm ci\nnpm start\n```');
  expect(quick).toContain('`npm test`');
  expect(readFileSync(path.resolve(__dirname, '../.ci/run'), 'utf8')).toMatch(/^npm test$/m);
});
