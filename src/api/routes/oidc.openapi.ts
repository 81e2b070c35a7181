import { z } from 'zod';
import { type Operation, err, html, redirect } from '../openapi/operation';

/** The recording page's sign-in and sign-out (oidcRouter). */
export const oidcOperations: Operation[] = [
  {
    method: 'get', path: '/auth/oidc/login', id: 'oidcLogin', tag: 'pages', security: ['none'],
    summary: 'Sign in with OpenID Connect (code flow + PKCE) to come back to next=/recordings/{id}.',
    responses: {
      303: redirect("To the provider's authorization endpoint."),
      400: html('next is not a recording page.'),
      404: html('OIDC is not configured.'),
      503: html('The provider does not answer.'),
    },
  },
  {
    method: 'get', path: '/auth/oidc/callback', id: 'oidcCallback', tag: 'pages', security: ['none'],
    summary: "The provider's redirect back: state, nonce and PKCE checked, then a session cookie (HttpOnly, SameSite=Lax, Secure behind https).",
    responses: {
      303: redirect('Signed in: to the recording page.'),
      400: html('Not the answer to a login in progress, or refused.'),
      404: html('OIDC is not configured.'),
      503: html('The provider does not answer.'),
    },
  },
  {
    method: 'post', path: '/auth/logout', id: 'logout', tag: 'pages', security: ['pageSession', 'none'],
    summary: 'Sign out of the recording page (CSRF token).',
    body: z.object({ csrf: z.string().optional(), next: z.string().optional() }), bodyContentType: 'application/x-www-form-urlencoded',
    responses: {
      200: html('Signed out.'), 303: redirect('Signed out: back to next.'),
      400: err('A form body that cannot be decoded (corrupt Content-Encoding).'), 403: html('Bad CSRF token or cross-site post.'),
    },
  },
];
