import type { DataSource } from 'typeorm';
import type { TokenVerifier } from '../auth/token-verifier';
import type { AppConfig } from '../config/config';
import type { Metrics } from '../metrics/metrics';
import type { RecordingMediator } from '../recording/mediator';
import type { RecordingService } from '../recording/recording-service';
import type { RecordingStore } from '../recording/recording-store';
import type { WorkerRegistry } from '../recording/workers/registry';

/** Everything the HTTP layer and the background jobs share, built once in src/server/build-context.ts. */
export interface AppContext {
  config: AppConfig;
  dataSource: DataSource;
  verifier: TokenVerifier;
  metrics: Metrics;
  store: RecordingStore;
  registry: WorkerRegistry;
  mediator: RecordingMediator;
  recordings: RecordingService;
}
