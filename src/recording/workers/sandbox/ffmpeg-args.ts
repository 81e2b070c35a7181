/**
 * The ffmpeg command lines of the sandbox worker. Every source is a lavfi generator read at its
 * own pace (`-re`), so the file grows in real time and lasts as long as the recording ran.
 */

/** What the sandbox records: the composite's picture and tone, its tone alone, or one pretend participant. */
export type SandboxMedia = { type: 'video' } | { type: 'audio' } | { type: 'voice'; voice: PretendVoice };

/** A pretend participant's microphone: a tone heard from `talksFromS` to `talksToS` of every 4 s, silence otherwise. */
export interface PretendVoice {
  frequency: number;
  talksFromS: number;
  talksToS: number;
}

/** How the picture gets its text: drawtext with a font file, drawtext with fontconfig's default, or no text. */
export type TextSupport = { fontFile: string | null } | null;

export interface FfmpegJob {
  media: SandboxMedia;
  /** The file written, `.mp4` for video, `.ogg` otherwise. */
  outputPath: string;
  /** Holds the room name for drawtext (read as a file, so no name needs escaping). */
  roomTextPath: string;
  /** ffmpeg stops by itself after this many seconds (the recording's time limit). */
  limitSeconds: number;
  text: TextSupport;
}

const WIDTH = 640;
const HEIGHT = 360;
const FRAME_RATE = 25;
/** The composite's tone; the pretend participants have tones of their own. */
const TONE_HZ = 440;
/** The pretend participants' talk-and-silence pattern repeats every this many seconds. */
export const VOICE_CYCLE_SECONDS = 4;

/** Arguments common to every job: quiet, progress on stdout (the sign it is running), `q` on stdin stops it. */
function prelude(): string[] {
  return ['-hide_banner', '-loglevel', 'error', '-nostats', '-progress', 'pipe:1', '-stats_period', '0.5'];
}

function tone(frequency: number): string {
  return `sine=frequency=${frequency}:sample_rate=48000`;
}

/** A participant's voice: its tone while it talks, silence otherwise (commas escaped for the filter graph). */
function voice({ frequency, talksFromS, talksToS }: PretendVoice): string {
  const phase = `mod(t\\,${VOICE_CYCLE_SECONDS})`;
  return `${tone(frequency)},volume=volume=between(${phase}\\,${talksFromS}\\,${talksToS}):eval=frame`;
}

/**
 * A path ffmpeg's filter syntax reads as it is (no quotes, colons, commas or brackets to escape
 * on two levels): the font and the room-name file must have one, or the picture gets no text.
 */
export function isPlainPath(path: string): boolean {
  return /^[A-Za-z0-9._/-]+$/.test(path);
}

/** The room name and a running clock over the test picture (kept clear of testsrc2's own counter). */
export function drawtextFilter(text: NonNullable<TextSupport>, roomTextPath: string): string {
  const font = text.fontFile ? `fontfile=${text.fontFile}:` : '';
  const style = 'fontsize=28:fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=8:x=(w-text_w)/2';
  const room = `drawtext=${font}textfile=${roomTextPath}:expansion=none:${style}:y=h-110`;
  const clock = `drawtext=${font}text=%{pts\\\\:hms}:${style}:y=h-60`;
  return `${room},${clock}`;
}

export function ffmpegArgs(job: FfmpegJob): string[] {
  const limit = ['-t', String(job.limitSeconds)];
  const output = ['-y', job.outputPath];
  const { media } = job;
  if (media.type === 'video') {
    return [
      ...prelude(),
      '-re', '-f', 'lavfi', '-i', `testsrc2=size=${WIDTH}x${HEIGHT}:rate=${FRAME_RATE}`,
      '-re', '-f', 'lavfi', '-i', tone(TONE_HZ),
      ...(job.text && isPlainPath(job.roomTextPath) ? ['-vf', drawtextFilter(job.text, job.roomTextPath)] : []),
      ...limit,
      // About 450 kbit/s (200 MB an hour) for a tenth of a core.
      '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '30', '-pix_fmt', 'yuv420p', '-g', String(2 * FRAME_RATE),
      '-c:a', 'aac', '-b:a', '96k',
      // The index at the front once ffmpeg is told to quit: a complete, seekable file.
      '-movflags', '+faststart',
      ...output,
    ];
  }
  const source = media.type === 'voice' ? voice(media.voice) : tone(TONE_HZ);
  return [...prelude(), '-re', '-f', 'lavfi', '-i', source, ...limit, '-c:a', 'libopus', '-b:a', '48k', ...output];
}

/** A one-frame render that tells whether this ffmpeg can draw text (drawtext built in, a font found). */
export function drawtextProbeArgs(text: NonNullable<TextSupport>, roomTextPath: string): string[] {
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    '-f', 'lavfi', '-i', `color=size=${WIDTH}x${HEIGHT}:rate=1`,
    '-vf', drawtextFilter(text, roomTextPath),
    '-frames:v', '1', '-f', 'null', '-',
  ];
}
