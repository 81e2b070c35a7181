import { escapeHtml } from '../notifications/html-escape';
import { PAGE_CSS } from '../pages/page-style';
import type { DevTools } from './dev-stack';
import type { CapturedMail } from './mail-capture';
import { KEPT_MESSAGES } from './mail-kept';

/** The development pages' paths (the routes live in src/api/routes/dev-*.ts). */
export const DEV_PATHS = {
  landing: '/',
  mail: '/dev/mail',
  apiReference: '/dev/api',
  assets: '/dev/assets',
} as const;

const EXTRA_CSS = `
textarea { width: 100%; font: .875rem/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; padding: .5rem; border: 1px solid var(--muted); border-radius: 6px; word-break: break-all; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
pre { white-space: pre-wrap; word-break: break-word; background: var(--panel); padding: 1rem; border-radius: 6px; }
iframe { width: 100%; height: 32rem; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
.muted { color: var(--muted); }
nav.dev ul { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 1rem; margin: 0; }
`;

function layout(title: string, nonce: string, body: string, scripts: string[] = []): string {
  const n = escapeHtml(nonce);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style nonce="${n}">${PAGE_CSS}${EXTRA_CSS}</style>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site"><p class="brand">Recording orchestrator: development mode</p>
<nav class="dev" aria-label="Development pages"><ul>
<li><a href="${DEV_PATHS.landing}">Start page</a></li>
<li><a href="${DEV_PATHS.mail}">Captured emails</a></li>
<li><a href="${DEV_PATHS.apiReference}">API reference</a></li>
</ul></nav></header>
<main id="main" tabindex="-1">
${body}
</main>
${scripts.map((src) => `<script nonce="${n}" src="${escapeHtml(src)}"></script>`).join('\n')}
</body>
</html>
`;
}

/** GET /: the owner token, start and stop for the demo room, its live status and links. */
export function landingPage(tools: DevTools, nonce: string): string {
  const room = escapeHtml(tools.room);
  const body = `<h1>Development mode</h1>
<p>No <code>AUTH_JWT_SECRET</code> or <code>AUTH_JWT_PUBLIC_KEY</code> is set, so this service runs for one workstation.
This page, the captured emails and the media served without nginx never exist in production.</p>

<h2 id="token-heading">Owner token for the room “${room}”</h2>
<p><label for="token">Token, valid 30 days (send it as <code>Authorization: Bearer …</code>)</label></p>
<textarea id="token" rows="4" readonly spellcheck="false">${escapeHtml(tools.ownerToken)}</textarea>
<div class="actions"><button type="button" id="copy-token">Copy token</button> <span id="copy-result" role="status"></span></div>

<h2>Record “${room}”</h2>
<div class="actions" data-room="${room}" id="controls">
<button type="button" id="start">Start recording</button>
<button type="button" id="start-tracks" class="secondary">Start with participant tracks</button>
<button type="button" id="stop" class="danger">Stop recording</button>
</div>
<p id="action-result" role="status" aria-live="polite"></p>

<h2>Status</h2>
<p id="room-status" aria-live="polite" class="muted">Loading…</p>
<h3>Recordings of “${room}”</h3>
<ul id="recordings"><li class="muted">Loading…</li></ul>

<h2>More</h2>
<ul>
<li><a href="${DEV_PATHS.mail}">Captured emails</a>${tools.mail ? '' : ' (EMAIL_URL/EMAIL_HOST is set: emails go to that server instead)'}</li>
<li><a href="${DEV_PATHS.apiReference}">API reference</a> and the <a href="/api/v1.0/openapi.json">OpenAPI document</a></li>
<li><a href="/health">Health</a>, <a href="/ready">readiness</a> and <a href="/metrics">metrics</a></li>
</ul>`;
  return layout('Development mode: recording orchestrator', nonce, body, [`${DEV_PATHS.assets}/landing.js`]);
}

function formatDate(date: Date): string {
  return date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

/** GET /dev/mail: the captured messages, newest first. */
export function mailListPage(messages: readonly CapturedMail[] | undefined, nonce: string): string {
  if (!messages) {
    return layout('Captured emails', nonce, `<h1>Captured emails</h1>
<p>EMAIL_URL or EMAIL_HOST is set: the service sends its emails to that server, and none is captured here.</p>`);
  }
  const rows = messages
    .map(
      (m) =>
        `<tr><td><a href="${DEV_PATHS.mail}/${m.n}">${escapeHtml(m.subject || '(no subject)')}</a></td><td>${escapeHtml(m.to.join(', '))}</td><td>${formatDate(m.receivedAt)}</td></tr>`,
    )
    .join('\n');
  const body = `<h1>Captured emails</h1>
<p>Every email the service sends in development mode lands here instead of an inbox (the last ${KEPT_MESSAGES}, kept in memory until the service stops).</p>
${
  messages.length === 0
    ? '<p class="muted">No email yet. A saved recording sends one to each owner who has an email address in their token.</p>'
    : `<table><caption class="visually-hidden">Captured emails, newest first</caption><thead><tr><th scope="col">Subject</th><th scope="col">To</th><th scope="col">Date</th></tr></thead><tbody>
${rows}
</tbody></table>`
}`;
  return layout('Captured emails', nonce, body);
}

/** GET /dev/mail/{n}: one message, its HTML part in a sandboxed frame and its text part. */
export function mailPage(message: CapturedMail, nonce: string): string {
  const body = `<h1>${escapeHtml(message.subject || '(no subject)')}</h1>
<dl class="facts">
<div><dt>From</dt><dd>${escapeHtml(message.from)}</dd></div>
<div><dt>To</dt><dd>${escapeHtml(message.to.join(', '))}</dd></div>
<div><dt>Date</dt><dd>${formatDate(message.receivedAt)}</dd></div>
</dl>
<h2>HTML part</h2>
${
  message.html
    ? `<iframe sandbox="" src="${DEV_PATHS.mail}/${message.n}/html" title="The HTML part of the email"></iframe>`
    : '<p class="muted">This email has no HTML part.</p>'
}
<h2>Text part</h2>
${message.text ? `<pre>${escapeHtml(message.text)}</pre>` : '<p class="muted">This email has no text part.</p>'}
<p><a href="${DEV_PATHS.mail}">All captured emails</a></p>`;
  return layout(message.subject || 'Captured email', nonce, body);
}

/** GET /dev/api: the OpenAPI document rendered by Swagger UI, served from node_modules. */
export function apiReferencePage(nonce: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>API reference: recording orchestrator</title>
<link rel="stylesheet" href="${DEV_PATHS.assets}/swagger-ui.css">
<link rel="stylesheet" href="${DEV_PATHS.assets}/api-reference.css">
</head>
<body>
<main id="swagger-ui" data-url="/api/v1.0/openapi.json"><h1>API reference</h1><p>Loading the OpenAPI document…</p></main>
<script nonce="${escapeHtml(nonce)}" src="${DEV_PATHS.assets}/swagger-ui-bundle.js"></script>
<script nonce="${escapeHtml(nonce)}" src="${DEV_PATHS.assets}/api-reference.js"></script>
</body>
</html>
`;
}
