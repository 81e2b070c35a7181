import { ConfigError, loadConfig } from '../src/config/config';

/** The recording page's settings: defaults, bounds, all-or-none OIDC, frame-ancestors sources. */

const base = { AUTH_JWT_SECRET: 'pages-config-secret-0123456789', RECORDING_STORAGE_EVENT_TOKEN: 'token', LOG_LEVEL: 'silent' };
const load = (env: Record<string, string>) => loadConfig({ ...base, ...env });
const oidc = { OIDC_ISSUER_URL: 'https://id.example.org/realms/meet', OIDC_CLIENT_ID: 'recorder', OIDC_CLIENT_SECRET: 'client-secret' };

function refusal(env: Record<string, string>): string {
  try {
    load(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('accepted');
}

it('defaults: links for 7 days, at most 30, 20 active per recording; no OIDC; sessions idle out after 30 minutes; nobody may frame the page', () => {
  const { pages } = load({});
  expect(pages).toEqual({ shareLinks: { defaultDays: 7, maxDays: 30, maxPerRecording: 20 }, oidc: undefined, sessionIdleMinutes: 30, frameAncestors: ["'none'"] });
});

it('takes PAGE_SESSION_IDLE_MINUTES within 1 to 480', () => {
  expect(load({ PAGE_SESSION_IDLE_MINUTES: '5' }).pages.sessionIdleMinutes).toBe(5);
  expect(refusal({ PAGE_SESSION_IDLE_MINUTES: '0' })).toMatch(/^PAGE_SESSION_IDLE_MINUTES: expected a whole number from 1 to 480$/);
  expect(refusal({ PAGE_SESSION_IDLE_MINUTES: '481' })).toMatch(/^PAGE_SESSION_IDLE_MINUTES: /);
});

it('takes SHARE_LINK_* within 1 to 3650, the default never above the maximum', () => {
  expect(load({ SHARE_LINK_DEFAULT_DAYS: '2', SHARE_LINK_MAX_DAYS: '5' }).pages.shareLinks).toEqual({ defaultDays: 2, maxDays: 5, maxPerRecording: 20 });
  // A maximum below 7 lowers the default with it.
  expect(load({ SHARE_LINK_MAX_DAYS: '3' }).pages.shareLinks).toEqual({ defaultDays: 3, maxDays: 3, maxPerRecording: 20 });
  expect(load({ SHARE_LINK_MAX_PER_RECORDING: '5' }).pages.shareLinks.maxPerRecording).toBe(5);
  expect(refusal({ SHARE_LINK_MAX_PER_RECORDING: '0' })).toMatch(/^SHARE_LINK_MAX_PER_RECORDING: expected a whole number from 1 to 10000$/);
  expect(refusal({ SHARE_LINK_DEFAULT_DAYS: '10', SHARE_LINK_MAX_DAYS: '5' })).toBe('SHARE_LINK_DEFAULT_DAYS: must not exceed SHARE_LINK_MAX_DAYS (5)');
  expect(refusal({ SHARE_LINK_MAX_DAYS: '0' })).toMatch(/^SHARE_LINK_MAX_DAYS: expected a whole number from 1 to 3650$/);
  expect(refusal({ SHARE_LINK_DEFAULT_DAYS: 'seven' })).toMatch(/^SHARE_LINK_DEFAULT_DAYS: /);
});

it('OIDC: all three or none, https (http only for a loopback issuer, which then allows insecure requests)', () => {
  expect(load(oidc).pages.oidc).toEqual({ issuerUrl: oidc.OIDC_ISSUER_URL, clientId: 'recorder', clientSecret: 'client-secret', allowInsecureHttp: false });
  expect(refusal({ OIDC_ISSUER_URL: oidc.OIDC_ISSUER_URL })).toBe('OIDC_CLIENT_ID: required when OpenID Connect sign-in is configured (OIDC_ISSUER_URL is set)');
  expect(refusal({ ...oidc, OIDC_CLIENT_SECRET: '' })).toMatch(/^OIDC_CLIENT_SECRET: required/);
  expect(refusal({ ...oidc, OIDC_ISSUER_URL: 'http://id.example.org' })).toMatch(/^OIDC_ISSUER_URL: expected an https URL/);
  expect(refusal({ ...oidc, OIDC_ISSUER_URL: 'not a url' })).toMatch(/^OIDC_ISSUER_URL: /);
  for (const issuer of ['http://127.0.0.1:4000', 'http://localhost:4000/realms/x', 'http://[::1]:4000']) {
    expect(load({ ...oidc, OIDC_ISSUER_URL: issuer }).pages.oidc?.allowInsecureHttp).toBe(true);
  }
});

it("PAGE_FRAME_ANCESTORS: 'self', 'none' or origins", () => {
  expect(load({ PAGE_FRAME_ANCESTORS: "'self'  https://app.example.org https://*.example.net:8443" }).pages.frameAncestors).toEqual([
    "'self'",
    'https://app.example.org',
    'https://*.example.net:8443',
  ]);
  expect(refusal({ PAGE_FRAME_ANCESTORS: 'https://app.example.org; script-src *' })).toMatch(/^PAGE_FRAME_ANCESTORS: "https:\/\/app.example.org;" is not a frame-ancestors source/);
  expect(refusal({ PAGE_FRAME_ANCESTORS: '*' })).toMatch(/^PAGE_FRAME_ANCESTORS: /);
  expect(refusal({ PAGE_FRAME_ANCESTORS: "'none' 'self'" })).toBe("PAGE_FRAME_ANCESTORS: 'none' cannot be combined with other sources");
});
