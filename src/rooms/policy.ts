import { z } from 'zod';
import type { AuthUser } from '../auth/user';
import { startOptions, type StartOptions } from '../recording/start-request';

export const TRIGGERS = ['none', 'automatic', 'automatic-2nd-participant'] as const;
export type Trigger = (typeof TRIGGERS)[number];

/** Body of PUT /rooms/{room}/recording-policy/: the mode and options are checked like start-recording's. */
export const recordingPolicyBody = z
  .object({
    trigger: z.enum(TRIGGERS),
    mode: z.string().min(1).max(64),
    options: startOptions.optional(),
  })
  .strict();

/** Who set the policy, from their JWT: they own the recordings it starts and get the emails. */
export type PolicyAuthor = Pick<AuthUser, 'sub' | 'email' | 'name' | 'locale' | 'zoneinfo'>;

export interface RecordingPolicy {
  room: string;
  trigger: Trigger;
  mode: string;
  options: StartOptions;
  author: PolicyAuthor;
  createdAt: Date;
  updatedAt: Date;
}

/** How many participants make the trigger's condition true; null: never. */
export function participantsNeeded(trigger: Trigger): number | null {
  switch (trigger) {
    case 'automatic':
      return 1;
    case 'automatic-2nd-participant':
      return 2;
    default:
      return null;
  }
}

export function conditionHolds(trigger: Trigger | undefined, participants: number): boolean {
  const needed = trigger ? participantsNeeded(trigger) : null;
  return needed !== null && participants >= needed;
}

/** The policy's author as the user the recording service starts for: an owner of the room. */
export function authorAsUser(policy: Pick<RecordingPolicy, 'room' | 'author'>): AuthUser {
  return { ...policy.author, rooms: { [policy.room]: 'owner' } };
}
