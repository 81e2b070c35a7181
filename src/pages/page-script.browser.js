// The recording page's only script, inlined with the response's CSP nonce (src/pages/page-html.ts).
// No framework: it (1) reads a host-app token from the address fragment (#access_token=...),
// removes it from the address bar and fetches the server-rendered page with it as a bearer;
// (2) in that mode sends the owner's forms to the JSON API; (3) copies a new share link;
// (4) shows the media's duration and a clear message when the media stops being allowed.
(function () {
  'use strict';
  var body = document.body;
  var token = null;

  function msg(name) {
    return body.getAttribute('data-msg-' + name) || '';
  }
  function main() {
    return document.getElementById('main');
  }
  function say(text, where) {
    var status = document.getElementById(where || 'page-status');
    if (status) status.textContent = text;
  }

  function readFragmentToken() {
    var hash = window.location.hash || '';
    if (hash.indexOf('access_token=') < 0) return null;
    var params = new URLSearchParams(hash.slice(1));
    var value = params.get('access_token');
    // Out of the address bar (and the history) at once: nothing keeps the token but this script.
    window.history.replaceState(null, '', window.location.pathname + window.location.search);
    return value && /^[A-Za-z0-9._~+\/=-]+$/.test(value) ? value : null;
  }

  function authHeaders(extra) {
    var headers = extra || {};
    headers['Authorization'] = 'Bearer ' + token;
    return headers;
  }

  // Replace <main> (and the title) with the one the server renders for this token.
  function loadPage(afterLoad) {
    return fetch(window.location.pathname, { headers: authHeaders({ Accept: 'text/html' }), credentials: 'omit', cache: 'no-store' })
      .then(function (res) {
        return res.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, 'text/html');
        var fresh = doc.getElementById('main');
        var current = main();
        if (!fresh || !current) return;
        current.replaceWith(document.importNode(fresh, true));
        document.title = doc.title;
        wireMedia();
        if (afterLoad) afterLoad();
      });
  }

  function apiError(res) {
    return res
      .json()
      .catch(function () {
        return {};
      })
      .then(function (json) {
        if (res.status === 401) return msg('access-expired');
        return msg('action-failed').replace('{detail}', (json && json.detail) || String(res.status));
      });
  }

  function recordingId() {
    var m = main();
    return m ? m.getAttribute('data-recording') : null;
  }

  function api(method, path, json) {
    var init = { method: method, headers: authHeaders({}), credentials: 'omit' };
    if (json !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(json);
    }
    return fetch('/api/v1.0/recordings/' + recordingId() + path, init);
  }

  function showNewLink(url) {
    var box = document.getElementById('new-share-link');
    var input = document.getElementById('new-share-url');
    if (!box || !input) return;
    input.value = url;
    box.hidden = false;
    input.focus();
    input.select();
  }

  function onSubmit(event) {
    var form = event.target;
    var action = form && form.getAttribute ? form.getAttribute('data-api') : null;
    // Only a host-app token needs the API; with a sign-in session the forms post as they are.
    if (!action || token === null) return;
    event.preventDefault();
    var request;
    if (action === 'create-share') {
      var days = Number(form.elements['expires_in_days'].value);
      var max = Number(form.getAttribute('data-max-days'));
      if (!(days >= 1 && days <= max && Math.floor(days) === days)) {
        say(msg('bad-days').replace('{max}', String(max)));
        return;
      }
      request = api('POST', '/share-links/', { expires_in_days: days }).then(function (res) {
        if (res.status !== 201) return apiError(res).then(say);
        return res.json().then(function (link) {
          return loadPage(function () {
            showNewLink(link.url);
          });
        });
      });
    } else if (action === 'revoke-share') {
      request = api('DELETE', '/share-links/' + form.getAttribute('data-link') + '/').then(function (res) {
        if (res.status !== 204) return apiError(res).then(say);
        return loadPage(function () {
          var heading = document.getElementById('share-heading');
          if (heading) {
            heading.setAttribute('tabindex', '-1');
            heading.focus();
          }
        });
      });
    } else if (action === 'delete') {
      request = api('DELETE', '/').then(function (res) {
        if (res.status !== 204) return apiError(res).then(say);
        var m = main();
        m.innerHTML = '';
        var h1 = document.createElement('h1');
        h1.textContent = msg('deleted-title');
        var p = document.createElement('p');
        p.textContent = msg('deleted');
        m.appendChild(h1);
        m.appendChild(p);
        m.setAttribute('data-state', 'deleted');
        document.title = msg('deleted-title');
        m.focus();
      });
    }
    if (request) {
      request.catch(function () {
        say(msg('action-failed').replace('{detail}', '—'));
      });
    }
  }

  function copy(button) {
    var input = document.getElementById(button.getAttribute('data-copy'));
    var where = button.getAttribute('data-status') || undefined;
    if (!input) return;
    var done = function () {
      say(msg('copied'), where);
    };
    var fallback = function () {
      input.focus();
      input.select();
      var ok = false;
      try {
        ok = document.execCommand('copy');
      } catch (err) {
        ok = false;
      }
      say(ok ? msg('copied') : msg('copy-failed'), where);
    };
    if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(input.value).then(done, fallback);
    else fallback();
  }

  function formatDuration(seconds) {
    var s = Math.round(seconds);
    var h = Math.floor(s / 3600);
    var m = Math.floor((s % 3600) / 60);
    var rest = s % 60;
    var pad = function (n) {
      return (n < 10 ? '0' : '') + n;
    };
    return (h > 0 ? h + ':' + pad(m) : String(m)) + ':' + pad(rest);
  }

  // A host-app token's media URLs carry a short-lived token: when one is refused, get a fresh
  // URL once and carry on from the same moment (playing again if it was playing). A viewer with
  // a download button asks the API for a download link; one without (a room member who may only
  // watch: download links are refused) takes the player's URL from the page rendered anew.
  function freshMediaUrl() {
    if (document.getElementById('download')) {
      return api('POST', '/download-link/').then(function (res) {
        if (res.status !== 200) return null;
        return res.json().then(function (link) {
          return link.url;
        });
      });
    }
    return fetch(window.location.pathname, { headers: authHeaders({ Accept: 'text/html' }), credentials: 'omit', cache: 'no-store' }).then(function (res) {
      if (res.status !== 200) return null;
      return res.text().then(function (html) {
        var player = new DOMParser().parseFromString(html, 'text/html').getElementById('player');
        return player ? player.getAttribute('src') : null;
      });
    });
  }

  function refreshLink(media, playing) {
    if (token === null || media.getAttribute('data-refreshed') === '1') return Promise.resolve(false);
    media.setAttribute('data-refreshed', '1');
    var at = media.currentTime || 0;
    return freshMediaUrl().then(function (url) {
      if (!url) return false;
      media.src = url;
      var download = document.getElementById('download');
      if (download) download.href = url;
      media.currentTime = at;
      if (playing) {
        media.play().catch(function () {
          return undefined;
        });
      }
      return true;
    });
  }

  function wireMedia() {
    var media = document.getElementById('player');
    if (!media || media.getAttribute('data-wired') === '1') return;
    media.setAttribute('data-wired', '1');
    var showDuration = function () {
      var row = document.getElementById('duration');
      if (!row || !isFinite(media.duration) || media.duration <= 0) return;
      row.querySelector('dd').textContent = formatDuration(media.duration);
      row.hidden = false;
    };
    if (media.readyState >= 1) showDuration();
    media.addEventListener('loadedmetadata', showDuration);
    // A link that worked may be renewed again once it runs out in turn.
    media.addEventListener('loadeddata', function () {
      media.removeAttribute('data-refreshed');
    });
    // Whether it was playing when the error came: the browser has paused it by then, but its
    // `pause` event comes after the `error` one.
    var playing = false;
    media.addEventListener('play', function () {
      playing = true;
    });
    media.addEventListener('pause', function () {
      playing = false;
    });
    media.addEventListener('error', function () {
      refreshLink(media, playing)
        .catch(function () {
          return false;
        })
        .then(function (refreshed) {
          if (refreshed) return;
          var alert = document.getElementById('media-error');
          if (alert) alert.hidden = false;
          media.setAttribute('data-refused', '1');
        });
    });
  }

  document.addEventListener('submit', onSubmit);
  document.addEventListener('click', function (event) {
    var target = event.target;
    var button = target && target.closest ? target.closest('button[data-copy]') : null;
    if (button) copy(button);
  });

  wireMedia();
  var m = main();
  token = readFragmentToken();
  if (token !== null && m && (m.getAttribute('data-state') === 'needs-credential' || m.getAttribute('data-credential') !== 'bearer')) {
    m.innerHTML = '';
    var loading = document.createElement('p');
    loading.setAttribute('role', 'status');
    loading.textContent = msg('loading');
    m.appendChild(loading);
    loadPage(function () {
      var fresh = main();
      if (fresh) fresh.focus();
    }).catch(function () {
      loading.textContent = msg('action-failed').replace('{detail}', '—');
    });
  }
})();
