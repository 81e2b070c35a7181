import {
  AudioCodec,
  DirectFileOutput,
  EncodedFileOutput,
  EncodedFileType,
  EncodingOptions,
  S3Upload,
  VideoCodec,
} from 'livekit-server-sdk';
import type { AppConfig } from '../../../config/config';

export type LivekitKind = 'livekit-video' | 'livekit-audio';

/**
 * The layouts of LiveKit's built-in room-composite template (egress's template-default):
 * `grid`, `speaker` and `single-speaker`, dark unless `-light` (white background); `-dark`
 * names the default explicitly.
 */
export const LIVEKIT_LAYOUTS = ['grid', 'speaker', 'single-speaker'].flatMap((l) => [l, `${l}-light`, `${l}-dark`]) as [string, ...string[]];

/** The layout when a start names none. */
export const EGRESS_LAYOUT = 'speaker-light';

type Storage = NonNullable<AppConfig['storage']>;
type Encoding = NonNullable<AppConfig['workers']['encoding']>;

/** Our bucket, as LiveKit Egress uploads to it. */
function s3Upload(storage: Storage): S3Upload {
  return new S3Upload({
    accessKey: storage.accessKeyId,
    secret: storage.secretAccessKey,
    region: storage.region,
    bucket: storage.bucket,
    endpoint: storage.endpointUrl,
    // MinIO serves buckets as path segments, not as virtual-host names.
    forcePathStyle: true,
  });
}

/** The file LiveKit Egress writes and uploads to our bucket under exactly objectKey. */
export function fileOutput(kind: LivekitKind, objectKey: string, storage: Storage): EncodedFileOutput {
  return new EncodedFileOutput({
    fileType: kind === 'livekit-audio' ? EncodedFileType.OGG : EncodedFileType.MP4,
    filepath: objectKey,
    output: { case: 's3', value: s3Upload(storage) },
  });
}

/**
 * A Track Egress's file: the track as published, without transcoding, uploaded with the same
 * settings as the composite. An Opus track is written as OGG, which the `.ogg` key names already
 * (LiveKit keeps a filepath whose extension fits the codec as it is).
 */
export function trackFileOutput(objectKey: string, storage: Storage): DirectFileOutput {
  return new DirectFileOutput({ filepath: objectKey, output: { case: 's3', value: s3Upload(storage) } });
}

/**
 * Advanced encoding when the operator configured it; undefined leaves LiveKit's default preset.
 * Bitrates are in kbps and the key frame interval in seconds, as LiveKit expects them.
 * Audio-only goes into OGG, which carries Opus and not AAC, so that kind gets audio settings only.
 */
export function encodingOptions(kind: LivekitKind, encoding: Encoding | undefined): EncodingOptions | undefined {
  if (!encoding) return undefined;
  if (kind === 'livekit-audio') {
    return new EncodingOptions({
      audioCodec: AudioCodec.OPUS,
      audioBitrate: encoding.audioBitrateKbps,
      audioFrequency: 48000,
    });
  }
  return new EncodingOptions({
    width: encoding.width,
    height: encoding.height,
    framerate: encoding.framerate,
    videoCodec: VideoCodec.H264_MAIN,
    videoBitrate: encoding.videoBitrateKbps,
    keyFrameInterval: encoding.keyFrameIntervalS,
    audioCodec: AudioCodec.AAC,
    audioBitrate: encoding.audioBitrateKbps,
    audioFrequency: 48000,
  });
}
