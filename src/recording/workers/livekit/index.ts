import type { AppConfig } from '../../../config/config';
import type { WorkerFactory } from '../registry';
import type { WorkerService } from '../worker-service';
import { LivekitEgressWorker } from './livekit-egress-worker';

export { LivekitEgressWorker } from './livekit-egress-worker';
export type { LivekitKind } from './egress-request';

/**
 * Both LiveKit worker kinds, always built: without LiveKit or storage settings each call
 * throws WorkerError('not_configured') naming what is missing.
 */
export function createLivekitWorkers(config: AppConfig): { video: WorkerService; audio: WorkerService } {
  return {
    video: new LivekitEgressWorker(config, 'livekit-video'),
    audio: new LivekitEgressWorker(config, 'livekit-audio'),
  };
}

/** For the worker registry: the LiveKit kinds, only when LiveKit and storage are both configured. */
export const livekitWorkerFactory = ((config: AppConfig) => {
  if (!config.livekit || !config.storage) return {};
  const { video, audio } = createLivekitWorkers(config);
  return { 'livekit-video': video, 'livekit-audio': audio };
}) satisfies WorkerFactory;
