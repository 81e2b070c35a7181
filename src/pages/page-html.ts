import type { PageTranslate } from '../notifications/i18n';
import { escapeHtml } from '../notifications/html-escape';
import type { ResolvedLocale } from '../notifications/locale';
import { artifactSections, trackElements, transcriptPanel } from './page-artifacts';
import { formatMoment, type FormattedMoment } from './page-locale';
import { PAGE_SCRIPT } from './page-script';
import { PAGE_CSS } from './page-style';
import type { PageFile, RecordingPageView } from './recording-page';
import { NEVER_READY_STATUSES as NEVER_READY } from '../recording/status';

/**
 * The recording page's HTML: template literals, every dynamic value escaped. One document shell
 * (language, landmarks, the CSP-nonced style and script) around either the recording or a
 * message (401/403/404...). The page's script swaps `<main>` for the one the server renders
 * with a host-app token, so everything is rendered here and only here.
 */

const e = escapeHtml;

export interface PageContext {
  t: PageTranslate;
  locale: ResolvedLocale;
  /** Dates are written in this zone (the viewer's `zoneinfo`, else DEFAULT_TIMEZONE). */
  zone: string;
  nonce: string;
  brand: string;
  /** The signed-in viewer, for the header's sign-out form. */
  session: { name: string | null; sub: string; csrf: string } | null;
  /** The recording the address names, for sign-in and sign-out to come back to. */
  recordingId: string | null;
}

export interface PageMessage {
  title: string;
  text: string;
  /** A sign-in link (OIDC configured, no credential). */
  signInUrl?: string;
  /** A link back to the recording page (after a failed form). */
  backUrl?: string;
  /** `data-state` of `<main>`: what the script may do (e.g. `needs-credential` reads `#access_token=`). */
  state: string;
}

/** The whole HTML document. */
/** `script`: the page's one script (the recording page's by default; the library has its own); `css`: more style rules. */
export function pageDocument(ctx: PageContext, title: string, main: string, script: string = PAGE_SCRIPT, css = ''): string {
  const { t } = ctx;
  const messages = {
    'msg-loading': t('loading'),
    'msg-copied': t('copied'),
    'msg-copy-failed': t('copyFailed'),
    'msg-media-error': t('mediaError'),
    'msg-access-expired': t('accessExpired'),
    'msg-deleted': t('deleted'),
    'msg-deleted-title': t('deletedTitle'),
    'msg-action-failed': t('actionFailed', { detail: '{detail}' }),
    'msg-bad-days': t('badDays', { max: '{max}' }),
  };
  const data = Object.entries(messages)
    .map(([k, v]) => ` data-${k}="${e(v)}"`)
    .join('');
  return `<!doctype html>
<html lang="${e(ctx.locale.language)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<title>${e(title)}</title>
<style nonce="${e(ctx.nonce)}">${PAGE_CSS}${css}</style>
</head>
<body${data}>
<a class="skip" href="#main">${e(t('skipToContent'))}</a>
<header class="site">
<p class="brand">${e(ctx.brand)}</p>
${ctx.session ? signOutForm(ctx) : ''}
</header>
${main}
<footer class="site"><p>${e(ctx.brand)}</p></footer>
<script nonce="${e(ctx.nonce)}">${script}</script>
</body>
</html>
`;
}

function signOutForm(ctx: PageContext): string {
  const { t, session } = ctx;
  const next = ctx.recordingId ? `<input type="hidden" name="next" value="/recordings/${e(ctx.recordingId)}">` : '';
  return `<form class="signout" method="post" action="/auth/logout">
<input type="hidden" name="csrf" value="${e(session!.csrf)}">${next}
<span>${e(t('signedInAs', { name: session!.name ?? session!.sub }))}</span>
<button type="submit" class="secondary">${e(t('signOut'))}</button>
</form>`;
}

/** `<main>` with a message instead of a recording. */
export function messageMain(ctx: PageContext, message: PageMessage): string {
  const actions = [
    message.signInUrl ? `<a class="button" href="${e(message.signInUrl)}">${e(ctx.t('signIn'))}</a>` : '',
    message.backUrl ? `<a href="${e(message.backUrl)}">${e(ctx.t('tryAgain'))}</a>` : '',
  ].filter(Boolean);
  return `<main id="main" tabindex="-1" data-state="${e(message.state)}"${ctx.recordingId ? ` data-recording="${e(ctx.recordingId)}"` : ''}>
<h1>${e(message.title)}</h1>
<p>${e(message.text)}</p>
${actions.length ? `<p class="actions">${actions.join(' ')}</p>` : ''}
<p id="page-status" class="status" role="status"></p>
</main>`;
}

