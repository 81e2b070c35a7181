import { concern } from './concern';
import { envInt, envString, envUrl, issue, requireTogether } from './env-parsers';

/** A `frame-ancestors` source: 'self', 'none', or an http(s) origin (a `*.` label allowed). */
const FRAME_SOURCE = /^(?:'self'|'none'|https?:\/\/(?:\*\.)?[A-Za-z0-9.-]+(?::\d{1,5})?)$/;

/** Loopback hosts, the only ones an http (not https) OpenID issuer may live on. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The recording page: share links, OpenID Connect sign-in and who may frame the page. */
export const pagesConcern = concern(
  {
    SHARE_LINK_DEFAULT_DAYS: envInt({ min: 1, max: 3650 }),
    SHARE_LINK_MAX_DAYS: envInt({ min: 1, max: 3650 }),
    SHARE_LINK_MAX_PER_RECORDING: envInt({ min: 1, max: 10000 }),
    OIDC_ISSUER_URL: envUrl(),
    OIDC_CLIENT_ID: envString(),
    OIDC_CLIENT_SECRET: envString(),
    PAGE_FRAME_ANCESTORS: envString(),
    PAGE_SESSION_IDLE_MINUTES: envInt({ min: 1, max: 480 }),
  },
  (env, ctx) => {
    const maxDays = env.SHARE_LINK_MAX_DAYS ?? 30;
    const defaultDays = env.SHARE_LINK_DEFAULT_DAYS ?? Math.min(7, maxDays);
    if (defaultDays > maxDays) issue(ctx, 'SHARE_LINK_DEFAULT_DAYS', `must not exceed SHARE_LINK_MAX_DAYS (${maxDays})`);

    let oidc: { issuerUrl: string; clientId: string; clientSecret: string; allowInsecureHttp: boolean } | undefined;
    if (requireTogether(ctx, env, ['OIDC_ISSUER_URL', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET'], 'OpenID Connect sign-in')) {
      const issuer = new URL(env.OIDC_ISSUER_URL!);
      const loopback = isLoopbackHost(issuer.hostname);
      if (issuer.protocol !== 'https:' && !(issuer.protocol === 'http:' && loopback)) {
        issue(ctx, 'OIDC_ISSUER_URL', 'expected an https URL (plain http is accepted only for a loopback issuer, e.g. in development)');
      }
      oidc = {
        issuerUrl: env.OIDC_ISSUER_URL!,
        clientId: env.OIDC_CLIENT_ID!,
        clientSecret: env.OIDC_CLIENT_SECRET!,
        /** openid-client refuses http issuers unless told otherwise: only ever for a loopback one. */
        allowInsecureHttp: issuer.protocol === 'http:' && loopback,
      };
    }

    const frameAncestors = (env.PAGE_FRAME_ANCESTORS ?? "'none'").split(/\s+/).filter(Boolean);
    const bad = frameAncestors.find((source) => !FRAME_SOURCE.test(source));
    if (bad !== undefined) {
      issue(ctx, 'PAGE_FRAME_ANCESTORS', `"${bad}" is not a frame-ancestors source (expected 'self', 'none' or origins such as https://app.example.org)`);
    } else if (frameAncestors.includes("'none'") && frameAncestors.length > 1) {
      issue(ctx, 'PAGE_FRAME_ANCESTORS', "'none' cannot be combined with other sources");
    }

    return {
      /** maxPerRecording: active (unrevoked, unexpired) links per recording; more is 409. */
      shareLinks: { defaultDays, maxDays, maxPerRecording: env.SHARE_LINK_MAX_PER_RECORDING ?? 20 },
      /** Unset: the page accepts share links and host-app tokens only. */
      oidc,
      /** A sign-in session without a request for this long ends (default 30; the 8-hour lifetime still applies). */
      sessionIdleMinutes: env.PAGE_SESSION_IDLE_MINUTES ?? 30,
      /** The page's CSP frame-ancestors sources; default 'none' (no host may frame it). */
      frameAncestors: frameAncestors.length ? frameAncestors : ["'none'"],
    };
  },
);
