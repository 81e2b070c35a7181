/**
 * Reads a V8 .cpuprofile (as written by `node --cpu-prof`, e.g. by `bench/media-auth.ts
 * --cpu-prof` into bench/profiles/) and prints where the time went: self time by function
 * (with its file) and self time summed by file / package.
 *   npx tsx bench/profile-summary.ts <file.cpuprofile> [top N] [--from <s>]
 * `--from 10` leaves out the first 10 s of the profile (start-up: module loading, migrations).
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const fromIndex = args.indexOf('--from');
const fromUs = fromIndex >= 0 ? Number(args[fromIndex + 1]) * 1e6 : 0;
if (fromIndex >= 0) args.splice(fromIndex, 2);
const [file, topArg] = args;
if (!file) {
  console.error('usage: npx tsx bench/profile-summary.ts <file.cpuprofile> [top N]');
  process.exit(2);
}
const top = Number(topArg ?? 40);
process.stdout.on('error', () => process.exit(0)); // piped into head
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));

// Self time of each node: the time deltas of the samples taken while it was on top of the stack.
const selfUs = new Map<number, number>();
let totalUs = 0;
let elapsedUs = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  elapsedUs += dt;
  if (elapsedUs < fromUs) return;
  selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
  totalUs += dt;
});

/** A short place name: node_modules/<package>, our src/... path, or node's internals. */
function place(url: string): string {
  if (!url) return '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return `npm:${rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  const src = url.search(/\/(src|bench|test)\//);
  if (src >= 0) return url.slice(src + 1);
  return url.replace(/^node:/, 'node:');
}

const byFunction = new Map<string, number>();
const byPlace = new Map<string, number>();
for (const [id, us] of selfUs) {
  const node = byId.get(id);
  if (!node) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const where = place(url);
  const fn = `${functionName || '(anonymous)'}  ${where}${url ? `:${lineNumber + 1}` : ''}`;
  byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
  byPlace.set(where, (byPlace.get(where) ?? 0) + us);
}

const print = (title: string, entries: Map<string, number>, n: number) => {
  console.log(`\n${title}`);
  for (const [name, us] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, n)) {
    console.log(`  ${((us / totalUs) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${name}`);
  }
};
console.log(`${file}: ${(totalUs / 1e6).toFixed(1)} s sampled${fromUs ? ` after the first ${fromUs / 1e6} s` : ''}`);
print('self time by function', byFunction, top);
print('self time by file or package', byPlace, Math.min(top, 25));
