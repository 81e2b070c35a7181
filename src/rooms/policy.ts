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
  /** Since when the author was seen without an owner/administrator role in the room: the policy does not act. */
  authorSuspendedAt: Date | null;
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

/** The trigger a policy acts on: none while its author is suspended. */
export function actingTrigger(policy: Pick<RecordingPolicy, 'trigger' | 'authorSuspendedAt'> | undefined | null): Trigger | undefined {
  return policy && !policy.authorSuspendedAt ? policy.trigger : undefined;
}

export function conditionHolds(trigger: Trigger | undefined, participants: number): boolean {
  const needed = trigger ? participantsNeeded(trigger) : null;
  return needed !== null && participants >= needed;
}

/** The policy's author as the user the recording service starts for: an owner of the room. */
export function authorAsUser(policy: Pick<RecordingPolicy, 'room' | 'author'>): AuthUser {
  return { ...policy.author, rooms: { [policy.room]: 'owner' } };
}
