import crypto from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import type ProviderClass from 'oidc-provider';
import type { Adapter, AdapterPayload, Configuration } from 'oidc-provider';
import type { Page } from 'puppeteer-core';

/**
 * A real OpenID provider for tests: `oidc-provider` 9 on http://127.0.0.1:<random port>.
 *
 * Sign-in goes through the provider's real authorization endpoint and an interaction page of
 * this helper (a plain, self-contained form, instead of oidc-provider's devInteractions,
 * which pull a web font from the internet): `login` (the user's sub or email) and `password`.
 * A browser test fills that form (`fillLoginForm`); a test without a browser uses
 * `loginOverHttp`, which follows the same redirects and posts the same form with fetch.
 * Consent is granted automatically (a first-party client), so the login is the only step.
 *
 * Note for clients: openid-client 6 refuses http issuers unless the request options carry
 * `execute: [allowInsecureRequests]`. The provider itself needs nothing for http.
 */

/** A person who can sign in. */
export interface OidcTestUser {
  sub: string;
  email: string;
  name: string;
  /** BCP 47, e.g. `fr-FR` (the OIDC `locale` claim). */
  locale: string;
  /** IANA zone, e.g. `Europe/Paris` (the OIDC `zoneinfo` claim). */
  zoneinfo: string;
  /** Default `password`. */
  password?: string;
}

export interface StartOidcProviderOptions {
  /** The registered redirect URIs of the client (the service's callback). */
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
  /** Default: alice (en-GB, Europe/London), bob (fr-FR, Europe/Paris). */
  users?: OidcTestUser[];
  clientId?: string;
  /** Default: random. */
  clientSecret?: string;
  /** How the client authenticates at the token endpoint; default `client_secret_post` (openid-client's default). */
  tokenEndpointAuthMethod?: 'client_secret_post' | 'client_secret_basic';
  /**
   * true (default): the ID token carries the scoped claims (email, name, locale, zoneinfo), as
   * many providers do. false: strict OIDC, the ID token has only `sub` and the rest is at userinfo.
   */
  claimsInIdToken?: boolean;
}

export interface TestOidcProvider {
  /** `http://127.0.0.1:<port>`: OIDC_ISSUER_URL. */
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly users: readonly OidcTestUser[];
  /** OIDC_ISSUER_URL, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET for loadConfig(). */
  readonly env: Record<string, string>;
  /** Successful logins, in order (sub). */
  readonly logins: readonly string[];
  /** The oidc-provider instance, for a test that needs more (events, Grant, ...). */
  readonly provider: Provider;
  stop(): Promise<void>;
}

export const DEFAULT_OIDC_USERS: readonly OidcTestUser[] = [
  { sub: 'user-alice', email: 'alice@example.test', name: 'Alice Martin', locale: 'en-GB', zoneinfo: 'Europe/London' },
  { sub: 'user-bob', email: 'bob@example.test', name: 'Bob Dupont', locale: 'fr-FR', zoneinfo: 'Europe/Paris' },
];
const DEFAULT_PASSWORD = 'password';
const HOST = '127.0.0.1';
type Provider = ProviderClass;

/**
 * oidc-provider 9 prints "Unsupported runtime" when loaded on Node 20 (it wants 22); it runs
 * fine there. Loaded on first use with that one line left out, so test output stays readable.
 */
function loadProvider(): typeof ProviderClass {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).includes('Unsupported runtime')) warn(...args);
  };
  try {
    return (require('oidc-provider') as { default: typeof ProviderClass }).default;
  } finally {
    console.warn = warn;
  }
}
const INTERACTION = /^\/interaction\/([\w-]+)(\/login)?$/;

