import { concern } from './concern';
import { envInt, envString, issue } from './env-parsers';

/** Starts that wait for a free recorder, and what operators see of the recorders. */
export const capacityConcern = concern(
  {
    RECORDING_START_QUEUE_SECONDS: envInt({ min: 0, max: 7 * 24 * 3600 }),
    JIBRI_HEALTH_INTERVAL_SECONDS: envInt({ min: 0, max: 3600 }),
    OPERATOR_TOKEN: envString(),
  },
  (env, ctx) => {
    const operatorToken = env.OPERATOR_TOKEN;
    if (operatorToken !== undefined && operatorToken.length < 16) issue(ctx, 'OPERATOR_TOKEN', 'must be at least 16 characters');
    return {
      /** How long a start may wait for a free recorder; 0: no queue (a start without one fails, 502). */
      startQueueMs: (env.RECORDING_START_QUEUE_SECONDS ?? 0) * 1000,
      /** How often every Jibri's health is asked for (the shared pool's view); 0: never. */
      jibriHealthIntervalMs: (env.JIBRI_HEALTH_INTERVAL_SECONDS ?? 10) * 1000,
      /** Bearer token of the recorders API; unset: the API does not exist. */
      operatorToken,
    };
  },
);
