import { conditionHolds, type Trigger } from './policy';

/** A room's activity row as it was when the change began (its row is locked). */
export interface ActivityBefore {
  participants: number;
  /** How long the room has been empty (ms), null when it is not empty or never was occupied. */
  emptyForMs: number | null;
  vacancies: number;
  autoEpoch: number;
  autoDone: boolean;
}

/** What follows from a change of the participant count: the row's new bookkeeping and the jobs to queue. */
export interface Settled {
  participants: number;
  emptySince: 'now' | 'clear' | 'keep';
  vacancies: number;
  autoEpoch: number;
  autoDone: boolean;
  /** Queue an automatic start (key: room + autoEpoch). */
  start: boolean;
  /** Queue the automatic stop of this vacancy (key: room + vacancies), due when the grace is over. */
  stop: boolean;
}

/**
 * The rules of automatic recording, applied under the room's lock after every change:
 * - the room empties: a new vacancy; its stop is queued when a policy exists or the policy's
 *   recording may still run (the job looks again when it is due);
 * - the room fills after having been empty for the whole grace: the previous fill is over, so a
 *   recording that was stopped by hand during it may start again (`autoDone` cleared);
 * - the trigger's condition becomes true and no recording was started (or found) for this fill
 *   yet: a start is queued, under a new epoch so that it gets a fresh idempotency key.
 */
export function settle(before: ActivityBefore, participants: number, trigger: Trigger | undefined, graceMs: number): Settled {
  let { vacancies, autoEpoch, autoDone } = before;
  let emptySince: Settled['emptySince'] = 'keep';
  let stop = false;
  let start = false;
  if (participants === 0 && before.participants > 0) {
    emptySince = 'now';
    vacancies += 1;
    stop = trigger !== undefined || autoDone;
  } else if (participants > 0) {
    emptySince = 'clear';
    if (before.participants === 0 && before.emptyForMs !== null && before.emptyForMs >= graceMs) autoDone = false;
  }
  if (!autoDone && !conditionHolds(trigger, before.participants) && conditionHolds(trigger, participants)) {
    autoEpoch += 1;
    start = true;
  }
  return { participants, emptySince, vacancies, autoEpoch, autoDone, start, stop };
}
