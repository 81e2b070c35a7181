/**
 * The worker boundary, read from the source: no import cycle in src/ (type-only imports
 * count), the LiveKit SDK only under src/recording/workers/, the mediator the one
 * caller of workers, and no domain module reaching into a worker's own folder
 * (docs/architecture.md, Boundaries).
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const SRC = path.resolve(__dirname, '..', 'src');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

const files = sourceFiles(SRC);
const rel = (file: string) => path.relative(SRC, file).split(path.sep).join('/');
const text = new Map(files.map((f) => [f, fs.readFileSync(f, 'utf8')]));

/** Every module each file imports or re-exports from, type-only imports included, as written. */
const imports = new Map(files.map((f) => [f, ts.preProcessFile(text.get(f)!, true, true).importedFiles.map((i) => i.fileName)]));
const specifiers = (file: string) => imports.get(file)!;

function resolveLocal(from: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return null;
  const base = path.resolve(path.dirname(from), specifier);
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts')]) if (text.has(candidate)) return candidate;
  return null;
}

const graph = new Map(files.map((f) => [f, specifiers(f).map((s) => resolveLocal(f, s)).filter((t): t is string => t !== null)]));

/** One cycle per strongly connected part of the graph, found by depth-first search. */
function cycles(): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next].map(rel));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of files) if (!state.has(file)) visit(file);
  return found;
}

const outsideWorkers = (file: string) => !rel(file).startsWith('recording/workers/');

describe('module boundaries of src/', () => {
  it('reads the whole source tree', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(graph.get(path.join(SRC, 'recording/mediator.ts'))!.map(rel)).toContain('recording/workers/worker-service.ts');
  });

  it('keeps every TypeScript file in src/ under 300 lines', () => {
    const long = files.filter((f) => text.get(f)!.split('\n').length - 1 > 300).map(rel);
    expect(long).toEqual([]);
  });

  it('has no import cycle anywhere in src/, type-only imports included', () => {
    expect(cycles().map((cycle) => cycle.map(rel))).toEqual([]);
  });

  it('imports the LiveKit SDK only under recording/workers/', () => {
    const importers = files.filter((f) => outsideWorkers(f) && specifiers(f).some((s) => s === 'livekit-server-sdk' || s.startsWith('livekit-server-sdk/')));
    expect(importers.map(rel)).toEqual([]);
  });

  it('lets only the mediator take a worker from the registry', () => {
    const callers = files.filter((f) => outsideWorkers(f) && /\.forKind\(/.test(text.get(f)!));
    expect(callers.map(rel)).toEqual(['recording/mediator.ts']);
  });

  it('keeps the domain out of the workers’ own folders', () => {
    const domain = files.filter((f) => /^(recording\/(?!workers\/)|rooms\/)/.test(rel(f)));
    const reaching = domain.flatMap((f) =>
      graph
        .get(f)!
        .map(rel)
        .filter((target) => /^recording\/workers\/(livekit|jibri)\//.test(target))
        .map((target) => `${rel(f)} -> ${target}`),
    );
    // The start request checks the layout name against LiveKit's list of layouts, a plain constant.
    expect(reaching).toEqual(['recording/start-request.ts -> recording/workers/livekit/egress-request.ts']);
  });
});
