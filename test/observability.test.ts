import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import request from 'supertest';
import { startTestService, type TestService } from './helpers/service';

/**
 * deploy/observability: the alert rules pass `promtool check rules` (Debian's prometheus
 * package), and every metric the rules and the Grafana dashboard name is one the service
 * exposes on /metrics.
 */

const ROOT = path.resolve(__dirname, '..');
const RULES = path.join(ROOT, 'deploy/observability/prometheus/alerts.yml');
const DASHBOARD = path.join(ROOT, 'deploy/observability/grafana/dashboards/recorder.json');
const PROMTOOL = process.env.TEST_PROMTOOL_BIN || 'promtool';

/** `recorder_*` names in PromQL, without the histogram series suffixes. */
function metricNames(promql: string[]): Set<string> {
  const names = new Set<string>();
  for (const q of promql) for (const m of q.matchAll(/\brecorder_[a-z0-9_]+/g)) names.add(m[0].replace(/_(bucket|count|sum)$/, ''));
  return names;
}

function ruleExpressions(): string[] {
  const doc = yaml.load(readFileSync(RULES, 'utf8')) as { groups: { rules: { expr: string }[] }[] };
  return doc.groups.flatMap((g) => g.rules.map((r) => r.expr));
}

function dashboardExpressions(): string[] {
  const doc = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: { targets: { expr: string }[] }[] };
  return doc.panels.flatMap((p) => p.targets.map((t) => t.expr));
}

it('passes promtool check rules', () => {
  const res = spawnSync(PROMTOOL, ['check', 'rules', RULES], { encoding: 'utf8', timeout: 30_000 });
  expect(`${res.stdout}${res.stderr}`).toMatch(/SUCCESS: \d+ rules found/);
  expect(res.status).toBe(0);
});

it('fires the capacity alerts as their unit tests expect (promtool test rules)', () => {
  const res = spawnSync(PROMTOOL, ['test', 'rules', path.join(ROOT, 'deploy/observability/prometheus/alerts.test.yml')], { encoding: 'utf8', timeout: 30_000 });
  expect(`${res.stdout}${res.stderr}`).toMatch(/SUCCESS/);
  expect(res.status).toBe(0);
});

describe('against the service', () => {
  let svc: TestService;
  let exposed: Set<string>;
  let text: string;
  beforeAll(async () => {
    svc = await startTestService();
    text = (await request(svc.url).get('/metrics')).text;
    exposed = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
  });
  afterAll(() => svc?.close());

  it('names only metrics the service exposes, in the rules and in the dashboard', () => {
    const named = metricNames([...ruleExpressions(), ...dashboardExpressions()]);
    expect(named.size).toBeGreaterThan(8);
    expect([...named].filter((n) => !exposed.has(n))).toEqual([]);
  });

  it('exposes process and Node.js runtime metrics under their usual names, once even with two apps in one process', async () => {
    const second = await startTestService();
    try {
      const again = (await request(second.url).get('/metrics')).text;
      for (const exposition of [text, again]) {
        for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds']) {
          expect(exposition.match(new RegExp(`^# TYPE ${name} `, 'gm'))).toHaveLength(1);
          expect(exposition).toMatch(new RegExp(`^${name}(\\{[^}]*\\})? \\S`, 'm'));
        }
        expect(exposition).not.toMatch(/^recorder_process_|^recorder_nodejs_/m);
      }
    } finally {
      await second.close();
    }
  });

  it('covers what operators watch: stuck recordings, give-ups, corrections, Jibri, media-auth', () => {
    const rules = ruleExpressions().join('\n');
    for (const needle of ['status="initiated"', 'status="stopped"', 'recorder_emails_total{outcome="failed"}', 'recorder_reconciler_corrections_total', 'worker_kind="jibri"', 'recorder_media_auth_decisions_total', 'recorder_starts_queued', 'state="unreachable"']) {
      expect(rules).toContain(needle);
    }
    const panels = dashboardExpressions().join('\n');
    for (const needle of ['recorder_recordings', 'recorder_recordings_started_total', 'recorder_recordings_failed_total', 'recorder_emails_total', 'recorder_media_auth_decisions_total', 'media-auth']) {
      expect(panels).toContain(needle);
    }
  });
});
