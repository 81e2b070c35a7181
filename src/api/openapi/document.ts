import { z } from 'zod';
import { artifactsOperations } from '../artifacts.openapi';
import { downloadsOperations } from '../routes/downloads.openapi';
import { healthOperations } from '../routes/health.openapi';
import { jibriUploadUrlOperations } from '../routes/jibri-upload-url.openapi';
import { jibriWebhookOperations } from '../routes/jibri-webhook.openapi';
import { libraryOperations } from '../routes/library.openapi';
import { jitsiEventsOperations } from '../routes/jitsi-events.openapi';
import { livekitWebhookOperations } from '../routes/livekit-webhook.openapi';
import { metricsOperations } from '../routes/metrics.openapi';
import { oidcOperations } from '../routes/oidc.openapi';
import { openapiOperations } from '../routes/openapi.openapi';
import { recordersOperations } from '../routes/recorders.openapi';
import { recordingPageOperations } from '../routes/recording-page.openapi';
import { recordingsOperations } from '../routes/recordings.openapi';
import { roomAccessOperations } from '../routes/room-access.openapi';
import { roomActivityOperations } from '../routes/room-activity.openapi';
import { pauseOperations } from '../routes/pause.openapi';
import { roomsOperations } from '../routes/rooms.openapi';
import { shareLinksOperations } from '../routes/share-links.openapi';
import { storageHookOperations } from '../routes/storage-hook.openapi';
import type { Operation, Security } from './operation';

/** Every route the service answers, each listed beside its router, in the document's order. */
export const OPERATIONS: Operation[] = [
  ...roomsOperations,
  ...pauseOperations,
  ...roomActivityOperations,
  ...roomAccessOperations,
  ...recordingsOperations,
  ...libraryOperations,
  ...downloadsOperations,
  ...storageHookOperations,
  ...livekitWebhookOperations,
  ...jibriWebhookOperations,
  ...jibriUploadUrlOperations,
  ...jitsiEventsOperations,
  ...shareLinksOperations,
  ...artifactsOperations,
  ...recordingPageOperations,
  ...oidcOperations,
  ...healthOperations,
  ...metricsOperations,
  ...recordersOperations,
  ...openapiOperations,
];

const SECURITY_SCHEMES: Record<Exclude<Security, 'none'>, object> = {
  user: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'User JWT issued by the host application; `exp` is required, `iat`/`nbf` must not be in the future.' },
  operatorToken: { type: 'http', scheme: 'bearer', description: 'OPERATOR_TOKEN (the recorders API exists only when it is set).' },
  storageToken: { type: 'http', scheme: 'bearer', description: 'RECORDING_STORAGE_EVENT_TOKEN, sent by MinIO.' },
  livekitSignature: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'LiveKit webhook JWT (no Bearer prefix) whose sha256 claim covers the body.' },
  jibriToken: { type: 'http', scheme: 'bearer', description: "JIBRI_WEBHOOK_TOKEN; with JIBRI_WEBHOOK_PUBLIC_KEY set, Jibri's RS256 JWT (jwt-info) instead." },
  jibriUploadToken: { type: 'http', scheme: 'bearer', description: 'JIBRI_UPLOAD_TOKEN.' },
  jitsiEventsToken: { type: 'http', scheme: 'bearer', description: "JITSI_EVENTS_TOKEN, in event_sync's api_headers." },
  pageSession: { type: 'apiKey', in: 'cookie', name: '__Host-recorder_session', description: 'Recording-page sign-in session (OIDC), set by /auth/oidc/callback; named recorder_session when the public URL is plain http.' },
  shareToken: { type: 'apiKey', in: 'query', name: 'share', description: 'Share-link token.' },
  artifactToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: "recording.ready's data.artifact_token: writes that recording's artifacts, nothing else." },
};

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

function pathParameters(path: string) {
  return [...path.matchAll(/\{(\w+)\}/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    schema: m[1] === 'id' ? { type: 'string', format: 'uuid' } : { type: 'string' },
  }));
}

function queryParameters(query: z.ZodObject | undefined) {
  return Object.entries(query?.shape ?? {}).map(([name, field]) => {
    const { description, ...schema } = jsonSchema(field as z.ZodType, 'input');
    return { name, in: 'query', required: false, ...(description ? { description } : {}), schema };
  });
}

function operationObject(op: Operation) {
  const responses: Record<string, object> = {};
  for (const [status, r] of Object.entries(op.responses)) {
    responses[status] = r.schema
      ? { description: r.description, content: { [r.contentType ?? 'application/json']: { schema: jsonSchema(r.schema, 'output') } } }
      : r.contentType
        ? { description: r.description, content: { [r.contentType]: {} } }
        : { description: r.description };
  }
  const params = [...pathParameters(op.path), ...queryParameters(op.query)];
  return {
    operationId: op.id,
    summary: op.summary,
    tags: [op.tag],
    security: op.security.map((s) => (s === 'none' ? {} : { [s]: [] })),
    ...(params.length ? { parameters: params } : {}),
    ...(op.body
      ? { requestBody: { required: !op.bodyOptional, content: { [op.bodyContentType ?? 'application/json']: { schema: jsonSchema(op.body, 'input') } } } }
      : {}),
    responses,
  };
}

/** The OpenAPI 3.1 document, generated from the same zod schemas that validate requests and shape answers. */
export function buildOpenApiDocument(version = '0.1.0') {
  const paths: Record<string, Record<string, object>> = {};
  for (const op of OPERATIONS) {
    paths[op.path] ??= {};
    paths[op.path]![op.method] = operationObject(op);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Recording orchestrator API',
      version,
      description: 'Start/stop LiveKit and Jibri recordings, storage events, notifications and downloads. Paths accept an optional trailing slash.',
    },
    paths,
    components: { securitySchemes: SECURITY_SCHEMES },
  };
}
