import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** How silence is told from speech (ffmpeg's silencedetect). */
export interface SpeechDetectionSettings {
  ffmpegPath: string;
  /** Quieter than this (dBFS) is silence. */
  noiseDb: number;
  /** A silence shorter than this does not split speech. */
  minSilenceSeconds: number;
  /** The whole run's bound: ffmpeg is killed past it. */
  timeoutMs: number;
}

/** Seconds, from the start of the track: where it is silent, and how long it lasts. */
export interface SilenceReport {
  silences: [number, number | null][];
  durationSeconds: number;
}

const SILENCE_START = /silence_start: (-?[\d.]+)/;
const SILENCE_END = /silence_end: (-?[\d.]+)/;
const OUT_TIME = /^out_time_us=(\d+)$/m;

/**
 * Streams one audio track through ffmpeg's silencedetect (a child process reading the stream
 * on its standard input: the track is never held whole here) and reads back the silences it
 * reports and the length it decoded.
 */
export async function detectSilences(audio: Readable, settings: SpeechDetectionSettings): Promise<SilenceReport> {
  const child = spawn(
    settings.ffmpegPath,
    ['-hide_banner', '-nostats', '-nostdin', '-i', 'pipe:0', '-vn', '-af', `silencedetect=noise=${settings.noiseDb}dB:d=${settings.minSilenceSeconds}`, '-f', 'null', '-', '-progress', 'pipe:1'],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const silences: [number, number | null][] = [];
  let duration = 0;
  let errTail = '';
  let pending = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const start = SILENCE_START.exec(line);
      if (start) silences.push([Math.max(0, Number(start[1])), null]);
      const end = SILENCE_END.exec(line);
      if (end && silences.length > 0) silences[silences.length - 1]![1] = Number(end[1]);
      if (!start && !end && line.trim()) errTail = line.slice(0, 300);
    }
  });
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    for (const m of chunk.matchAll(new RegExp(OUT_TIME, 'gm'))) duration = Math.max(duration, Number(m[1]) / 1e6);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), settings.timeoutMs);
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
  try {
    // ffmpeg may stop reading before the end (a broken file): that is its answer, not ours.
    await pipeline(audio, child.stdin).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_PREMATURE_CLOSE') throw err;
    });
    const code = await exited;
    if (code !== 0) throw new Error(`ffmpeg exited with ${code ?? 'a signal'}: ${errTail}`);
  } finally {
    clearTimeout(timer);
  }
  return { silences, durationSeconds: duration };
}

/**
 * Speech is what lies between the silences, shifted by `offsetSeconds` (when the track began
 * on the composite's time line). Stretches shorter than `minSpeechSeconds` are dropped (a click).
 */
export function speakingSegments(report: SilenceReport, offsetSeconds: number, minSpeechSeconds = 0.1): [number, number][] {
  const out: [number, number][] = [];
  let cursor = 0;
  const push = (from: number, to: number) => {
    if (to - from >= minSpeechSeconds) out.push([round(from + offsetSeconds), round(to + offsetSeconds)]);
  };
  for (const [start, end] of report.silences) {
    push(cursor, start);
    cursor = end ?? Number.POSITIVE_INFINITY;
  }
  if (Number.isFinite(cursor)) push(cursor, report.durationSeconds);
  return out;
}

const round = (n: number) => Math.round(n * 100) / 100;
