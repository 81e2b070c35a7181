// The recording page's processing results (rendered on the server): a click (or Enter/Space, they are
// buttons) on a transcript cue, a chapter or a speaker's segment seeks the player there; the cue
// being spoken is highlighted; speaker segments are placed on their time line; and where the
// server could give the player no <track> (a viewer with a host-app token, which a <track>
// request cannot carry), the captions are made from the transcript panel instead.
(function () {
  'use strict';

  function player() {
    return document.getElementById('player');
  }

  function setUp() {
    var media = player();
    if (!media || media.getAttribute('data-artifacts') === '1') return;
    media.setAttribute('data-artifacts', '1');
    var segments = document.querySelectorAll('.speaker-line button.segment');
    for (var i = 0; i < segments.length; i++) {
      var s = segments[i];
      var span = parseFloat(s.getAttribute('data-span')) || 1;
      var from = parseFloat(s.getAttribute('data-start'));
      var to = parseFloat(s.getAttribute('data-end'));
      // CSSOM, not a style attribute: the page's CSP allows no inline styles.
      s.style.left = (100 * from) / span + '%';
      s.style.width = (100 * Math.max(0, to - from)) / span + '%';
    }
    var cues = document.querySelectorAll('#transcript button.cue');
    if (cues.length && !media.querySelector('track[kind="captions"]') && typeof VTTCue === 'function') {
      var track = media.addTextTrack('captions', document.getElementById('transcript-heading').textContent, document.documentElement.lang);
      for (var j = 0; j < cues.length; j++) {
        var text = cues[j].querySelector('.cue-text').textContent;
        var who = cues[j].querySelector('.cue-speaker');
        track.addCue(new VTTCue(parseFloat(cues[j].getAttribute('data-start')), parseFloat(cues[j].getAttribute('data-end')), who ? who.textContent + ': ' + text : text));
      }
      track.mode = 'showing';
    }
  }

  function highlight() {
    var media = player();
    if (!media) return;
    var now = media.currentTime;
    var cues = document.querySelectorAll('#transcript button.cue');
    for (var i = 0; i < cues.length; i++) {
      var on = parseFloat(cues[i].getAttribute('data-start')) <= now && now < parseFloat(cues[i].getAttribute('data-end'));
      cues[i].classList.toggle('active', on);
      if (on) cues[i].setAttribute('aria-current', 'true');
      else cues[i].removeAttribute('aria-current');
    }
  }

  document.addEventListener('click', function (event) {
    var button = event.target && event.target.closest ? event.target.closest('button.seek') : null;
    var media = player();
    if (!button || !media) return;
    media.currentTime = parseFloat(button.getAttribute('data-start')) || 0;
    highlight();
  });
  // Media events do not bubble: caught on their way down instead.
  document.addEventListener('timeupdate', highlight, true);
  document.addEventListener('seeked', highlight, true);
  // The page's other script may swap <main> (a host-app token): set up the new one too.
  new MutationObserver(setUp).observe(document.body, { childList: true });
  setUp();
})();
