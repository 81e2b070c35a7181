// A minimal receiver of the recording orchestrator's events, for host-app developers.
//
//   WEBHOOK_SECRET=whsec_... PORT=4000 node docs/examples/webhook-receiver.mjs
//
// Point the service at it with WEBHOOK_URLS=http://127.0.0.1:4000/hooks and the same
// WEBHOOK_SECRET. Every request is verified with the official `standardwebhooks` library (it
// checks the signature and refuses timestamps more than five minutes off); a verified event is
// printed as one JSON line and answered 204. Deliveries are at least once: a real receiver keeps
// the `webhook-id`s it has handled and skips repeats, as this one does in memory.
import http from 'node:http';
import { Webhook } from 'standardwebhooks';

const secret = process.env.WEBHOOK_SECRET;
if (!secret) {
  console.error('set WEBHOOK_SECRET to the service\'s WEBHOOK_SECRET (whsec_...)');
  process.exit(1);
}
const verifier = new Webhook(secret);
const seen = new Set();

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    // Verify the exact bytes received: re-serialised JSON would not match the signature.
    const raw = Buffer.concat(chunks).toString('utf8');
    let event;
    try {
      event = verifier.verify(raw, req.headers);
    } catch (err) {
      console.error(`refused: ${err.message}`);
      res.writeHead(400).end();
      return;
    }
    const id = req.headers['webhook-id'];
    if (!seen.has(id)) {
      seen.add(id);
      console.log(JSON.stringify({ id, type: event.type, timestamp: event.timestamp, recording: event.data.id ?? null, status: event.data.status ?? null, room: event.data.room }));
      if (event.type === 'recording.ready') {
        for (const file of event.data.files) console.log(`  ${file.kind} ${file.key}: ${file.media_url ?? 'not stored'}`);
      }
    }
    res.writeHead(204).end();
  });
});

const port = Number(process.env.PORT ?? 4000);
server.listen(port, process.env.HOST ?? '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${server.address().port}/hooks`));
