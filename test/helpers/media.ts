import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Debian's ffmpeg and ffprobe (scripts/test.sh installs them and exports the paths). */
export const FFMPEG = process.env.TEST_FFMPEG_BIN || 'ffmpeg';
const FFPROBE = process.env.TEST_FFPROBE_BIN || 'ffprobe';

/** The service's join settings pointing at the same ffmpeg and ffprobe. */
export const JOIN_ENV = { RECORDING_JOIN_FFMPEG_PATH: FFMPEG, RECORDING_JOIN_FFPROBE_PATH: FFPROBE };

/** A media file made by ffmpeg for a test, with its bytes for byte-identity checks. */
export interface TestMediaFile {
  path: string;
  /** `video/mp4` or `audio/ogg`. */
  contentType: string;
  /** Duration ffmpeg was asked for, in seconds (ffprobe reports it within a frame or two). */
  durationSeconds: number;
  bytes: Buffer;
}

/** What ffprobe says about a file. */
export interface MediaProbe {
  durationSeconds: number;
  streams: Array<{ codecType: string; codecName: string; width?: number; height?: number }>;
}

/**
 * Generated media, kept in one temp folder across test files and runs: each file is named by a
 * hash of its ffmpeg arguments, so it is made once (a few hundred KB in all). Jest does not run
 * `exit` handlers registered by a test, so a per-process folder would be left behind anyway.
 */
const dir = path.join(os.tmpdir(), 'rec-test-media');
/** Per test file (jest gives each file its own module registry): the files already read. */
const made = new Map<string, Promise<TestMediaFile>>();

function once(name: string, contentType: string, durationSeconds: number, args: string[]): Promise<TestMediaFile> {
  let pending = made.get(name);
  if (!pending) {
    pending = (async () => {
      fs.mkdirSync(dir, { recursive: true });
      const key = createHash('sha256').update(JSON.stringify(args)).digest('hex').slice(0, 16);
      const file = path.join(dir, `${path.parse(name).name}-${key}${path.extname(name)}`);
      if (!fs.existsSync(file)) {
        // Written under a name of its own and renamed, so a file that exists is always complete
        // even when two jest workers make it at once.
        const partial = path.join(dir, `partial-${process.pid}-${path.basename(file)}`);
        await run(FFMPEG, ['-nostdin', '-v', 'error', '-y', ...args, partial], { timeout: 60_000 });
        fs.renameSync(partial, file);
      }
      return { path: file, contentType, durationSeconds, bytes: fs.readFileSync(file) };
    })();
    made.set(name, pending);
    pending.catch(() => made.delete(name));
  }
  return pending;
}

/**
 * A 6 s, 320x240 MP4 (H.264 yuv420p + AAC, a key frame every second, `+faststart`), which
 * Chromium plays and seeks through Range requests. A test pattern with a 440 Hz tone.
 */
export function testVideoMp4(): Promise<TestMediaFile> {
  const seconds = 6;
  return once('video.mp4', 'video/mp4', seconds, [
    '-f', 'lavfi', '-i', `testsrc2=size=320x240:rate=25:duration=${seconds}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`,
    '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-g', '25',
    '-c:a', 'aac', '-b:a', '64k', '-shortest', '-movflags', '+faststart',
  ]);
}

/**
 * A 60 s, 320x240 MP4 at a constant ~1.5 Mbit/s (about 11 MB, 5 frames per second, a key frame
 * every second, `+faststart`): big enough that a player which has only read its start must ask
 * for more when it seeks near the end.
 */
export function testLongVideoMp4(): Promise<TestMediaFile> {
  const seconds = 60;
  return once('long-video.mp4', 'video/mp4', seconds, [
    '-f', 'lavfi', '-i', `testsrc2=size=320x240:rate=5:duration=${seconds}`,
    '-f', 'lavfi', '-i', `sine=frequency=330:sample_rate=48000:duration=${seconds}`,
    '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-g', '5',
    '-b:v', '1500k', '-minrate', '1500k', '-maxrate', '1500k', '-bufsize', '1500k', '-x264-params', 'nal-hrd=cbr',
    '-c:a', 'aac', '-b:a', '64k', '-shortest', '-movflags', '+faststart',
  ]);
}

/** A 4 s OGG/Opus sine tone (an audio-only recording, like a Jibri or egress audio track). */
export function testAudioOgg(): Promise<TestMediaFile> {
  const seconds = 4;
  return once('audio.ogg', 'audio/ogg', seconds, [
    '-f', 'lavfi', '-i', `sine=frequency=660:sample_rate=48000:duration=${seconds}`,
    '-c:a', 'libopus', '-b:a', '48k',
  ]);
}

/** Duration and streams of a media file, from ffprobe. */
export async function probeMedia(file: string): Promise<MediaProbe> {
  const { stdout } = await run(
    FFPROBE,
    ['-v', 'error', '-show_entries', 'format=duration:stream=codec_type,codec_name,width,height', '-of', 'json', file],
    { timeout: 30_000 },
  );
  const parsed = JSON.parse(stdout) as {
    format: { duration: string };
    streams: Array<{ codec_type: string; codec_name: string; width?: number; height?: number }>;
  };
  return {
    durationSeconds: Number(parsed.format.duration),
    streams: parsed.streams.map((s) => ({
      codecType: s.codec_type,
      codecName: s.codec_name,
      ...(s.width !== undefined ? { width: s.width, height: s.height } : {}),
    })),
  };
}

/**
 * A stretch of a paused recording as an egress writes it: `seconds` long, 320x240 H.264 + AAC
 * (or OGG/Opus with `audio`), every length with the same preset so the parts join by stream copy.
 */
export function testPart(seconds: number, kind: 'mp4' | 'ogg' = 'mp4', size = '320x240'): Promise<TestMediaFile> {
  if (kind === 'ogg') {
    return once(`part-${seconds}.ogg`, 'audio/ogg', seconds, [
      '-f', 'lavfi', '-i', `sine=frequency=550:sample_rate=48000:duration=${seconds}`, '-c:a', 'libopus', '-b:a', '48k',
    ]);
  }
  return once(`part-${seconds}-${size}.mp4`, 'video/mp4', seconds, [
    '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=25:duration=${seconds}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`,
    '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-g', '25',
    '-c:a', 'aac', '-b:a', '64k', '-shortest', '-movflags', '+faststart',
  ]);
}