/** The provider's storage, in memory (oidc-provider's own one warns about not being for production). */
function memoryAdapter() {
  const rows = new Map<string, { payload: AdapterPayload; expiresAt?: number }>();
  const live = (key: string) => {
    const row = rows.get(key);
    if (row?.expiresAt !== undefined && row.expiresAt <= Date.now()) rows.delete(key);
    return rows.get(key)?.payload;
  };
  return class MemoryAdapter implements Adapter {
    constructor(private readonly model: string) {}
    private key(id: string) {
      return `${this.model}:${id}`;
    }
    async upsert(id: string, payload: AdapterPayload, expiresIn?: number) {
      rows.set(this.key(id), { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : undefined });
    }
    async find(id: string) {
      return live(this.key(id));
    }
    async findByUid(uid: string) {
      for (const key of rows.keys()) if (key.startsWith(`${this.model}:`) && live(key)?.uid === uid) return live(key);
      return undefined;
    }
    async findByUserCode(userCode: string) {
      for (const key of rows.keys()) if (key.startsWith(`${this.model}:`) && live(key)?.userCode === userCode) return live(key);
      return undefined;
    }
    async consume(id: string) {
      const payload = live(this.key(id));
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id: string) {
      rows.delete(this.key(id));
    }
    async revokeByGrantId(grantId: string) {
      for (const [key, row] of rows) if (row.payload.grantId === grantId) rows.delete(key);
    }
  };
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function loginPage(uid: string, error?: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in to the test identity provider</title></head>
<body><main>
<h1>Sign in</h1>
${error ? `<p role="alert" id="error">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<label for="login">User name or email</label> <input id="login" name="login" autocomplete="username" required>
<label for="password">Password</label> <input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit" id="submit">Sign in</button>
</form>
</main></body></html>`;
}

async function readForm(req: http.IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** Start the provider with one confidential client (code flow, PKCE required) and the test users. */
export async function startOidcProvider(options: StartOidcProviderOptions): Promise<TestOidcProvider> {
  const users = options.users ?? [...DEFAULT_OIDC_USERS];
  const clientId = options.clientId ?? 'recordings-test-client';
  const clientSecret = options.clientSecret ?? crypto.randomBytes(24).toString('base64url');
  const logins: string[] = [];
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key-1', use: 'sig', alg: 'RS256' };

  // The issuer names the port, so the server listens first and the provider comes after.
  let provider: Provider | undefined;
  let handle: ReturnType<Provider['callback']> | undefined;
  const server = http.createServer((req, res) => {
    if (!provider || !handle) {
      res.writeHead(503).end();
      return;
    }
    const match = INTERACTION.exec((req.url ?? '').split('?')[0]);
    if (!match) {
      void handle(req, res);
      return;
    }
    handleInteraction(provider, req, res, match[1], match[2] !== undefined).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' }).end(`interaction failed: ${err.message}`);
    });
  });

  async function handleInteraction(p: Provider, req: http.IncomingMessage, res: http.ServerResponse, uid: string, submit: boolean) {
    const details = await p.interactionDetails(req, res);
    if (details.uid !== uid || details.prompt.name !== 'login') throw new Error(`unexpected prompt ${details.prompt.name}`);
    if (!submit || req.method !== 'POST') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(loginPage(uid));
      return;
    }
    const form = await readForm(req);
    const login = form.get('login') ?? '';
    const user = users.find((u) => u.sub === login || u.email === login);
    if (!user || (user.password ?? DEFAULT_PASSWORD) !== form.get('password')) {
      res.writeHead(401, { 'content-type': 'text/html; charset=utf-8' }).end(loginPage(uid, 'Unknown user or wrong password.'));
      return;
    }
    logins.push(user.sub);
    await p.interactionFinished(req, res, { login: { accountId: user.sub } }, { mergeWithLastSubmission: false });
  }

  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => resolve((server.address() as net.AddressInfo).port));
  });
  const issuer = `http://${HOST}:${port}`;

  const configuration: Configuration = {
    adapter: memoryAdapter(),
    jwks: { keys: [signingKey] },
    cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: options.redirectUris,
        post_logout_redirect_uris: options.postLogoutRedirectUris ?? [],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: options.tokenEndpointAuthMethod ?? 'client_secret_post',
      },
    ],
    pkce: { required: () => true },
    // Explicit lifetimes (seconds); the defaults print a notice each.
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AuthorizationCode: 60, AccessToken: 600, IdToken: 600 },
    scopes: ['openid', 'email', 'profile'],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'locale', 'zoneinfo'] },
    conformIdTokenClaims: options.claimsInIdToken === false,
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    clientBasedCORS: () => false,
    findAccount(_ctx, sub) {
      const user = users.find((u) => u.sub === sub);
      if (!user) return undefined;
      return {
        accountId: user.sub,
        claims: () => ({
          sub: user.sub,
          email: user.email,
          email_verified: true,
          name: user.name,
          locale: user.locale,
          zoneinfo: user.zoneinfo,
        }),
      };
    },
    // A first-party client: grant what it asks for, so the login is the only interaction.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session!.grantIdFor(ctx.oidc.client!.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
    renderError(ctx, out) {
      ctx.type = 'text/plain';
      ctx.body = `${out.error}: ${out.error_description ?? ''}`;
    },
  };
  const Provider = loadProvider();
  provider = new Provider(issuer, configuration);
  handle = provider.callback();

  return {
    issuer,
    clientId,
    clientSecret,
    users,
    env: { OIDC_ISSUER_URL: issuer, OIDC_CLIENT_ID: clientId, OIDC_CLIENT_SECRET: clientSecret },
    logins,
    provider,
    stop() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Sign in without a browser: follow the redirects from `authorizationUrl` (with the
 * provider's cookies), post the login form, and return the URL the provider finally
 * redirects to (the client's redirect URI with `code` and `state`, or with `error`).
 * Cookies of other origins are not kept: the redirect URI is returned, not fetched.
 */
export async function loginOverHttp(
  provider: TestOidcProvider,
  authorizationUrl: string | URL,
  credentials: { login: string; password?: string },
): Promise<URL> {
  const jar = new Map<string, string>();
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const keep = (res: Response) => {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  };
  let url = new URL(authorizationUrl);
  let body: URLSearchParams | undefined;
  for (let hop = 0; hop < 10; hop += 1) {
    if (url.origin !== provider.issuer) return url;
    const res = await fetch(url, {
      method: body ? 'POST' : 'GET',
      body,
      headers: { cookie: cookieHeader(), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      redirect: 'manual',
      signal: AbortSignal.timeout(10_000),
    });
    keep(res);
    const posted = body !== undefined;
    body = undefined;
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      url = new URL(location, url);
      await res.arrayBuffer();
      continue;
    }
    const html = await res.text();
    const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
    if (res.status !== 200 || !action || posted) throw new Error(`sign-in stopped at ${url.pathname} with ${res.status}: ${html.slice(0, 200)}`);
    url = new URL(action, url);
    body = new URLSearchParams({ login: credentials.login, password: credentials.password ?? DEFAULT_PASSWORD });
  }
  throw new Error('sign-in did not reach the redirect URI within 10 redirects');
}

/**
 * In a browser page showing the provider's sign-in form, fill it and submit; resolves once
 * the browser has navigated away from the form.
 */
export async function fillLoginForm(
  page: Page,
  credentials: { login: string; password?: string },
): Promise<void> {
  await page.waitForSelector('#login');
  // Set the values directly: typing key by key costs a round trip per character.
  await page.$eval('#login', (el, value) => void (el.value = value), credentials.login);
  await page.$eval('#password', (el, value) => void (el.value = value), credentials.password ?? DEFAULT_PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click('#submit')]);
}
