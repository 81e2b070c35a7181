import { REASON_CODES } from '../../recording/reason';
import { z } from 'zod';
import { RecordingStatus } from '../../recording/status';

/**
 * The JSON the API answers with, as zod schemas. The serializers' types are inferred from
 * these (src/api/recording-json.ts), the OpenAPI document is generated from them, and the
 * OpenAPI test validates real answers against that document: one description, no copy.
 */
export const errorBody = z.object({ detail: z.string() });
export const messageBody = z.object({ message: z.string() });

/** One stored object of a recording: its composite (whose key is the recording's `key`) or a participant's track. */
export const recordingFileBody = z.object({
  key: z.string(),
  kind: z.enum(['composite', 'track']),
  content_type: z.string(),
  size: z.int().min(0).nullable(),
  status: z.enum(['pending', 'saved', 'failed']),
  participant: z.object({ identity: z.string(), name: z.string() }).nullable(),
  track_id: z.string().nullable(),
  started_at: z.iso.datetime().nullable(),
});

export const recordingBody = z
  .object({
    id: z.uuid(),
    room: z.string(),
    mode: z.string(),
    status: z.enum(Object.values(RecordingStatus) as [string, ...string[]]),
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
    expired_at: z.iso.datetime().nullable(),
    is_expired: z.boolean(),
    /** Never expires; its files are never deleted by the service nor by the project's bucket rule. */
    is_permanent: z.boolean(),
    key: z.string(),
    abilities: z.object({ retrieve: z.boolean(), destroy: z.boolean(), stop: z.boolean() }),
    files: z.array(recordingFileBody),
    reason: z
      .object({ code: z.enum(REASON_CODES), detail: z.string().nullable() })
      .nullable()
      .describe("Why it is in its status when no user asked for it (the worker's words, without secrets, in detail), or null."),
    segments: z
      .array(z.object({ started_at: z.iso.datetime(), ended_at: z.iso.datetime().nullable() }))
      .describe('The stretches recorded between pauses, in order (ended_at null while one runs); empty for a recording never paused.'),
    /** Retrieve only: the owners' notification emails by state (failed = gave up after EMAIL_MAX_ATTEMPTS). */
    notifications: z.object({ pending: z.int(), sent: z.int(), failed: z.int() }).optional(),
  });

export const recordingPage = z
  .object({
    count: z.int().min(0),
    next: z.url().nullable(),
    previous: z.url().nullable(),
    results: z.array(recordingBody),
  });

export const downloadLinkBody = z
  .object({ url: z.string(), expires_at: z.iso.datetime() });

export const uploadUrlBody = z
  .object({ url: z.url(), key: z.string(), expires_at: z.iso.datetime() });

export const healthBody = z.object({ status: z.literal('ok') });

export const readyBody = z
  .object({ status: z.enum(['ready', 'not ready']), checks: z.record(z.string(), z.enum(['ok', 'unavailable'])) });

/** LiveKit's webhook event (protobuf JSON); the SDK's WebhookReceiver validates it. */
export const livekitWebhookBody = z
  .object({
    event: z.string(),
    id: z.string().optional(),
    createdAt: z.string().optional(),
    egressInfo: z.record(z.string(), z.unknown()).optional(),
    room: z.record(z.string(), z.unknown()).optional(),
  });

/** POST /recordings/{id}/share-links/: the only answer that ever shows the token (inside `url`). */
export const shareLinkCreatedBody = z
  .object({ id: z.uuid(), url: z.url(), expires_at: z.iso.datetime(), created_at: z.iso.datetime() });

export const shareLinkBody = z
  .object({
    id: z.uuid(),
    created_at: z.iso.datetime(),
    expires_at: z.iso.datetime(),
    revoked_at: z.iso.datetime().nullable(),
    is_active: z.boolean(),
    /** `sub` of the owner or administrator who made it. */
    created_by: z.string(),
  });

export const shareLinkList = z.object({ results: z.array(shareLinkBody) });
