import path from 'node:path';
import { Router, type RequestHandler, type Response } from 'express';
import helmet from 'helmet';
import { apiReferencePage, DEV_PATHS, landingPage, mailListPage, mailPage } from '../../devmode/dev-pages';
import type { DevTools } from '../../devmode/dev-stack';
import { HttpError } from '../http-errors';
import { freshNonce } from '../page-headers';

/** Swagger UI's files, from the swagger-ui-dist package (nothing comes from a CDN). */
const SWAGGER_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));
/** The only files under DEV_PATHS.assets. */
const ASSETS: Record<string, string> = {
  'landing.js': path.join(__dirname, '../../devmode/landing.browser.js'),
  'api-reference.js': path.join(__dirname, '../../devmode/api-reference.browser.js'),
  'api-reference.css': path.join(__dirname, '../../devmode/api-reference.browser.css'),
  'swagger-ui-bundle.js': path.join(SWAGGER_DIR, 'swagger-ui-bundle.js'),
  'swagger-ui.css': path.join(SWAGGER_DIR, 'swagger-ui.css'),
};

/**
 * Headers of the development pages: scripts only from this origin with the response's nonce,
 * styles the same (Swagger UI's style attributes are set from script, which CSP allows), frames only from this origin (the
 * captured email), no plugins, not framed by anyone, no caching (the start page holds a token).
 */
function devHeaders(): RequestHandler[] {
  const nonce = (_req: unknown, res: unknown) => `'nonce-${String((res as Response).locals.devNonce)}'`;
  const secure = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'", nonce],
        styleSrc: ["'self'", nonce],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        frameSrc: ["'self'"],
        formAction: ["'self'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
      },
    },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: false,
  });
  return [freshNonce('devNonce'), secure];
}

/** The captured email's own HTML, shown in a sandboxed frame of /dev/mail/{n}: no script ever runs. */
const EMAIL_HTML_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox; frame-ancestors 'self'";

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6 (what a dual-stack socket reports). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return address === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/**
 * The pages hold the owner token and other people's emails, and HOST is 0.0.0.0 by default:
 * they answer connections from this machine only (the socket's address, never a forwarded
 * header). Everything else in development mode keeps its own checks (tokens, media-auth).
 */
const fromThisMachine: RequestHandler = (req, _res, next) => {
  if (!isLoopbackAddress(req.socket.remoteAddress)) throw new HttpError(403, 'The development pages answer requests from this machine only.');
  next();
};

function nonceOf(res: Response): string {
  return String(res.locals.devNonce);
}

/**
 * Development mode only (src/api/app.ts mounts it then): the start page `GET /`, the captured
 * emails under /dev/mail, the API reference at /dev/api and their scripts and styles.
 */
export function devPagesRouter(tools: DevTools): Router {
  const router = Router();
  const headers = [fromThisMachine, ...devHeaders()];

  router.get(DEV_PATHS.landing, ...headers, (_req, res) => {
    res.type('html').send(landingPage(tools, nonceOf(res)));
  });
  router.get(DEV_PATHS.apiReference, ...headers, (_req, res) => {
    res.type('html').send(apiReferencePage(nonceOf(res)));
  });
  router.get(`${DEV_PATHS.assets}/:name`, fromThisMachine, (req, res) => {
    const name = String(req.params.name);
    if (!Object.hasOwn(ASSETS, name)) throw new HttpError(404, 'Not found.');
    res.set({ 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' });
    res.sendFile(ASSETS[name]!);
  });

  router.get(DEV_PATHS.mail, ...headers, (_req, res) => {
    res.type('html').send(mailListPage(tools.mail?.list(), nonceOf(res)));
  });
  const message = (n: string) => {
    const found = /^[1-9][0-9]{0,9}$/.test(n) ? tools.mail?.get(Number(n)) : undefined;
    if (!found) throw new HttpError(404, 'No such captured email (only the last 100 are kept).');
    return found;
  };
  router.get(`${DEV_PATHS.mail}/:n`, ...headers, (req, res) => {
    res.type('html').send(mailPage(message(String(req.params.n)), nonceOf(res)));
  });
  router.get(`${DEV_PATHS.mail}/:n/html`, fromThisMachine, (req, res) => {
    const found = message(String(req.params.n));
    res.set({ 'Content-Security-Policy': EMAIL_HTML_CSP, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' });
    res.type('html').send(found.html);
  });
  return router;
}
