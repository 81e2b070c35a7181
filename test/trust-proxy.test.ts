import express from 'express';
import request from 'supertest';
import { ConfigError, loadConfig } from '../src/config/config';
import { webhookRateLimit } from '../src/api/webhook-rate-limit';

/**
 * TRUST_PROXY in Express's forms, and express-rate-limit's own configuration checks, which
 * are on. What the settings do behind the real nginx is in nginx-proxy.test.ts.
 */

const trustProxyOf = (value: string) => loadConfig({ TRUST_PROXY: value }).server.trustProxy;

describe('TRUST_PROXY', () => {
  it('reads a hop count as a number, which is how Express counts hops', () => {
    expect(trustProxyOf('1')).toBe(1);
    expect(trustProxyOf(' 2 ')).toBe(2);
    expect(trustProxyOf('0')).toBe(0);
  });

  it('reads true and false as booleans, and unset or blank as unset', () => {
    expect(trustProxyOf('true')).toBe(true);
    expect(trustProxyOf('FALSE')).toBe(false);
    expect(loadConfig({}).server.trustProxy).toBeUndefined();
    expect(trustProxyOf('  ')).toBeUndefined();
  });

  it('reads names, addresses and CIDR ranges as a list', () => {
    expect(trustProxyOf('loopback')).toEqual(['loopback']);
    expect(trustProxyOf('Loopback, linklocal,uniquelocal')).toEqual(['loopback', 'linklocal', 'uniquelocal']);
    expect(trustProxyOf('10.0.0.5, 172.16.0.0/12, ::1, fd00::/8, loopback,')).toEqual([
      '10.0.0.5',
      '172.16.0.0/12',
      '::1',
      'fd00::/8',
      'loopback',
    ]);
  });

  it.each([
    'bogus',
    'yes',
    '-1',
    '1.5',
    '1, loopback',
    '256.1.1.1',
    '10.0.0.0/33',
    '::1/129',
    '10.0.0.0/8/1',
    '10.0.0.0/',
    '10.0.0.0/x',
    'fe80::1%eth0',
    'loopback; 10.0.0.1',
    ',',
  ])('stops start-up with one line naming TRUST_PROXY for %p', (value) => {
    let error: unknown;
    try {
      loadConfig({ TRUST_PROXY: value });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/^TRUST_PROXY: /);
    expect(message).not.toContain('\n');
  });
});

describe("express-rate-limit's checks on the webhook limiter", () => {
  interface Report {
    level: 'error' | 'warn';
    code: unknown;
  }

  /** An app like the service's: the setting from TRUST_PROXY, then the real limiter. */
  function appWith(trustProxy: string | undefined, reports: Report[]) {
    const app = express();
    const setting = loadConfig(trustProxy === undefined ? {} : { TRUST_PROXY: trustProxy }).server.trustProxy;
    if (setting !== undefined) app.set('trust proxy', setting);
    const collect = (level: Report['level']) => (error: unknown) => reports.push({ level, code: (error as { code?: unknown }).code });
    app.use(webhookRateLimit(100, { error: collect('error'), warn: collect('warn') }));
    app.get('/ip', (req, res) => res.json({ ip: req.ip }));
    return app;
  }

  it.each(['1', '2', 'loopback', '127.0.0.1', '127.0.0.0/8, ::1', 'loopback, 10.0.0.0/8'])(
    'reports nothing behind a proxy with TRUST_PROXY=%p, and takes the address the proxy saw',
    async (value) => {
      const reports: Report[] = [];
      const res = await request(appWith(value, reports)).get('/ip').set('X-Forwarded-For', '203.0.113.7');
      expect(res.body.ip).toBe('203.0.113.7');
      expect(reports).toEqual([]);
    },
  );

  it.each([undefined, 'false', '0'])('reports nothing without a proxy (TRUST_PROXY=%p)', async (value) => {
    const reports: Report[] = [];
    const res = await request(appWith(value, reports)).get('/ip');
    expect(res.body.ip).toMatch(/127\.0\.0\.1$/);
    expect(reports).toEqual([]);
  });

  it('reports X-Forwarded-For reaching a service that trusts no proxy (every client would share a bucket)', async () => {
    const reports: Report[] = [];
    await request(appWith(undefined, reports)).get('/ip').set('X-Forwarded-For', '203.0.113.7');
    expect(reports).toEqual([{ level: 'error', code: 'ERR_ERL_UNEXPECTED_X_FORWARDED_FOR' }]);
  });

  it('reports TRUST_PROXY=true, with which any client behind nginx picks its own address', async () => {
    const reports: Report[] = [];
    const res = await request(appWith('true', reports)).get('/ip').set('X-Forwarded-For', '203.0.113.7, 198.51.100.1');
    expect(res.body.ip).toBe('203.0.113.7');
    expect(reports).toEqual([{ level: 'error', code: 'ERR_ERL_PERMISSIVE_TRUST_PROXY' }]);
  });
});
