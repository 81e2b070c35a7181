import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import helmet from 'helmet';

/** The CSP nonce of this response (set by pageHeaders). */
export function cspNonce(res: { locals: Record<string, unknown> }): string {
  return String(res.locals.cspNonce);
}

/**
 * Headers of the recording page and its forms, with helmet: a strict Content-Security-Policy
 * (scripts and styles only with this response's nonce, media and API calls to this origin,
 * forms post here only, no plugins, no <base>), `frame-ancestors` from PAGE_FRAME_ANCESTORS,
 * `Referrer-Policy: no-referrer` (a share token in the address never leaks through a Referer),
 * `X-Content-Type-Options: nosniff`, and no caching (the page may carry tokens).
 */
export function pageHeaders(options: { frameAncestors: readonly string[]; mediaOrigins: readonly string[] }): RequestHandler[] {
  const nonce = (_req: unknown, res: ServerResponse) => `'nonce-${String((res as unknown as { locals: Record<string, unknown> }).locals.cspNonce)}'`;
  const framedByNobody = options.frameAncestors.length === 1 && options.frameAncestors[0] === "'none'";
  const secure = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        scriptSrc: [nonce],
        styleSrc: [nonce],
        imgSrc: ["'self'"],
        mediaSrc: ["'self'", ...options.mediaOrigins],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
        frameAncestors: [...options.frameAncestors],
      },
    },
    referrerPolicy: { policy: 'no-referrer' },
    // X-Frame-Options cannot list origins: sent only when nobody may frame the page (frame-ancestors rules otherwise).
    xFrameOptions: framedByNobody ? { action: 'deny' } : false,
    // HSTS belongs to whatever terminates TLS (nginx), which knows whether it does.
    strictTransportSecurity: false,
  });
  return [freshNonce('cspNonce'), secure];
}

/** A new CSP nonce in `res.locals[name]` for each answer, which is never cached. */
export function freshNonce(name: 'cspNonce' | 'devNonce'): RequestHandler {
  return (_req, res, next) => {
    res.locals[name] = randomBytes(16).toString('base64');
    res.set('Cache-Control', 'no-store');
    next();
  };
}
