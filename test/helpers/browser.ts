import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser, type BrowserContext, type CDPSession, type Page } from 'puppeteer-core';

/**
 * Debian's chromium, driven by puppeteer-core (which downloads no browser). scripts/test.sh
 * installs it and exports TEST_CHROMIUM_BIN.
 */
export const CHROMIUM_BIN = process.env.TEST_CHROMIUM_BIN || '/usr/bin/chromium';

/**
 * Flags: quiet (no first-run, sync, component updates or background requests), QUIC off so
 * every request is plain HTTP that nginx logs, media may play without a user gesture and
 * makes no sound. Tests reach only this machine: every non-loopback request goes to a proxy
 * on a closed loopback port (chromium never proxies localhost and loopback addresses, and
 * leaves name resolution of proxied requests to the proxy), so a page that links outside
 * fails instead of going out.
 * As root chromium refuses to start without --no-sandbox.
 */
const CHROMIUM_ARGS = [
  '--proxy-server=http://127.0.0.1:9',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  '--autoplay-policy=no-user-gesture-required',
  '--mute-audio',
];

/** A finished download. */
export interface BrowserDownload {
  url: string;
  /** The file name the browser chose: from `Content-Disposition`, else the URL. */
  suggestedFilename: string;
  /** Where it was saved (named by the download's guid, in the context's download folder). */
  path: string;
  bytes: Buffer;
}

/** A fresh, incognito-like browser context: its own cookies, storage, cache and downloads. */
export interface TestBrowserContext {
  readonly context: BrowserContext;
  /** Where this context's downloads are saved. */
  readonly downloadDir: string;
  newPage(): Promise<Page>;
  /** The oldest finished download not yet taken, or the next one to finish; rejects after `timeoutMs`. */
  nextDownload(timeoutMs?: number): Promise<BrowserDownload>;
  close(): Promise<void>;
}

/** A headless chromium with its own temporary profile. */
export interface TestBrowser {
  readonly browser: Browser;
  /** A new isolated context (cookies and storage start empty) whose downloads are saved and reported. */
  newContext(): Promise<TestBrowserContext>;
  /** Close the browser and remove its profile and download folders. */
  close(): Promise<void>;
}

