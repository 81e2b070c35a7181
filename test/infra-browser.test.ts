import http from 'node:http';
import net from 'node:net';
import { launchBrowser, seriousAxeViolations, type TestBrowser } from './helpers/browser';
import { testAudioOgg, testVideoMp4, type TestMediaFile } from './helpers/media';

// Smoke test of the browser helper: Debian's chromium plays the ffmpeg MP4, axe runs under a
// strict CSP, downloads are saved byte for byte, and contexts do not share cookies.
jest.setTimeout(60_000);

let browser: TestBrowser;
let server: http.Server;
let base: string;
let video: TestMediaFile;
let audio: TestMediaFile;
const rangeRequests: string[] = [];

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Recording of room one</title></head>
<body><main>
<h1>Room one</h1>
<video controls preload="auto" src="/video.mp4"><track kind="captions" src="/captions.vtt" srclang="en" label="English"></video>
<p><a id="download" href="/download">Download the recording</a></p>
</main></body></html>`;

const BAD_PAGE = `<!doctype html><html><head><title>x</title></head><body><img src="/nothing.png"></body></html>`;

/** Serves `file` with single-range support, like nginx in front of storage. */
function serveMedia(req: http.IncomingMessage, res: http.ServerResponse, file: TestMediaFile) {
  const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
  const size = file.bytes.length;
  if (!range) {
    res.writeHead(200, { 'content-type': file.contentType, 'content-length': size, 'accept-ranges': 'bytes' });
    res.end(file.bytes);
    return;
  }
  rangeRequests.push(req.headers.range!);
  const start = Number(range[1]);
  const end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
  res.writeHead(206, {
    'content-type': file.contentType,
    'content-length': end - start + 1,
    'content-range': `bytes ${start}-${end}/${size}`,
    'accept-ranges': 'bytes',
  });
  res.end(file.bytes.subarray(start, end + 1));
}

beforeAll(async () => {
  [video, audio] = await Promise.all([testVideoMp4(), testAudioOgg()]);
  server = http.createServer((req, res) => {
    switch (req.url) {
      case '/':
        res.writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'content-security-policy': "default-src 'self'; script-src 'none'; object-src 'none'; frame-ancestors 'none'",
        });
        res.end(PAGE);
        return;
      case '/bad':
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(BAD_PAGE);
        return;
      case '/captions.vtt':
        res.writeHead(200, { 'content-type': 'text/vtt' }).end('WEBVTT\n\n00:00.000 --> 00:06.000\nA tone\n');
        return;
      case '/video.mp4':
        serveMedia(req, res, video);
        return;
      case '/download':
        res.writeHead(200, {
          'content-type': audio.contentType,
          'content-disposition': `attachment; filename="Room one.ogg"; filename*=UTF-8''Room%20one%20%C3%A9t%C3%A9.ogg`,
        });
        res.end(audio.bytes);
        return;
      case '/set-cookie':
        res.writeHead(200, { 'set-cookie': 'session=abc; Path=/; HttpOnly', 'content-type': 'text/plain' }).end('set');
        return;
      case '/whoami':
        res.writeHead(200, { 'content-type': 'text/plain' }).end(req.headers.cookie ?? 'nobody');
        return;
      default:
        res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
});

test('the page loads under a strict CSP, the H.264 video plays and seeks with Range requests, axe finds nothing serious', async () => {
  const ctx = await browser.newContext();
  try {
    const page = await ctx.newPage();
    await page.goto(`${base}/`);
    expect(await page.title()).toBe('Recording of room one');
    await page.waitForFunction(() => (globalThis as unknown as { document: any }).document.querySelector('video').readyState >= 2);
    // Seek to the middle and play from there.
    const played = await page.$eval('video', async (el) => {
      el.currentTime = 3;
      await new Promise((resolve) => el.addEventListener('seeked', resolve, { once: true }));
      await el.play();
      await new Promise((resolve) => el.addEventListener('timeupdate', resolve, { once: true }));
      return { time: el.currentTime as number, error: el.error, duration: el.duration as number };
    });
    expect(played.error).toBeNull();
    expect(played.time).toBeGreaterThanOrEqual(3);
    expect(played.duration).toBeGreaterThan(5.9);
    expect(rangeRequests.length).toBeGreaterThan(0);
    expect(await seriousAxeViolations(page)).toEqual([]);
  } finally {
    await ctx.close();
  }
});

test('axe reports a serious violation on a page that has one', async () => {
  const ctx = await browser.newContext();
  try {
    const page = await ctx.newPage();
    await page.goto(`${base}/bad`);
    const ids = (await seriousAxeViolations(page)).map((v) => v.id);
    expect(ids).toContain('image-alt');
    expect(ids).toContain('html-has-lang');
    expect(await seriousAxeViolations(page, { disableRules: ['image-alt'] })).not.toContainEqual(
      expect.objectContaining({ id: 'image-alt' }),
    );
  } finally {
    await ctx.close();
  }
});

test('clicking the download link saves the bytes under the name from Content-Disposition', async () => {
  const ctx = await browser.newContext();
  try {
    const page = await ctx.newPage();
    await page.goto(`${base}/`);
    await page.click('#download');
    const download = await ctx.nextDownload();
    expect(download.url).toBe(`${base}/download`);
    expect(download.suggestedFilename).toBe('Room one été.ogg');
    expect(download.bytes.equals(audio.bytes)).toBe(true);
    expect(download.path.startsWith(ctx.downloadDir)).toBe(true);
  } finally {
    await ctx.close();
  }
});

test('nothing leaves the machine: a request to another host fails at the dead loopback proxy', async () => {
  const ctx = await browser.newContext();
  try {
    const page = await ctx.newPage();
    // A reserved name (.invalid): even without the guard it would go nowhere.
    await expect(page.goto('http://outside.invalid/')).rejects.toThrow(/ERR_PROXY_CONNECTION_FAILED/);
    // Loopback is still reached directly.
    expect((await page.goto(`${base}/whoami`))?.status()).toBe(200);
  } finally {
    await ctx.close();
  }
});

test('each context starts with no cookies', async () => {
  const first = await browser.newContext();
  const second = await browser.newContext();
  try {
    const a = await first.newPage();
    await a.goto(`${base}/set-cookie`);
    await a.goto(`${base}/whoami`);
    expect(await a.$eval('body', (el) => el.textContent)).toBe('session=abc');
    const b = await second.newPage();
    await b.goto(`${base}/whoami`);
    expect(await b.$eval('body', (el) => el.textContent)).toBe('nobody');
  } finally {
    await first.close();
    await second.close();
  }
});
