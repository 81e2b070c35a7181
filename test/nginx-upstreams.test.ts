import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { PROJECT_NGINX_CONF, projectConfigFor, startNginx, type TestNginx } from './helpers/nginx';
import { freePort } from './helpers/ports';

/**
 * Several service instances behind nginx/recordings.conf: one `server` entry each in
 * `upstream recordings_service`, as the file's comment tells operators. A real nginx with the
 * project file spreads requests round-robin and passes over an instance that refuses
 * connections (stand-ins for the instances here: they only say who answered).
 */

const REQUESTS = 12;

let nginx: TestNginx;
const instances: http.Server[] = [];
const answeredBy: string[] = [];

function standIn(name: string): Promise<string> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      answeredBy.push(name);
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ instance: name }));
    });
  });
  instances.push(server);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

beforeAll(async () => {
  const a = await standIn('a');
  const b = await standIn('b');
  // An instance that is down (nothing listens there).
  const down = `http://127.0.0.1:${await freePort()}`;
  nginx = await startNginx({ serviceUrl: [a, down, b], storageUrl: 'http://127.0.0.1:9' });
});

afterAll(async () => {
  await nginx?.stop();
  for (const s of instances) {
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
});

it('puts several service addresses on the project file line, one `server` entry each', () => {
  const original = readFileSync(PROJECT_NGINX_CONF, 'utf8').split('\n');
  const tested = projectConfigFor({
    serviceAddress: ['127.0.0.1:1111', '127.0.0.1:1112', '127.0.0.1:1113'],
    storageAddress: '127.0.0.1:2222',
    listenPort: 3333,
    accessLogPath: '/tmp/t/access.log',
  }).split('\n');
  expect(tested).toHaveLength(original.length);
  const changed = tested.filter((line, i) => line !== original[i]).map((l) => l.trim().replace(/\s+#.*$/, ''));
  expect(changed[0]).toBe('server 127.0.0.1:1111; server 127.0.0.1:1112; server 127.0.0.1:1113;');
  expect(changed[1]).toBe('server 127.0.0.1:2222;');
});

it('spreads POSTs over the live instances and passes over the one that refuses connections', async () => {
  const statuses: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const res = await fetch(`${nginx.url}/api/v1.0/rooms/r/start-recording/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
      signal: AbortSignal.timeout(10_000),
    });
    statuses.push(res.status);
    await res.arrayBuffer();
  }
  // Every request answered: the refused connection went to the next instance, never to the client.
  expect(statuses).toEqual(Array(REQUESTS).fill(200));
  expect(answeredBy).toHaveLength(REQUESTS);
  const count = (name: string) => answeredBy.filter((n) => n === name).length;
  expect(count('a')).toBeGreaterThanOrEqual(REQUESTS / 3);
  expect(count('b')).toBeGreaterThanOrEqual(REQUESTS / 3);
  expect(nginx.errorLog()).toMatch(/connect\(\) failed \(111: Connection refused\)/);
});
