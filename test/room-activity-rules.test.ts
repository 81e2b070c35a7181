import { settle, type ActivityBefore } from '../src/rooms/activity-rules';

/** The pure rules of automatic recording (src/rooms/activity-rules.ts). */

const GRACE = 60_000;
const empty: ActivityBefore = { participants: 0, emptyForMs: null, vacancies: 0, autoEpoch: 0, autoDone: false };

describe('settle', () => {
  it('queues a start when the condition becomes true, under a new epoch', () => {
    expect(settle(empty, 1, 'automatic', GRACE)).toMatchObject({ start: true, autoEpoch: 1, emptySince: 'clear', stop: false });
    expect(settle(empty, 1, 'automatic-2nd-participant', GRACE)).toMatchObject({ start: false, autoEpoch: 0 });
    expect(settle({ ...empty, participants: 1 }, 2, 'automatic-2nd-participant', GRACE)).toMatchObject({ start: true, autoEpoch: 1 });
    // Already true before: nothing new.
    expect(settle({ ...empty, participants: 1 }, 2, 'automatic', GRACE)).toMatchObject({ start: false, autoEpoch: 0 });
    expect(settle(empty, 3, 'none', GRACE).start).toBe(false);
    expect(settle(empty, 3, undefined, GRACE).start).toBe(false);
  });

  it('the room emptying is a new vacancy whose stop is queued when a policy exists or its recording may run', () => {
    expect(settle({ ...empty, participants: 2 }, 0, 'automatic', GRACE)).toMatchObject({ emptySince: 'now', vacancies: 1, stop: true });
    expect(settle({ ...empty, participants: 2 }, 0, undefined, GRACE)).toMatchObject({ vacancies: 1, stop: false });
    expect(settle({ ...empty, participants: 2, autoDone: true }, 0, undefined, GRACE)).toMatchObject({ vacancies: 1, stop: true });
    // Still empty: no second vacancy.
    expect(settle({ ...empty, emptyForMs: 10 }, 0, 'automatic', GRACE)).toMatchObject({ emptySince: 'keep', vacancies: 0, stop: false });
  });

  it('a recording started in this fill blocks another start until the room stayed empty for the grace', () => {
    const done = { ...empty, autoDone: true, vacancies: 1 };
    expect(settle({ ...done, emptyForMs: GRACE - 1 }, 1, 'automatic', GRACE)).toMatchObject({ start: false, autoDone: true });
    expect(settle({ ...done, emptyForMs: GRACE }, 1, 'automatic', GRACE)).toMatchObject({ start: true, autoDone: false, autoEpoch: 1 });
    expect(settle({ ...done, participants: 1 }, 2, 'automatic-2nd-participant', GRACE)).toMatchObject({ start: false, autoDone: true });
  });
});
