// The library page's only script, inlined with the response's CSP nonce (src/api/routes/library-page.ts).
// Without it the page works for a signed-in session (forms post to the server). With a host-app
// token in the address fragment (#access_token=...) it removes the token from the address bar,
// fetches the server-rendered list with it as a bearer, and does the filters, paging and bulk
// actions (ZIP, delete with a confirmation) through the JSON API.
(function () {
  'use strict';
  var token = null;

  function main() {
    return document.getElementById('main');
  }
  function msg(name) {
    var m = main();
    return (m && m.getAttribute('data-msg-' + name)) || '';
  }
  function notice(text) {
    var el = document.getElementById('library-notice');
    if (el) el.textContent = text;
  }

  function readFragmentToken() {
    var hash = window.location.hash || '';
    if (hash.indexOf('access_token=') < 0) return null;
    var value = new URLSearchParams(hash.slice(1)).get('access_token');
    window.history.replaceState(null, '', window.location.pathname + window.location.search);
    return value && /^[A-Za-z0-9._~+\/=-]+$/.test(value) ? value : null;
  }

  function load(search, after) {
    return fetch('/recordings' + search, { headers: { Authorization: 'Bearer ' + token, Accept: 'text/html' }, credentials: 'omit', cache: 'no-store' })
      .then(function (res) {
        return res.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, 'text/html').getElementById('main');
        var current = main();
        if (!fresh || !current) return;
        current.replaceWith(document.importNode(fresh, true));
        window.history.replaceState(null, '', '/recordings' + search);
        if (after) after();
      });
  }

  function api(path, body) {
    return fetch('/api/v1.0/recordings/' + path + '/', {
      method: 'POST',
      headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' },
      credentials: 'omit',
      body: JSON.stringify(body),
    }).then(function (res) {
      return res.json().then(function (json) {
        if (!res.ok) throw new Error((json && json.detail) || String(res.status));
        return json;
      });
    });
  }

  function selectedIds() {
    var boxes = document.querySelectorAll('#bulk input[name="ids"]:checked');
    return Array.prototype.map.call(boxes, function (box) {
      return box.value;
    });
  }

  function showConfirm(n) {
    var section = document.getElementById('confirm');
    var text = document.getElementById('confirm-text');
    if (!section || !text) return;
    text.textContent = (text.getAttribute('data-template') || '').replace('{n}', String(n));
    section.hidden = false;
    document.getElementById('confirm-delete').focus();
  }

  function failed(err) {
    notice(msg('failed').replace('{detail}', err && err.message ? err.message : String(err)));
  }

  function onSubmit(event) {
    var form = event.target;
    if (!token || !(form instanceof HTMLFormElement)) return;
    if (form.id === 'filters') {
      event.preventDefault();
      var params = new URLSearchParams();
      new FormData(form).forEach(function (value, name) {
        if (typeof value === 'string' && value.trim() !== '') params.append(name, value.trim());
      });
      var query = params.toString();
      load(query ? '?' + query : '').catch(failed);
      return;
    }
    if (form.id !== 'bulk') return;
    event.preventDefault();
    var action = event.submitter ? event.submitter.value : '';
    var ids = selectedIds();
    if (action === 'cancel') {
      document.getElementById('confirm').hidden = true;
      document.getElementById('delete-selected').focus();
      return;
    }
    if (ids.length === 0) return notice(msg('nothing'));
    if (action === 'zip') {
      api('archive-link', { ids: ids })
        .then(function (link) {
          window.location.assign(link.url);
        })
        .catch(failed);
    } else if (action === 'delete') {
      showConfirm(ids.length);
    } else if (action === 'delete-confirmed') {
      api('bulk-delete', { ids: ids })
        .then(function (result) {
          var text = msg('deleted').replace('{n}', String(result.deleted.length));
          if (result.refused.length) {
            text += ' ' + msg('refused').replace('{n}', String(result.refused.length)).replace('{detail}', result.refused[0].detail);
          }
          return load(window.location.search, function () {
            notice(text);
          });
        })
        .catch(failed);
    }
  }

  function onClick(event) {
    var link = event.target instanceof Element ? event.target.closest('nav.paging a, a[href="/recordings"]') : null;
    if (!token || !link) return;
    event.preventDefault();
    var url = new URL(link.getAttribute('href'), window.location.href);
    load(url.search).catch(failed);
  }

  document.addEventListener('submit', onSubmit);
  document.addEventListener('click', onClick);
  token = readFragmentToken();
  if (token) {
    notice(document.body.getAttribute('data-msg-loading') || '');
    load(window.location.search).catch(failed);
  }
})();
