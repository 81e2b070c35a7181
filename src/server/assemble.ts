import type { DataSource } from 'typeorm';
import type { AppParts } from '../api/app';
import type { AppConfig } from '../config/config';
import type { BackgroundJob } from './background-job';
import { buildContext, type ContextOptions } from './build-context';
import type { AppContext } from './context';

export interface Assembled {
  ctx: AppContext;
  app: AppParts;
  jobs: BackgroundJob[];
  onStart?: () => Promise<void>;
  onStop?: () => Promise<void>;
}

/** Wires the context, the extra routers and the background jobs of each concern. */
export function assembleParts(config: AppConfig, dataSource: DataSource, options: ContextOptions = {}): Assembled {
  const ctx = buildContext(config, dataSource, options);
  return { ctx, app: { rawRouters: [], routers: [], readinessChecks: [] }, jobs: [] };
}
