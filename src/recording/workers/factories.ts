import { jibriWorkerFactory } from './jibri';
import { livekitWorkerFactory } from './livekit';
import { sandboxWorkerFactory } from './sandbox';
import type { WorkerFactory } from './registry';

/** The worker kinds this build knows; each factory returns workers only for kinds that are configured. */
export const WORKER_FACTORIES: WorkerFactory[] = [livekitWorkerFactory, jibriWorkerFactory, sandboxWorkerFactory];
