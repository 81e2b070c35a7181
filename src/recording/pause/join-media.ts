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

/** What the join needs to know of one part, read by ffprobe. */
export interface PartProbe {
  /** What must be equal in every part for a stream copy: each stream's codec and its geometry or sampling. */
  encoding: string;
  video: { width: number; height: number } | null;
  hasAudio: boolean;
  durationSeconds: number;
}

export async function probePart(tools: JoinTools, url: string): Promise<PartProbe> {
  const { stdout } = await run(
    tools.ffprobePath,
    ['-v', 'error', '-protocol_whitelist', PROTOCOLS, '-show_entries', 'format=duration:stream=codec_type,codec_name,profile,width,height,pix_fmt,sample_rate,channels', '-of', 'json', url],
    { timeout: PROBE_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 1024 * 1024 },
  );
  const parsed = JSON.parse(stdout) as { streams?: Record<string, unknown>[]; format?: { duration?: string } };
  const streams = parsed.streams ?? [];
  const video = streams.find((s) => s.codec_type === 'video');
  return {
    encoding: JSON.stringify(streams.map((s) => [s.codec_type, s.codec_name, s.profile, s.width, s.height, s.pix_fmt, s.sample_rate, s.channels])),
    video: video && typeof video.width === 'number' && typeof video.height === 'number' ? { width: video.width, height: video.height } : null,
    hasAudio: streams.some((s) => s.codec_type === 'audio'),
    durationSeconds: Number(parsed.format?.duration ?? 0) || 0,
  };
}

export interface JoinPlan {
  /** Stream copy when every part has the same encoding; re-encoded (to the first part's size) otherwise. */
  copy: boolean;
  args: string[];
}

/**
 * The ffmpeg arguments that join `urls` (in order) into `output`: MP4 with its index at the
 * front (plays while it downloads), or OGG/Opus for audio. Parts alike are joined by the concat
 * demuxer with stream copy. Parts that differ are each decoded by their own input (the concat
 * demuxer would feed every part to the first part's decoder) and joined by the concat filter:
 * each picture scaled and padded to the first part's size, each sound resampled to 48 kHz
 * stereo, a part without sound or picture given silence or black for its length.
 */
export async function planJoin(tools: JoinTools, urls: string[], workDir: string, output: string, audioOnly: boolean): Promise<JoinPlan> {
  const probes = await Promise.all(urls.map((url) => probePart(tools, url)));
  const copy = probes.every((p) => p.encoding === probes[0]!.encoding);
  const container = audioOnly ? ['-f', 'ogg'] : ['-f', 'mp4', '-movflags', '+faststart'];
  const head = ['-nostdin', '-v', 'error', '-y'];
  if (!copy) return { copy, args: [...head, ...reencodeArgs(urls, probes, audioOnly), ...container, output] };
  const list = path.join(workDir, 'parts.txt');
  // The concat demuxer's list: one quoted entry per part (a pre-signed URL has no quote in it).
  await writeFile(list, `ffconcat version 1.0\n${urls.map((u) => `file '${u.replace(/'/g, "'\\''")}'`).join('\n')}\n`, { mode: 0o600 });
  const input = ['-protocol_whitelist', PROTOCOLS, '-f', 'concat', '-safe', '0', '-i', list];
  return { copy, args: [...head, ...input, '-map', '0', '-c', 'copy', ...container, output] };
}

function reencodeArgs(urls: string[], probes: PartProbe[], audioOnly: boolean): string[] {
  const inputs = urls.flatMap((url) => ['-protocol_whitelist', PROTOCOLS, '-i', url]);
  const size = probes.find((p) => p.video)?.video ?? null;
  const withVideo = !audioOnly && size !== null;
  const withAudio = probes.some((p) => p.hasAudio);
  let generated = urls.length;
  const generate = (source: string, seconds: number, stream: 'v' | 'a') => {
    inputs.push('-f', 'lavfi', '-t', seconds.toFixed(3), '-i', source);
    return `[${generated++}:${stream}]`;
  };
  const filters: string[] = [];
  const segments: string[] = [];
  probes.forEach((p, i) => {
    if (withVideo && size) {
      const { width: w, height: h } = size;
      const source = p.video ? `[${i}:v:0]` : generate(`color=c=black:s=${w}x${h}:r=25`, p.durationSeconds, 'v');
      filters.push(`${source}scale=${w}:${h}:force_original_aspect_ratio=decrease,pad=${w}:${h}:-1:-1,setsar=1,format=yuv420p[v${i}]`);
      segments.push(`[v${i}]`);
    }
    if (withAudio) {
      const source = p.hasAudio ? `[${i}:a:0]` : generate('anullsrc=r=48000:cl=stereo', p.durationSeconds, 'a');
      filters.push(`${source}aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo[a${i}]`);
      segments.push(`[a${i}]`);
    }
  });
  filters.push(`${segments.join('')}concat=n=${probes.length}:v=${withVideo ? 1 : 0}:a=${withAudio ? 1 : 0}${withVideo ? '[v]' : ''}${withAudio ? '[a]' : ''}`);
  return [
    ...inputs,
    '-filter_complex', filters.join(';'),
    ...(withVideo ? ['-map', '[v]', '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p'] : []),
    ...(withAudio ? ['-map', '[a]', ...(audioOnly ? ['-c:a', 'libopus', '-b:a', '64k'] : ['-c:a', 'aac', '-b:a', '128k'])] : []),
  ];
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
