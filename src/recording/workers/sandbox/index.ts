import type { WorkerFactory } from '../registry';
import { SandboxJobs, SandboxWorker } from './sandbox-worker';

export { SandboxWorker, SANDBOX_PARTICIPANTS } from './sandbox-worker';

/**
 * For the worker registry: both sandbox kinds whenever the storage is configured (they need
 * nothing else), sharing one set of jobs and one ffmpeg probe, made only when a mode uses them.
 */
export const sandboxWorkerFactory: WorkerFactory = (config) => {
  const used = Object.values(config.workers.modes).some((kind) => kind === 'sandbox' || kind === 'sandbox-audio');
  if (!config.storage || !used) return {};
  const jobs = new SandboxJobs(config, config.storage);
  return { sandbox: new SandboxWorker('sandbox', jobs), 'sandbox-audio': new SandboxWorker('sandbox-audio', jobs) };
};