/** Launch Debian's chromium headless, with a fresh `--user-data-dir`. */
export async function launchBrowser(): Promise<TestBrowser> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rec-test-browser-'));
  const userDataDir = path.join(root, 'profile');
  const args = [...CHROMIUM_ARGS];
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  let browser: Browser;
  try {
    browser = await puppeteer.launch({
      executablePath: CHROMIUM_BIN,
      headless: true,
      args,
      // Passed as --user-data-dir; puppeteer's own default flags stay.
      userDataDir,
      protocolTimeout: 30_000,
    });
  } catch (err) {
    fs.rmSync(root, { recursive: true, force: true });
    throw err;
  }
  // One browser-level session for the download settings and events of every context.
  const session = await browser.target().createCDPSession();
  const contexts = new Set<TestBrowserContext>();
  let count = 0;

  return {
    browser,
    async newContext() {
      count += 1;
      const downloadDir = path.join(root, `downloads-${count}`);
      fs.mkdirSync(downloadDir);
      const context = await browser.createBrowserContext();
      const tracked = await trackDownloads(session, context, downloadDir);
      const handle: TestBrowserContext = {
        context,
        downloadDir,
        newPage: () => context.newPage(),
        nextDownload: tracked.next,
        async close() {
          contexts.delete(handle);
          tracked.dispose();
          if (!context.closed) await context.close();
        },
      };
      contexts.add(handle);
      return handle;
    },
    async close() {
      for (const c of [...contexts]) await c.close().catch(() => undefined);
      await session.detach().catch(() => undefined);
      await browser.close().catch(() => undefined);
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

interface DownloadWillBegin {
  guid: string;
  url: string;
  suggestedFilename: string;
}
interface DownloadProgress {
  guid: string;
  state: 'inProgress' | 'completed' | 'canceled';
}

/**
 * Save the context's downloads under their guid in `dir` and report them when finished
 * (CDP Browser.setDownloadBehavior with events; puppeteer's own option sends no events).
 * Events of all contexts arrive on the one session: a download is this context's when its
 * file is in this context's folder.
 */
async function trackDownloads(session: CDPSession, context: BrowserContext, dir: string) {
  await session.send('Browser.setDownloadBehavior', {
    behavior: 'allowAndName',
    downloadPath: dir,
    browserContextId: context.id,
    eventsEnabled: true,
  });
  const started = new Map<string, DownloadWillBegin>();
  const finished: BrowserDownload[] = [];
  const waiters: Array<(d: BrowserDownload) => void> = [];
  const deliver = (d: BrowserDownload) => {
    const waiter = waiters.shift();
    if (waiter) waiter(d);
    else finished.push(d);
  };
  const onBegin = (e: DownloadWillBegin) => started.set(e.guid, e);
  const onProgress = (e: DownloadProgress) => {
    const begun = started.get(e.guid);
    if (!begun || e.state === 'inProgress') return;
    // A canceled download cannot be told apart from another context's: nextDownload() times out.
    if (e.state === 'canceled') return void started.delete(e.guid);
    const file = path.join(dir, e.guid);
    if (!fs.existsSync(file)) return; // another context's download
    started.delete(e.guid);
    deliver({ url: begun.url, suggestedFilename: begun.suggestedFilename, path: file, bytes: fs.readFileSync(file) });
  };
  session.on('Browser.downloadWillBegin', onBegin);
  session.on('Browser.downloadProgress', onProgress);

  return {
    next(timeoutMs = 15_000): Promise<BrowserDownload> {
      const ready = finished.shift();
      if (ready) return Promise.resolve(ready);
      return new Promise<BrowserDownload>((resolve, reject) => {
        const waiter = (d: BrowserDownload) => {
          clearTimeout(timer);
          resolve(d);
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`no download finished within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    dispose() {
      session.off('Browser.downloadWillBegin', onBegin);
      session.off('Browser.downloadProgress', onProgress);
    },
  };
}

/** An accessibility rule that a page breaks, as axe-core reports it. */
export interface AxeViolation {
  id: string;
  impact: 'serious' | 'critical';
  help: string;
  helpUrl: string;
  /** CSS selectors of the offending elements. */
  targets: string[];
}

let axeSource: string | undefined;

/**
 * Run axe-core in the page and return its serious and critical violations (minor and
 * moderate ones are left out). axe's source is evaluated through the DevTools protocol, so
 * it works under the strictest Content-Security-Policy.
 */
export async function seriousAxeViolations(page: Page, options: { disableRules?: string[] } = {}): Promise<AxeViolation[]> {
  axeSource ??= fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  const loaded = await page.evaluate(() => typeof (globalThis as { axe?: unknown }).axe !== 'undefined');
  if (!loaded) await page.evaluate(axeSource);
  const rules = Object.fromEntries((options.disableRules ?? []).map((id) => [id, { enabled: false }]));
  const violations = await page.evaluate(async (ruleSettings) => {
    type Result = { id: string; impact?: string | null; help: string; helpUrl: string; nodes: Array<{ target: unknown[] }> };
    const axe = (globalThis as unknown as { axe: { run(options: object): Promise<{ violations: Result[] }> } }).axe;
    const results = await axe.run({ rules: ruleSettings, resultTypes: ['violations'] });
    return results.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? '',
      help: v.help,
      helpUrl: v.helpUrl,
      targets: v.nodes.map((n) => n.target.map(String).join(' ')),
    }));
  }, rules);
  return violations.filter((v): v is AxeViolation => v.impact === 'serious' || v.impact === 'critical');
}
