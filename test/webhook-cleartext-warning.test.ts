import { loadConfig } from '../src/config/config';
import { startupNotes } from '../src/config/dev-mode';
import { eventually } from './helpers/flow';
import { createTestDatabase } from './helpers/pg';
import { serviceProcess } from './helpers/service-process';
import { TEST_JWT_SECRET, TEST_STORAGE_TOKEN } from './helpers/service';

/**
 * Start-up warns, in one line, when a WEBHOOK_URLS endpoint is plain http to a host that is not
 * loopback: recording.ready carries pre-signed media URLs. The line names hosts only (no path,
 * query or secret).
 */

const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const base = { AUTH_JWT_SECRET: TEST_JWT_SECRET, RECORDING_STORAGE_EVENT_TOKEN: TEST_STORAGE_TOKEN, PUBLIC_URL: 'https://rec.example.org', WEBHOOK_SECRET: SECRET };
const webhookLines = (urls: string) =>
  startupNotes(loadConfig({ ...base, WEBHOOK_URLS: urls }), 'https://rec.example.org', undefined).filter((l) => l.startsWith('webhooks:'));

it('warns once, naming the cleartext hosts but never their path, query or the secret', () => {
  const lines = webhookLines('http://hooks.example.org:8081/in?key=s3cr3t-query,https://safe.example.org/in,http://10.0.0.5/hook/abc');
  expect(lines).toEqual([
    'webhooks: WEBHOOK_URLS sends events over plain http to hooks.example.org:8081, 10.0.0.5: the pre-signed media URLs of recording.ready travel in cleartext; use https',
  ]);
  expect(lines[0]).not.toMatch(/s3cr3t|\/in|\/hook|whsec_/);
});

it('says nothing for https endpoints, loopback http endpoints, or no endpoints', () => {
  expect(webhookLines('https://hooks.example.org/in,http://127.0.0.1:4000/hooks,http://localhost:4000/h,http://[::1]:4000/h')).toEqual([]);
  expect(startupNotes(loadConfig(base), 'https://rec.example.org', undefined).filter((l) => l.startsWith('webhooks:'))).toEqual([]);
});

it('a real start prints that one line, and nothing of the URL past its host', async () => {
  const db = await createTestDatabase();
  const svc = await serviceProcess({ ...base, DATABASE_URL: db.url, LOG_LEVEL: 'info', WEBHOOK_URLS: 'http://hooks.example.org/in?key=s3cr3t-query' });
  try {
    await svc.start();
    await eventually(async () => svc.output().includes('recording orchestrator listening'), 10_000, 'start-up logged');
    const lines = svc.output().split('\n').filter((l) => l.includes('WEBHOOK_URLS'));
    expect(lines).toEqual([expect.stringContaining('webhooks: WEBHOOK_URLS sends events over plain http to hooks.example.org: ')]);
    expect(svc.output()).not.toMatch(/s3cr3t-query|whsec_/);
  } finally {
    await svc.stop();
    await db.drop();
  }
}, 60_000);
