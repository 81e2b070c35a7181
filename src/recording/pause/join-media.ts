import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** ffmpeg reads the parts over HTTP(S) from pre-signed URLs, and the list from a local file. */
const PROTOCOLS = 'file,http,https,tcp,tls,crypto';
const PROBE_TIMEOUT_MS = 30_000;

export interface JoinTools {
  ffmpegPath: string;
  ffprobePath: string;
}

/** What must be equal in every part for a stream copy: each stream's codec and its geometry or sampling. */
export async function encodingOf(tools: JoinTools, url: string): Promise<string> {
  const { stdout } = await run(
    tools.ffprobePath,
    ['-v', 'error', '-protocol_whitelist', PROTOCOLS, '-show_entries', 'stream=codec_type,codec_name,profile,width,height,pix_fmt,sample_rate,channels', '-of', 'json', url],
    { timeout: PROBE_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 1024 * 1024 },
  );
  const streams = (JSON.parse(stdout) as { streams?: Record<string, unknown>[] }).streams ?? [];
  return JSON.stringify(streams.map((s) => [s.codec_type, s.codec_name, s.profile, s.width, s.height, s.pix_fmt, s.sample_rate, s.channels]));
}

/** The first part's picture size, for a re-encode of parts that differ. */
function sizeOf(encoding: string): { width: number; height: number } | null {
  const video = (JSON.parse(encoding) as unknown[][]).find((s) => s[0] === 'video');
  return video && typeof video[3] === 'number' && typeof video[4] === 'number' ? { width: video[3], height: video[4] } : null;
}

export interface JoinPlan {
  /** Stream copy when every part has the same encoding; re-encoded (to the first part's size) otherwise. */
  copy: boolean;
  args: string[];
}

/**
 * The ffmpeg arguments that join `urls` (in order) with the concat demuxer into `output`: MP4
 * with its index at the front (plays while it downloads), or OGG/Opus for audio.
 */
export async function planJoin(tools: JoinTools, urls: string[], workDir: string, output: string, audioOnly: boolean): Promise<JoinPlan> {
  const encodings = await Promise.all(urls.map((url) => encodingOf(tools, url)));
  const copy = encodings.every((e) => e === encodings[0]);
  const list = path.join(workDir, 'parts.txt');
  // The concat demuxer's list: one quoted entry per part (a pre-signed URL has no quote in it).
  await writeFile(list, `ffconcat version 1.0\n${urls.map((u) => `file '${u.replace(/'/g, "'\\''")}'`).join('\n')}\n`, { mode: 0o600 });
  const input = ['-nostdin', '-v', 'error', '-y', '-protocol_whitelist', PROTOCOLS, '-f', 'concat', '-safe', '0', '-i', list];
  let codecs: string[];
  if (copy) codecs = ['-c', 'copy'];
  else if (audioOnly) codecs = ['-c:a', 'libopus', '-b:a', '64k'];
  else {
    const size = sizeOf(encodings[0]!);
    codecs = [
      ...(size ? ['-vf', `scale=${size.width}:${size.height}:force_original_aspect_ratio=decrease,pad=${size.width}:${size.height}:-1:-1,setsar=1`] : []),
      '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '128k',
    ];
  }
  const container = audioOnly ? ['-f', 'ogg'] : ['-f', 'mp4', '-movflags', '+faststart'];
  return { copy, args: [...input, '-map', '0', ...codecs, ...container, output] };
}

/** Runs ffmpeg to the end (killed after `timeoutMs`); rejects with its last words on failure. */
export async function runFfmpeg(tools: JoinTools, args: string[], timeoutMs: number): Promise<void> {
  try {
    await run(tools.ffmpegPath, args, { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 1024 * 1024 });
  } catch (err) {
    const stderr = String((err as { stderr?: string }).stderr ?? '').trim().slice(-400);
    throw new Error(`ffmpeg failed${stderr ? `: ${stderr}` : ''}`);
  }
}
