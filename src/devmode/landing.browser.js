// The development start page (src/devmode/dev-pages.ts): copy the token, start and stop the demo
// room's recording through the JSON API, and show the room's status every few seconds.
(function () {
  'use strict';
  var POLL_MS = 3000;
  var token = document.getElementById('token').value.trim();
  var room = document.getElementById('controls').getAttribute('data-room');
  var roomPath = '/api/v1.0/rooms/' + encodeURIComponent(room) + '/';
  var actionResult = document.getElementById('action-result');
  var roomStatus = document.getElementById('room-status');
  var list = document.getElementById('recordings');

  function api(method, path, body) {
    var init = { method: method, headers: { Authorization: 'Bearer ' + token, Accept: 'application/json' } };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(path, init).then(function (res) {
      return res.text().then(function (text) {
        var json = null;
        try { json = text ? JSON.parse(text) : null; } catch (e) { json = null; }
        return { status: res.status, body: json };
      });
    });
  }

  function describe(answer) {
    var detail = answer.body && (answer.body.detail || answer.body.message);
    var status = answer.body && answer.body.status;
    return answer.status + (status ? ' ' + status : '') + (detail ? ': ' + detail : '');
  }

  function act(method, path, body, what) {
    actionResult.textContent = what + '…';
    api(method, path, body).then(function (answer) {
      actionResult.textContent = what + ': ' + describe(answer);
      refresh();
    }, function () {
      actionResult.textContent = what + ': the service did not answer';
    });
  }

  document.getElementById('copy-token').addEventListener('click', function () {
    var done = function () { document.getElementById('copy-result').textContent = 'Copied.'; };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(token).then(done, function () {
        document.getElementById('token').select();
        document.getElementById('copy-result').textContent = 'Selected: press Ctrl+C to copy.';
      });
    } else {
      document.getElementById('token').select();
      document.getElementById('copy-result').textContent = 'Selected: press Ctrl+C to copy.';
    }
  });
  document.getElementById('start').addEventListener('click', function () {
    act('POST', roomPath + 'start-recording/', { mode: 'screen_recording' }, 'Start');
  });
  document.getElementById('start-tracks').addEventListener('click', function () {
    act('POST', roomPath + 'start-recording/', { mode: 'screen_recording', options: { participant_tracks: 'audio' } }, 'Start with participant tracks');
  });
  document.getElementById('stop').addEventListener('click', function () {
    act('POST', roomPath + 'stop-recording/', undefined, 'Stop');
  });

  function showRoom(answer) {
    if (answer.status !== 200 || !answer.body) {
      roomStatus.textContent = 'Room status unavailable (' + describe(answer) + ').';
      return;
    }
    var r = answer.body;
    var text = (r.is_active ? 'Meeting in progress, ' + r.participants + ' participant(s). ' : 'No meeting in progress. ');
    text += r.recording ? 'Recording ' + r.recording.id + ' is ' + r.recording.status + '.' : 'Not recording.';
    if (roomStatus.textContent !== text) roomStatus.textContent = text;
  }

  function showRecordings(answer) {
    if (answer.status !== 200 || !answer.body) return;
    var items = answer.body.results.filter(function (rec) { return rec.room === room; }).slice(0, 10);
    list.textContent = '';
    if (items.length === 0) {
      var none = document.createElement('li');
      none.textContent = 'None yet.';
      list.appendChild(none);
    }
    items.forEach(function (rec) {
      var li = document.createElement('li');
      var a = document.createElement('a');
      a.href = '/recordings/' + encodeURIComponent(rec.id) + '#access_token=' + encodeURIComponent(token);
      a.textContent = rec.id;
      li.appendChild(a);
      li.appendChild(document.createTextNode(': ' + rec.status + ', created ' + rec.created_at));
      list.appendChild(li);
    });
  }

  function refresh() {
    api('GET', roomPath).then(showRoom, function () { roomStatus.textContent = 'The service did not answer.'; });
    api('GET', '/api/v1.0/recordings/').then(showRecordings, function () { return undefined; });
  }

  refresh();
  setInterval(refresh, POLL_MS);
})();
