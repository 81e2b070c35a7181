import type { WorkerFactory } from '../registry';
import { JibriWorker } from './jibri-worker';

export { JibriWorker } from './jibri-worker';
export { JibriPool, type PoolInstanceView } from './jibri-pool';
export { parseJibriStatusEvent, type JibriStatusEvent, type JibriStatusReport } from './jibri-api';
export { JibriPoolStore } from './pool-store';
export { formatWorkerId, parseWorkerId } from './worker-id';

/**
 * For the worker registry: the jibri kind when JIBRI_URLS and JITSI_BASE_URL are set; otherwise
 * the registry's stand-in answers not_configured. The status webhook reaches it through the
 * mediator and the worker's `statusReports` capability.
 */
export const jibriWorkerFactory: WorkerFactory = (config, deps) =>
  config.jibri.urls.length > 0 && config.jibri.jitsiBaseUrl ? { jibri: new JibriWorker(config, deps.jibriPool, deps.uploadCapabilities) } : {};
