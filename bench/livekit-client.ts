/**
 * bench/livekit-client: our CPU per LiveKit call, through the SDK's client as the service uses
 * it (LivekitEgressClient: the SDK's fetch, each grant's token reused) and, for comparison,
 * the same Twirp request (same URL, headers and JSON body) over node:http with a keep-alive
 * agent. LiveKit is a small server in a child process answering StopEgress, so this process's
 * CPU is the client's alone. Alternating blocks of calls, sequential; prints the CPU per call
 * (user + system) and the wall time of each way, per block and in all.
 *   npx tsx bench/livekit-client.ts [calls per block, 2000] [blocks, 6]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import { LivekitEgressClient } from '../src/recording/workers/livekit/livekit-clients';

const CALLS = Number(process.argv[2] ?? 2000);
const BLOCKS = Number(process.argv[3] ?? 6);
const ANSWER = JSON.stringify({ egress_id: 'EG_bench', room_name: 'bench', status: 'EGRESS_ENDING' });

/** In the child: answer every POST with one EgressInfo, as LiveKit's Twirp does. */
function serve(): void {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(ANSWER) });
      res.end(ANSWER);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.send!((server.address() as AddressInfo).port));
}

async function startLivekit(): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(__filename, ['--serve'], { execArgv: process.execArgv });
  const port = await new Promise<number>((resolve) => child.once('message', (m) => resolve(Number(m))));
  return { child, url: `http://127.0.0.1:${port}` };
}

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

async function measure(calls: number, call: () => Promise<unknown>): Promise<{ cpu: number; wall: number }> {
  const cpu0 = cpuMs();
  const t0 = performance.now();
  for (let i = 0; i < calls; i += 1) await call();
  return { cpu: (cpuMs() - cpu0) / calls, wall: (performance.now() - t0) / calls };
}

async function main(): Promise<void> {
  const { child, url } = await startLivekit();
  const sdk = new LivekitEgressClient(url, 'bench-key', 'bench-secret-0123456789abcdefghijklmnop', { requestTimeout: 10 });
  const auth = await sdk.authHeader({ roomRecord: true });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const body = JSON.stringify({ egress_id: 'EG_bench' });
  const raw = () =>
    new Promise<unknown>((resolve, reject) => {
      const req = request(
        `${url}/twirp/livekit.Egress/StopEgress`,
        { method: 'POST', agent, timeout: 10_000, headers: { ...auth, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const viaSdk = () => sdk.stopEgress('EG_bench');

  await measure(500, viaSdk);
  await measure(500, raw);
  const totals = { sdk: { cpu: 0, wall: 0 }, raw: { cpu: 0, wall: 0 } };
  for (let block = 1; block <= BLOCKS; block += 1) {
    const s = await measure(CALLS, viaSdk);
    const r = await measure(CALLS, raw);
    totals.sdk.cpu += s.cpu / BLOCKS;
    totals.sdk.wall += s.wall / BLOCKS;
    totals.raw.cpu += r.cpu / BLOCKS;
    totals.raw.wall += r.wall / BLOCKS;
    console.log(`block ${block}: SDK ${s.cpu.toFixed(3)} ms CPU (${s.wall.toFixed(3)} ms wall) per call; node:http ${r.cpu.toFixed(3)} ms CPU (${r.wall.toFixed(3)} ms wall)`);
  }
  console.log(
    `all: SDK ${totals.sdk.cpu.toFixed(3)} ms CPU per call, node:http ${totals.raw.cpu.toFixed(3)} ms; ratio ${(totals.sdk.cpu / totals.raw.cpu).toFixed(2)}; ` +
      `wall ${totals.sdk.wall.toFixed(3)} vs ${totals.raw.wall.toFixed(3)} ms`,
  );
  agent.destroy();
  child.kill();
}

if (process.argv.includes('--serve')) serve();
else
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
