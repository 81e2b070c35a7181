import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SETTING_NAMES } from '../src/config/config';

const root = path.resolve(__dirname, '..');
const read = (file: string): string => readFileSync(path.join(root, file), 'utf8');
const ENV_NAME = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$|^[A-Z]{3,}$/;

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(rel);
    return entry.name.endsWith('.ts') ? [rel] : [];
  });
}

/**
 * Every variable the service reads, found in the source rather than listed here: the keys of the
 * zod shapes in src/config/ (an upper-case key at the start of a line), every `process.env.X` or
 * `process.env['X']` anywhere in src/, and the names config.ts itself reports.
 */
function readVariables(): Set<string> {
  const names = new Set<string>(SETTING_NAMES);
  for (const file of sourceFiles('src')) {
    const text = read(file);
    if (file.startsWith(path.join('src', 'config'))) {
      for (const m of text.matchAll(/^\s+([A-Z][A-Z0-9_]+)\s*:/gm)) names.add(m[1]!);
    }
    for (const m of text.matchAll(/process\.env(?:\.([A-Z][A-Z0-9_]*)|\[\s*['"]([A-Z][A-Z0-9_]*)['"]\s*\])/g)) {
      names.add((m[1] ?? m[2])!);
    }
  }
  return names;
}

/** Every `NAME` in backticks in the configuration page (a glob such as `AWS_S3_*` documents nothing). */
function documentedVariables(): Set<string> {
  const names = new Set<string>();
  for (const m of read('docs/operations/configuration.md').matchAll(/`([A-Z][A-Z0-9_]*)`/g)) {
    if (ENV_NAME.test(m[1]!)) names.add(m[1]!);
  }
  return names;
}

/** Names .env.example sets for the service, i.e. before its "Compose only" part. */
function exampleVariables(): string[] {
  const text = read('.env.example');
  const composeOnly = text.indexOf('Compose only (not read by the service)');
  expect(composeOnly).toBeGreaterThan(0);
  return [...text.slice(0, composeOnly).matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!);
}

/** Names the configuration page may mention that are not the service's settings. */
const NOT_SERVICE_SETTINGS = new Set<string>(['POSTGRES_USER', 'POSTGRES_PASSWORD', 'POSTGRES_DB']);

it('finds the variables the service reads in the source (the scan itself works)', () => {
  const names = readVariables();
  for (const known of ['PORT', 'WEBHOOK_URLS', 'OIDC_CLIENT_ID', 'LOG_LEVEL', 'JIBRI_WEBHOOK_PUBLIC_KEY']) {
    expect(names).toContain(known);
  }
  expect(documentedVariables().size).toBeGreaterThan(50);
});

it('documents every variable the service reads in docs/operations/configuration.md', () => {
  const documented = documentedVariables();
  expect([...readVariables()].filter((name) => !documented.has(name)).sort()).toEqual([]);
});

it('documents only variables the service reads (or a few named non-service ones)', () => {
  const names = readVariables();
  expect([...documentedVariables()].filter((name) => !names.has(name) && !NOT_SERVICE_SETTINGS.has(name)).sort()).toEqual([]);
});

it('lists in .env.example only variables the service reads, and every one of them', () => {
  const names = readVariables();
  const example = exampleVariables();
  expect(example.filter((name) => !names.has(name)).sort()).toEqual([]);
  expect([...names].filter((name) => !example.includes(name)).sort()).toEqual([]);
});
