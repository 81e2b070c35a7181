import http from 'node:http';
import net from 'node:net';
import * as client from 'openid-client';
import { launchBrowser, type TestBrowser } from './helpers/browser';
import { fillLoginForm, loginOverHttp, startOidcProvider, type TestOidcProvider } from './helpers/oidc-provider';

// Smoke test of the OIDC provider helper: openid-client 6 discovers it and completes the
// code + PKCE flow, over plain HTTP and in the real browser.
jest.setTimeout(60_000);

let idp: TestOidcProvider;
let callbackServer: http.Server;
let redirectUri: string;
let config: client.Configuration;
const callbacks: string[] = [];

beforeAll(async () => {
  // Stands for the service's callback route: records where the browser lands.
  callbackServer = http.createServer((req, res) => {
    callbacks.push(`${redirectUri.replace(/\/callback$/, '')}${req.url}`);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>signed in</title>');
  });
  await new Promise<void>((resolve) => callbackServer.listen(0, '127.0.0.1', resolve));
  redirectUri = `http://127.0.0.1:${(callbackServer.address() as net.AddressInfo).port}/callback`;
  idp = await startOidcProvider({ redirectUris: [redirectUri] });
  config = await client.discovery(new URL(idp.issuer), idp.clientId, idp.clientSecret, undefined, {
    execute: [client.allowInsecureRequests],
  });
});

afterAll(async () => {
  await idp?.stop();
  await new Promise<void>((resolve) => callbackServer?.close(() => resolve()));
});

async function authorizationRequest(extra: Record<string, string> = {}) {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: 'openid email profile',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...extra,
  });
  return { url, verifier, state, nonce };
}

test('discovery: the issuer, its endpoints and S256 PKCE', () => {
  const metadata = config.serverMetadata();
  expect(metadata.issuer).toBe(idp.issuer);
  expect(metadata.authorization_endpoint).toBe(`${idp.issuer}/auth`);
  expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
  expect(idp.env).toEqual({ OIDC_ISSUER_URL: idp.issuer, OIDC_CLIENT_ID: idp.clientId, OIDC_CLIENT_SECRET: idp.clientSecret });
});

test('code + PKCE over plain HTTP: the ID token names the user, with locale and zone; userinfo agrees', async () => {
  const request = await authorizationRequest();
  const callback = await loginOverHttp(idp, request.url, { login: 'bob@example.test' });
  expect(callback.origin + callback.pathname).toBe(redirectUri);
  const tokens = await client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: request.verifier,
    expectedState: request.state,
    expectedNonce: request.nonce,
  });
  expect(tokens.claims()).toMatchObject({
    iss: idp.issuer,
    aud: idp.clientId,
    sub: 'user-bob',
    email: 'bob@example.test',
    locale: 'fr-FR',
    zoneinfo: 'Europe/Paris',
  });
  const userinfo = await client.fetchUserInfo(config, tokens.access_token, 'user-bob');
  expect(userinfo).toMatchObject({ sub: 'user-bob', name: 'Bob Dupont' });
  expect(idp.logins).toContain('user-bob');
});

test('PKCE is required, and a wrong password does not sign in', async () => {
  const withoutPkce = client.buildAuthorizationUrl(config, { redirect_uri: redirectUri, scope: 'openid', state: 's1' });
  const refused = await loginOverHttp(idp, withoutPkce, { login: 'user-alice' });
  expect(refused.searchParams.get('error')).toBe('invalid_request');
  expect(refused.searchParams.get('code')).toBeNull();

  const request = await authorizationRequest();
  await expect(loginOverHttp(idp, request.url, { login: 'user-alice', password: 'wrong' })).rejects.toThrow(/401/);
});

test('claimsInIdToken: false gives a strict ID token with only sub; the claims are at userinfo', async () => {
  const strict = await startOidcProvider({ redirectUris: [redirectUri], claimsInIdToken: false });
  try {
    const strictConfig = await client.discovery(new URL(strict.issuer), strict.clientId, strict.clientSecret, undefined, {
      execute: [client.allowInsecureRequests],
    });
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(strictConfig, {
      redirect_uri: redirectUri,
      scope: 'openid email profile',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: 'strict',
    });
    const callback = await loginOverHttp(strict, url, { login: 'user-alice' });
    const tokens = await client.authorizationCodeGrant(strictConfig, callback, { pkceCodeVerifier: verifier, expectedState: 'strict' });
    expect(tokens.claims()?.sub).toBe('user-alice');
    expect(tokens.claims()?.email).toBeUndefined();
    const userinfo = await client.fetchUserInfo(strictConfig, tokens.access_token, 'user-alice');
    expect(userinfo).toMatchObject({ email: 'alice@example.test', locale: 'en-GB', zoneinfo: 'Europe/London' });
  } finally {
    await strict.stop();
  }
});

describe('in the browser', () => {
  let browser: TestBrowser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  test('the login form signs alice in and the code exchange gives her ID token', async () => {
    const ctx = await browser.newContext();
    try {
      const page = await ctx.newPage();
      const request = await authorizationRequest();
      await page.goto(request.url.href);
      expect(await page.title()).toBe('Sign in to the test identity provider');
      await fillLoginForm(page, { login: 'user-alice' });
      expect(page.url().startsWith(`${redirectUri}?`)).toBe(true);
      expect(callbacks).toContain(page.url());
      const tokens = await client.authorizationCodeGrant(config, new URL(page.url()), {
        pkceCodeVerifier: request.verifier,
        expectedState: request.state,
        expectedNonce: request.nonce,
      });
      expect(tokens.claims()?.sub).toBe('user-alice');
    } finally {
      await ctx.close();
    }
  });
});
