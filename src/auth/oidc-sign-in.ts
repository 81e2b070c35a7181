import * as client from 'openid-client';
import type { LoginState } from './page-session';

/**
 * Sign-in for the recording page with OpenID Connect (openid-client 6): the authorization code
 * flow with PKCE (S256), `state` and `nonce` checked at the callback, the client authenticated
 * with its secret. The provider's metadata is discovered on first use (not at start-up, so a
 * provider that is down does not stop the service) and kept once it answered.
 */

export interface OidcSettings {
  issuerUrl: string;
  clientId: string;
  clientSecret: string;
  /** Plain http to the provider, only ever for a loopback issuer (see src/config/pages.ts). */
  allowInsecureHttp: boolean;
}

/** The signed-in person, from the ID token (and userinfo for what it lacks). */
export interface OidcProfile {
  sub: string;
  name: string | null;
  locale: string | null;
  zoneinfo: string | null;
}

/** The provider could not be reached or answered nonsense. */
export class OidcUnavailableError extends Error {
  override name = 'OidcUnavailableError';
}

/** The callback was not the answer to our request (state, nonce, PKCE, code refused...). */
export class OidcRejectedError extends Error {
  override name = 'OidcRejectedError';
}

const TIMEOUT_SECONDS = 10;
const SCOPE = 'openid email profile';

function claim(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' && value.length <= 255 ? value : null;
}

export class OidcSignIn {
  private configuration: Promise<client.Configuration> | null = null;

  constructor(
    private readonly settings: OidcSettings,
    /** `{PUBLIC_URL}/auth/oidc/callback`, registered with the provider. */
    readonly redirectUri: string,
  ) {}

  private config(): Promise<client.Configuration> {
    this.configuration ??= client
      .discovery(new URL(this.settings.issuerUrl), this.settings.clientId, this.settings.clientSecret, undefined, {
        timeout: TIMEOUT_SECONDS,
        ...(this.settings.allowInsecureHttp ? { execute: [client.allowInsecureRequests] } : {}),
      })
      .catch((err: unknown) => {
        this.configuration = null; // try again next time
        throw new OidcUnavailableError(`OpenID provider discovery failed: ${err instanceof Error ? err.message : String(err)}`);
      });
    return this.configuration;
  }

  /** Where to send the browser, and what the callback must find again. */
  async begin(next: string): Promise<{ url: URL; login: LoginState }> {
    const config = await this.config();
    const verifier = client.randomPKCECodeVerifier();
    const login: LoginState = { verifier, state: client.randomState(), nonce: client.randomNonce(), next };
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: this.redirectUri,
      scope: SCOPE,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: login.state,
      nonce: login.nonce,
    });
    return { url, login };
  }

  /** Checks the callback's query against the login in progress and exchanges the code. */
  async finish(callbackQuery: string, login: LoginState): Promise<OidcProfile> {
    const config = await this.config();
    const currentUrl = new URL(this.redirectUri);
    currentUrl.search = callbackQuery;
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(config, currentUrl, {
        pkceCodeVerifier: login.verifier,
        expectedState: login.state,
        expectedNonce: login.nonce,
        idTokenExpected: true,
      });
    } catch (err) {
      const e = err as { name?: string; code?: string; message?: string };
      // Network failures and timeouts are the provider's; everything else is a refused answer.
      if (e?.name === 'TimeoutError' || e?.name === 'AbortError' || e?.code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' || e?.name === 'TypeError') {
        throw new OidcUnavailableError(`OpenID token request failed: ${e?.message ?? 'unknown error'}`);
      }
      throw new OidcRejectedError(`OpenID sign-in refused: ${e?.code ?? e?.name ?? 'error'}: ${e?.message ?? ''}`);
    }
    const claims = tokens.claims();
    const sub = claim(claims?.sub);
    if (!claims || !sub) throw new OidcRejectedError('OpenID sign-in refused: the ID token has no sub');
    const profile: OidcProfile = { sub, name: claim(claims.name), locale: claim(claims.locale), zoneinfo: claim(claims.zoneinfo) };
    if ((!profile.name || !profile.locale || !profile.zoneinfo) && tokens.access_token) {
      // Strict providers put the profile at userinfo only; it is a nicety, never a reason to fail.
      try {
        const info = await client.fetchUserInfo(config, tokens.access_token, sub);
        profile.name ??= claim(info.name);
        profile.locale ??= claim(info.locale);
        profile.zoneinfo ??= claim(info.zoneinfo);
      } catch {
        // keep what the ID token said
      }
    }
    return profile;
  }
}
