// An example processing service: speaker-labelled transcripts for recordings with participant
// tracks, put back on the recording as its transcript.vtt.
//
//   WEBHOOK_SECRET=whsec_... RECORDER_URL=https://recorder.example.org \
//   TRANSCRIBE_URL=http://127.0.0.1:8000 PORT=4100 node docs/examples/transcription-pipeline.mjs
//
// Point the service at it with WEBHOOK_URLS=http://127.0.0.1:4100/hooks (and WEBHOOK_EVENTS
// including recording.ready). For each verified recording.ready it fetches every saved
// participant track by its media_url, sends it to an OpenAI-compatible transcription server
// (POST {TRANSCRIBE_URL}/v1/audio/transcriptions, as whisper.cpp's and faster-whisper's servers
// answer it, with response_format=verbose_json), places each track's segments on the
// composite's time line (the track's started_at against the composite's), labels them with the
// speaker's name (WebVTT voice tags) and PUTs the result with the event's artifact_token.
import http from 'node:http';
import { Webhook } from 'standardwebhooks';

const secret = process.env.WEBHOOK_SECRET;
const recorderUrl = (process.env.RECORDER_URL ?? '').replace(/\/+$/, '');
const transcribeUrl = (process.env.TRANSCRIBE_URL ?? '').replace(/\/+$/, '');
if (!secret || !recorderUrl || !transcribeUrl) {
  console.error('set WEBHOOK_SECRET, RECORDER_URL and TRANSCRIBE_URL');
  process.exit(1);
}
const model = process.env.TRANSCRIBE_MODEL ?? 'whisper-1';
const TIMEOUT_MS = Number(process.env.TIMEOUT_MS ?? 600_000);
const verifier = new Webhook(secret);
const seen = new Set();

/** 3.5 -> "00:00:03.500" */
function timestamp(seconds) {
  const ms = Math.max(0, Math.round(seconds * 1000));
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  return `${pad(Math.floor(ms / 3600000))}:${pad(Math.floor(ms / 60000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}.${pad(ms % 1000, 3)}`;
}

// Cue text and voice-tag annotations may not hold "<", "&" or (in the tag) ">".
const escapeText = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/-->/g, '--&gt;');
const escapeVoice = (s) => escapeText(s).replace(/>/g, '&gt;');

async function transcribe(file) {
  const media = await fetch(file.media_url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  if (!media.ok) throw new Error(`track ${file.track_id}: storage answered ${media.status}`);
  const form = new FormData();
  form.append('file', new Blob([await media.arrayBuffer()], { type: file.content_type }), `${file.track_id}.ogg`);
  form.append('model', model);
  form.append('response_format', 'verbose_json');
  const res = await fetch(`${transcribeUrl}/v1/audio/transcriptions`, { method: 'POST', body: form, signal: AbortSignal.timeout(TIMEOUT_MS) });
  if (!res.ok) throw new Error(`track ${file.track_id}: transcription server answered ${res.status}`);
  const body = await res.json();
  return Array.isArray(body.segments) ? body.segments : [{ start: 0, end: 0, text: body.text ?? '' }];
}

async function transcribeRecording(recording, token) {
  const composite = recording.files.find((f) => f.kind === 'composite');
  const origin = Date.parse(composite?.started_at ?? '') || null;
  const cues = [];
  for (const file of recording.files) {
    if (file.kind !== 'track' || !file.media_url) continue;
    const offset = origin && file.started_at ? (Date.parse(file.started_at) - origin) / 1000 : 0;
    const speaker = file.participant?.name || file.participant?.identity || 'Speaker';
    for (const s of await transcribe(file)) {
      const text = String(s.text ?? '').trim();
      if (text) cues.push({ start: s.start + offset, end: s.end + offset, speaker, text });
    }
  }
  cues.sort((a, b) => a.start - b.start || a.end - b.end);
  const vtt = ['WEBVTT', ''];
  for (const c of cues) vtt.push(`${timestamp(c.start)} --> ${timestamp(c.end)}`, `<v ${escapeVoice(c.speaker)}>${escapeText(c.text)}`, '');
  const put = await fetch(`${recorderUrl}/api/v1.0/recordings/${recording.id}/artifacts/transcript.vtt`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'text/vtt' },
    body: vtt.join('\n'),
    signal: AbortSignal.timeout(30_000),
  });
  if (!put.ok) throw new Error(`the recorder answered ${put.status}: ${await put.text()}`);
  console.log(JSON.stringify({ recording: recording.id, cues: cues.length, status: put.status }));
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    let event;
    try {
      event = verifier.verify(Buffer.concat(chunks).toString('utf8'), req.headers);
    } catch (err) {
      console.error(`refused: ${err.message}`);
      res.writeHead(400).end();
      return;
    }
    // Answer at once (deliveries time out); work after. Deliveries are at least once: skip repeats.
    res.writeHead(204).end();
    const id = req.headers['webhook-id'];
    if (event.type !== 'recording.ready' || seen.has(id)) return;
    seen.add(id);
    transcribeRecording(event.data, event.data.artifact_token).catch((err) => console.error(`recording ${event.data.id}: ${err.message}`));
  });
});

const port = Number(process.env.PORT ?? 4100);
server.listen(port, process.env.HOST ?? '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${server.address().port}/hooks`));
