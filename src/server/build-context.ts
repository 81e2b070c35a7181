import type { DataSource } from 'typeorm';
import { TokenVerifier } from '../auth/token-verifier';
import type { AppConfig } from '../config/config';
import { Metrics } from '../metrics/metrics';
import { RecordingMediator } from '../recording/mediator';
import { RecordingService, type ObjectRemover } from '../recording/recording-service';
import { RecordingStore } from '../recording/recording-store';
import { WORKER_FACTORIES } from '../recording/workers/factories';
import { createWorkerRegistry, type WorkerFactory } from '../recording/workers/registry';
import type { AppContext } from './context';

export interface ContextOptions {
  /** The JWT secret used when no auth is configured (development mode). */
  devSecret?: string;
  workerFactories?: WorkerFactory[];
  objectRemover?: ObjectRemover;
  metrics?: Metrics;
}

/** Composition root: builds every service from the configuration and the database. */
export function buildContext(config: AppConfig, dataSource: DataSource, options: ContextOptions = {}): AppContext {
  const verifier = new TokenVerifier({
    secret: config.auth.secret ?? options.devSecret,
    publicKey: config.auth.publicKey,
    issuer: config.auth.issuer,
    audience: config.auth.audience,
  });
  const metrics = options.metrics ?? new Metrics();
  const store = new RecordingStore(dataSource);
  const registry = createWorkerRegistry(config, options.workerFactories ?? WORKER_FACTORIES);
  const mediator = new RecordingMediator(store, registry, config.recording.outputFolder, {
    onWorkerCall: (kind, op, outcome, seconds) =>
      metrics.workerCallDuration.observe({ worker_kind: kind, operation: op, outcome }, seconds),
  });
  const recordings = new RecordingService(store, mediator, registry, options.objectRemover);
  return { config, dataSource, verifier, metrics, store, registry, mediator, recordings };
}