function moment(ctx: PageContext, date: Date): FormattedMoment {
  return formatMoment(date, ctx.zone, ctx.locale.formatLocale);
}

function fact(label: string, value: string, attrs = ''): string {
  return `<div${attrs}><dt>${label}</dt><dd>${value}</dd></div>`;
}

/** `<main>` of a recording the viewer may watch. */
export function recordingMain(ctx: PageContext, view: RecordingPageView, extras: { newLinkUrl?: string; error?: string } = {}): string {
  const { t } = ctx;
  const { recording } = view;
  const recorded = moment(ctx, recording.createdAt);
  const expiry = view.expiresAt
    ? (() => {
        const m = moment(ctx, view.expiresAt);
        return `<time datetime="${e(m.iso)}">${e(t('availableUntilValue', { date: m.date, time: m.time }))}</time>`;
      })()
    : e(t('noExpiry'));
  const composite = view.files.find((f) => f.file.kind === 'composite');
  const tracks = view.files.filter((f) => f.file.kind === 'track');

  return `<main id="main" tabindex="-1" data-state="recording" data-recording="${e(recording.id)}" data-credential="${e(view.credential)}">
<h1>${e(t('pageTitle', { room: recording.room }))}</h1>
${extras.error ? `<p class="alert" role="alert">${e(extras.error)}</p>` : ''}
<section aria-labelledby="details-heading">
<h2 id="details-heading" class="visually-hidden">${e(t('details'))}</h2>
<dl class="facts">
${fact(e(t('room')), e(recording.room))}
${fact(e(t('date')), `<time datetime="${e(recorded.iso)}">${e(recorded.date)}</time>`)}
${fact(e(t('time')), `${e(recorded.time)} <span class="zone">${e(recorded.zone)}</span>`)}
${fact(e(t('duration')), '', ' id="duration" hidden')}
${fact(e(t('availableUntil')), expiry)}
</dl>
</section>
<div class="watch${view.artifacts?.transcript.length ? ' with-transcript' : ''}">
<section aria-labelledby="player-heading">
<h2 id="player-heading" class="visually-hidden">${e(t('player'))}</h2>
${player(ctx, view, composite)}
</section>
${transcriptPanel(t, view.artifacts ?? null)}
</div>
${artifactSections(t, view.artifacts ?? null)}
${tracks.length ? trackList(ctx, tracks, view.canDownload) : ''}
${view.manage ? management(ctx, view, extras.newLinkUrl) : ''}
<p id="page-status" class="status" role="status"></p>
</main>`;
}

/** Why there is nothing to watch: a recording that can no longer be saved says so, and why. */
function notReadyText({ t }: PageContext, recording: RecordingPageView['recording']): string {
  const why = recording.reason ? t(`reason_${recording.reason.code}`) : '';
  if (NEVER_READY.includes(recording.status)) return t('failedNote', { reason: why }).trim();
  const note = t('notReady', { status: t(`status_${recording.status}`) });
  return why ? `${note} ${t('reasonNote', { reason: why })}` : note;
}

function player(ctx: PageContext, view: RecordingPageView, composite: PageFile | undefined): string {
  const { t } = ctx;
  if (!composite?.mediaUrl) {
    return `<p id="not-ready">${e(view.isExpired ? t('expiredNote') : notReadyText(ctx, view.recording))}</p>`;
  }
  const url = e(composite.mediaUrl);
  const label = e(t('playerLabel', { room: view.recording.room }));
  const tracks = trackElements(t, view.artifacts ?? null, ctx.locale.language);
  const element = composite.file.contentType.startsWith('video/')
    ? `<video id="player" controls preload="metadata" src="${url}" aria-label="${label}">${tracks}</video>`
    : `<audio id="player" controls preload="metadata" src="${url}" aria-label="${label}">${tracks}</audio>`;
  // Saved, yet not as asked (e.g. a part that never arrived): why, in the recorder's words too.
  const { reason } = view.recording;
  const note = reason ? `\n<p id="reason-note">${e(t('reasonNote', { reason: t(`reason_${reason.code}`) }))}${reason.detail ? ` ${e(`(${reason.detail})`)}` : ''}</p>` : '';
  return `${element}${note}
<p id="media-error" class="alert" role="alert" hidden>${e(t('mediaError'))}</p>
${view.canDownload ? `<p class="actions"><a class="button" id="download" href="${url}" download>${e(t('download'))}</a></p>` : ''}`;
}

