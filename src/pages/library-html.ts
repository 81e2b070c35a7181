import { escapeHtml as e } from '../notifications/html-escape';
import { expiredAt } from '../recording/expiry';
import type { Recording } from '../recording/recording';
import { DOWNLOADABLE_STATUSES, RecordingStatus, type ViewerRole } from '../recording/status';
import type { LibraryTranslate } from './library-text';
import { formatMoment } from './page-locale';
import type { PageContext } from './page-html';

export interface LibraryRow {
  recording: Recording;
  role: ViewerRole;
  members: string | null;
}

export interface LibraryView {
  rows: LibraryRow[];
  count: number;
  page: number;
  /** The filters as given (strings, for the form and the paging links). */
  filters: Record<string, string>;
  previousUrl: string | null;
  nextUrl: string | null;
  /** The session's CSRF token (forms post); null for a host-app token (the script uses the API). */
  csrf: string | null;
  expirationDays: number | undefined;
  notice?: string;
  error?: string;
  /** Ids waiting for the confirmation of their deletion (a session without the script). */
  confirmDelete?: string[];
}

const STATUSES = Object.values(RecordingStatus);

/** The library's own style rules, in the document's one nonced style element (a style inside <main> would not survive the script's swap). */
export const LIBRARY_CSS = `
.filters{display:grid;gap:.5rem;grid-template-columns:repeat(auto-fit,minmax(12rem,1fr));align-items:end}
.filters label{display:flex;flex-direction:column;gap:.25rem}
.library{list-style:none;padding:0;margin:1rem 0;display:grid;gap:.5rem}
.library li{border:1px solid #767676;border-radius:.25rem;padding:.5rem;display:grid;grid-template-columns:auto 1fr;gap:.25rem .5rem;overflow-wrap:anywhere}
.library .meta{grid-column:2;margin:0}
.bulk-actions{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center}
.paging{display:flex;gap:1rem;flex-wrap:wrap}
input,select,button{font:inherit;max-width:100%}
`;

function field(name: string, label: string, value: string | undefined, type = 'text'): string {
  return `<label>${e(label)}<input type="${type}" name="${name}" value="${e(value ?? '')}"></label>`;
}

function row(ctx: PageContext, lt: LibraryTranslate, view: LibraryView, { recording, role, members }: LibraryRow): string {
  const created = formatMoment(recording.createdAt, ctx.zone, ctx.locale.formatLocale);
  const expiry = expiredAt(recording, view.expirationDays);
  const expiryText = !expiry
    ? lt('noExpiry')
    : expiry.getTime() <= Date.now()
      ? lt('expired')
      : formatMoment(expiry, ctx.zone, ctx.locale.formatLocale).date;
  const id = `rec-${recording.id}`;
  const downloadable = DOWNLOADABLE_STATUSES.includes(recording.status) && (role !== 'member' || members === 'download');
  return `<li data-id="${e(recording.id)}" data-status="${e(recording.status)}">
<input type="checkbox" name="ids" value="${e(recording.id)}" id="${id}" data-downloadable="${downloadable ? '1' : '0'}"${view.confirmDelete?.includes(recording.id) ? ' checked' : ''}>
<label for="${id}"><span class="visually-hidden">${e(lt('selectRecording', { room: recording.room, date: created.date }))}</span><a href="/recordings/${e(recording.id)}">${e(recording.room)}</a></label>
<p class="meta"><time datetime="${e(created.iso)}">${e(created.date)} ${e(created.time)}</time> · <span class="rec-status">${e(ctx.t(`status_${recording.status}`))}</span> · ${e(lt('expiry'))}: ${e(expiryText)}</p>
</li>`;
}

function confirmSection(lt: LibraryTranslate, view: LibraryView, ids: string[]): string {
  return `<section id="confirm" role="alertdialog" aria-labelledby="confirm-title" aria-describedby="confirm-text"${ids.length ? '' : ' hidden'}>
<h2 id="confirm-title">${e(lt('confirmTitle'))}</h2>
<p id="confirm-text" data-template="${e(lt('confirmText', { n: '{n}' }))}">${e(lt('confirmText', { n: String(ids.length) }))}</p>
<p class="bulk-actions"><button type="submit" name="action" value="delete-confirmed" id="confirm-delete">${e(lt('confirm'))}</button>
<button type="submit" name="action" value="cancel" id="confirm-cancel">${e(lt('cancel'))}</button></p>
</section>`;
}

/** `<main>` of GET /recordings: the filters (a GET form), the list, the bulk actions, the paging links. */
export function libraryMain(ctx: PageContext, lt: LibraryTranslate, view: LibraryView): string {
  const f = view.filters;
  const options = [`<option value="">${e(lt('anyStatus'))}</option>`, ...STATUSES.map((s) => `<option value="${s}"${f.status === s ? ' selected' : ''}>${e(ctx.t(`status_${s}`))}</option>`)];
  const items = view.rows.map((r) => row(ctx, lt, view, r)).join('\n');
  const paging = [
    view.previousUrl ? `<a href="${e(view.previousUrl)}" rel="prev">${e(lt('previous'))}</a>` : '',
    `<span>${e(lt('pageN', { n: String(view.page) }))}</span>`,
    view.nextUrl ? `<a href="${e(view.nextUrl)}" rel="next">${e(lt('next'))}</a>` : '',
  ].join(' ');
  const messages = { nothing: lt('nothingSelected'), deleted: lt('deletedN', { n: '{n}' }), refused: lt('refusedN', { n: '{n}', detail: '{detail}' }), failed: lt('failed', { detail: '{detail}' }) };
  const data = Object.entries(messages).map(([k, v]) => ` data-msg-${k}="${e(v)}"`).join('');
  return `<main id="main" tabindex="-1" data-state="library"${data}>
<h1>${e(lt('title'))}</h1>
${view.error ? `<p class="alert" role="alert">${e(view.error)}</p>` : ''}
<p id="library-notice" role="status">${e(view.notice ?? '')}</p>
<section aria-labelledby="filters-heading">
<h2 id="filters-heading">${e(lt('filters'))}</h2>
<form id="filters" method="get" action="/recordings" class="filters">
${field('room', lt('room'), f.room)}
${field('q', lt('search'), f.q, 'search')}
<label>${e(lt('status'))}<select name="status">${options.join('')}</select></label>
${field('created_after', lt('after'), f.created_after, 'date')}
${field('created_before', lt('before'), f.created_before, 'date')}
<p class="bulk-actions"><button type="submit">${e(lt('apply'))}</button> <a href="/recordings">${e(lt('reset'))}</a></p>
</form>
</section>
<section aria-labelledby="list-heading">
<h2 id="list-heading">${e(lt('count', { n: String(view.count) }))}</h2>
<form id="bulk" method="post" action="/recordings/bulk">
${view.csrf ? `<input type="hidden" name="csrf" value="${e(view.csrf)}">` : ''}
${view.rows.length ? `<ul class="library">\n${items}\n</ul>` : `<p>${e(lt('none'))}</p>`}
${view.rows.length ? `<fieldset class="bulk-actions"><legend>${e(lt('selected'))}</legend>
<button type="submit" name="action" value="zip" id="download-zip">${e(lt('downloadZip'))}</button>
<button type="submit" name="action" value="delete" id="delete-selected">${e(lt('deleteSelected'))}</button>
</fieldset>` : ''}
${confirmSection(lt, view, view.confirmDelete ?? [])}
</form>
</section>
<nav aria-label="${e(lt('paging'))}" class="paging">${paging}</nav>
</main>`;
}
