import { z } from 'zod';
import { TRIGGERS } from '../../rooms/policy';
import { recordingBody } from './response-schemas';

/** A room's recording policy as the API shows it; the author's address is never shown. */
export const policyBody = z.object({
  room: z.string(),
  trigger: z.enum(TRIGGERS),
  mode: z.string(),
  options: z.record(z.string(), z.unknown()),
  /** Who set it: the owner of the recordings it starts. */
  author: z.object({ sub: z.string(), name: z.string().nullable() }),
  created_at: z.iso.datetime(),
  updated_at: z.iso.datetime(),
});

/** GET /rooms/{room}/: activity from LiveKit's webhooks, the live recording, the policy. */
export const roomBody = z.object({
  room: z.string(),
  is_active: z.boolean(),
  /** People in the room: egress recorders, agents and other non-person participants do not count. */
  participants: z.int().min(0),
  started_at: z.iso.datetime().nullable(),
  recording: recordingBody.nullable(),
  policy: policyBody.nullable(),
  /** What the room's members may do with its recordings: none, view, or download too. */
  recording_access: z.object({ members: z.enum(['none', 'view', 'download']) }),
});
