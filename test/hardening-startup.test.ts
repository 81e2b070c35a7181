import { loadConfig } from '../src/config/config';
import { startupNotes } from '../src/config/dev-mode';
import { TEST_JWT_SECRET, TEST_STORAGE_TOKEN } from './helpers/service';

/** Start-up warns when the links the service hands out point at localhost outside development mode (issue 10, item 10). */

const production = { AUTH_JWT_SECRET: TEST_JWT_SECRET, RECORDING_STORAGE_EVENT_TOKEN: TEST_STORAGE_TOKEN };
const notes = (env: Record<string, string>) => startupNotes(loadConfig(env), 'http://localhost:8080', undefined);

it('warns about PUBLIC_URL and RECORDING_DOWNLOAD_BASE_URL on localhost', () => {
  const lines = notes(production);
  expect(lines.some((l) => l.startsWith('public URL: PUBLIC_URL is http://localhost:8080'))).toBe(true);
  expect(lines.some((l) => l.startsWith('download links: RECORDING_DOWNLOAD_BASE_URL is http://localhost:8080/recordings'))).toBe(true);
  const loopback = notes({ ...production, PUBLIC_URL: 'https://rec.example.org', RECORDING_DOWNLOAD_BASE_URL: 'http://127.0.0.1:8000/recordings' });
  expect(loopback.some((l) => l.startsWith('public URL:'))).toBe(false);
  expect(loopback.some((l) => l.startsWith('download links:'))).toBe(true);
});

it('says nothing when both are public, nor in development mode', () => {
  expect(notes({ ...production, PUBLIC_URL: 'https://rec.example.org' }).filter((l) => /^(public URL|download links):/.test(l))).toEqual([]);
  expect(notes({}).filter((l) => /^(public URL|download links):/.test(l))).toEqual([]);
});