function trackList(ctx: PageContext, tracks: PageFile[], canDownload: boolean): string {
  const { t } = ctx;
  const items = tracks.map((track, i) => {
    const who = track.file.participant?.name || track.file.participant?.identity || t('trackUnnamed', { number: String(i + 1) });
    const name = e(t('trackOf', { name: who }));
    if (!track.mediaUrl) {
      const state = track.file.status === 'failed' ? t('trackFailed') : t('trackPending');
      return `<li><span class="track-name">${name}</span> ${e(state)}</li>`;
    }
    const url = e(track.mediaUrl);
    return `<li><span class="track-name" id="track-${i}">${name}</span>
<audio controls preload="none" src="${url}" aria-labelledby="track-${i}"></audio>
${canDownload ? `<a href="${url}" download>${e(t('downloadTrack', { name: who }))}</a>` : ''}</li>`;
  });
  return `<section aria-labelledby="tracks-heading">
<h2 id="tracks-heading">${e(t('tracks'))}</h2>
<ul class="tracks">
${items.join('\n')}
</ul>
</section>`;
}

function management(ctx: PageContext, view: RecordingPageView, newLinkUrl: string | undefined): string {
  const { t } = ctx;
  const manage = view.manage!;
  const id = e(view.recording.id);
  const csrf = manage.csrf ? `<input type="hidden" name="csrf" value="${e(manage.csrf)}">` : '';
  const createForm = manage.canShare
    ? `<form class="inline" method="post" action="/recordings/${id}/share-links" data-api="create-share" data-max-days="${manage.maxDays}">
${csrf}<div><label for="share-days">${e(t('shareDays', { max: String(manage.maxDays) }))}</label>
<input id="share-days" name="expires_in_days" type="number" inputmode="numeric" min="1" max="${manage.maxDays}" value="${manage.defaultDays}" required></div>
<button type="submit">${e(t('shareCreate'))}</button>
</form>`
    : `<p>${e(t('shareNotPossible'))}</p>`;
  const newLink = `<div id="new-share-link" class="new-link"${newLinkUrl ? '' : ' hidden'}>
<p>${e(t('shareCreated'))}</p>
<label for="new-share-url">${e(t('shareUrl'))}</label>
<input id="new-share-url" type="text" readonly value="${newLinkUrl ? e(newLinkUrl) : ''}">
<button type="button" id="copy-share-link" data-copy="new-share-url" data-status="copy-status">${e(t('copy'))}</button>
<p id="copy-status" class="status" role="status"></p>
</div>`;
  const rows = manage.activeLinks.map((link) => {
    const created = moment(ctx, link.createdAt);
    const expires = moment(ctx, link.expiresAt);
    return `<tr>
<td><time datetime="${e(created.iso)}">${e(`${created.date} ${created.time}`)}</time></td>
<td><time datetime="${e(expires.iso)}">${e(`${expires.date} ${expires.time}`)}</time></td>
<td><form method="post" action="/recordings/${id}/share-links/${e(link.id)}/revoke" data-api="revoke-share" data-link="${e(link.id)}">${csrf}
<button type="submit" class="secondary" aria-label="${e(t('revokeLabel', { date: created.date, time: created.time }))}">${e(t('revoke'))}</button></form></td>
</tr>`;
  });
  const list = rows.length
    ? `<table>
<caption>${e(t('shareTable'))}</caption>
<thead><tr><th scope="col">${e(t('shareCreatedAt'))}</th><th scope="col">${e(t('shareExpiresAt'))}</th><th scope="col">${e(t('shareAction'))}</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>`
    : `<p>${e(t('shareNone'))}</p>`;
  const deletion = manage.canDelete
    ? `<details>
<summary>${e(t('deleteSummary'))}</summary>
<form method="post" action="/recordings/${id}/delete" data-api="delete">${csrf}
<p>${e(t('deleteWarning'))}</p>
<button type="submit" class="danger">${e(t('deleteConfirm'))}</button>
</form>
</details>`
    : `<p>${e(t('deleteNotYet'))}</p>`;
  return `<section aria-labelledby="share-heading">
<h2 id="share-heading">${e(t('shareLinks'))}</h2>
<p>${e(t('shareIntro'))}</p>
${createForm}
${newLink}
${list}
</section>
<section aria-labelledby="delete-heading">
<h2 id="delete-heading">${e(t('deleteHeading'))}</h2>
${deletion}
</section>`;
}
