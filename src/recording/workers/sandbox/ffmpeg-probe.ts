import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { drawtextProbeArgs, isPlainPath, type TextSupport } from './ffmpeg-args';

/**
 * What the sandbox can do with the ffmpeg it was given: nothing (the bundled clip), or record
 * with or without text. `command` runs ffmpeg: through util-linux's `setpriv --pdeathsig` where
 * it exists, so an ffmpeg whose service was killed outright (no shutdown) dies with it.
 */
export type FfmpegSupport = { available: false; reason: string } | { available: true; text: TextSupport; command: [string, ...string[]] };

const PROBE_TIMEOUT_MS = 10_000;

/** Fonts drawtext is tried with first (Debian's, Alpine's, Fedora's DejaVu Sans); then fontconfig's default. */
const FONT_FILES = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/ttf-dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf',
];

function run(ffmpegPath: string, args: string[]): Promise<{ ok: true } | { ok: false; missing: boolean; message: string }> {
  return new Promise((resolve) => {
    execFile(ffmpegPath, args, { timeout: PROBE_TIMEOUT_MS, windowsHide: true }, (err, _stdout, stderr) => {
      if (!err) return resolve({ ok: true });
      const code = (err as NodeJS.ErrnoException).code;
      const missing = code === 'ENOENT' || code === 'EACCES' || code === 'ENOTDIR';
      resolve({ ok: false, missing, message: missing ? `${ffmpegPath} cannot be run (${code})` : String(stderr).trim().slice(-300) || err.message });
    });
  });
}

/**
 * Runs `ffmpeg -version` (plain, then under setpriv), then one-frame renders with drawtext (a
 * font file, then fontconfig's default font): a missing ffmpeg means the clip, a missing
 * drawtext or font means no text.
 */
export async function probeFfmpeg(ffmpegPath: string): Promise<FfmpegSupport> {
  const version = await run(ffmpegPath, ['-hide_banner', '-nostdin', '-version']);
  if (!version.ok) return { available: false, reason: version.message };
  const withParent: [string, ...string[]] = ['setpriv', '--pdeathsig', 'KILL', '--', ffmpegPath];
  const command = (await run(withParent[0], [...withParent.slice(1), '-hide_banner', '-nostdin', '-version'])).ok ? withParent : ([ffmpegPath] as [string]);
  return { available: true, command, text: await probeText(ffmpegPath) };
}

/** Whether drawtext works, with a font file or with fontconfig's default (null: no text). */
async function probeText(ffmpegPath: string): Promise<TextSupport> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sandbox-probe-'));
  try {
    const roomTextPath = path.join(dir, 'room.txt');
    await writeFile(roomTextPath, 'probe');
    if (!isPlainPath(roomTextPath)) return null;
    const fontFile = FONT_FILES.find((file) => existsSync(file));
    const candidates: NonNullable<TextSupport>[] = [...(fontFile ? [{ fontFile }] : []), { fontFile: null }];
    for (const text of candidates) {
      if ((await run(ffmpegPath, drawtextProbeArgs(text, roomTextPath))).ok) return text;
    }
    return null;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
