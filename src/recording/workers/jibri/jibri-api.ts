/**
 * The parts of Jibri's HTTP API and status webhook we use, as documented in jitsi/jibri
 * (doc/http_api.md, api/http/HttpApi.kt, webhooks/v1). Field names are Jibri's own.
 */

import { z } from 'zod';

export const JIBRI_API_PREFIX = '/jibri/api/v1.0';

export const BUSY_STATUSES = ['IDLE', 'BUSY', 'EXPIRED'] as const;
export const HEALTH_STATUSES = ['HEALTHY', 'UNHEALTHY'] as const;
/** ComponentBusyStatus: EXPIRED means a single-use Jibri has done its job and needs a restart. */
export type BusyStatus = (typeof BUSY_STATUSES)[number];
/** ComponentHealthStatus. */
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

/** What one health answer or status webhook tells about an instance. */
export interface JibriStatusReport {
  busyStatus: BusyStatus;
  healthStatus: HealthStatus;
  /** Only some Jibri versions put the session id in their status webhook. */
  sessionId?: string;
}

/**
 * Jibri's HTTP startService carries no metadata of ours to the finalize script, but the
 * session's `callUrlInfo.urlParams` do get there: Jibri writes `meeting_url` into the session's
 * metadata.json as `{baseUrl}/{callName}#{urlParams joined by &}`, while it joins the meeting
 * with its own recorder parameters in their place (the browser never sees ours) and prints
 * urlParams only as "not-empty" in its logs. deploy/jibri/finalize.sh reads the upload
 * capability back from that fragment.
 */
export const UPLOAD_CAPABILITY_PARAM = 'recorderUploadCapability';

/** Body of POST /jibri/api/v1.0/startService (StartServiceParams). */
export interface StartServiceBody {
  sessionId: string;
  callParams: { callUrlInfo: { baseUrl: string; callName: string; urlParams?: string[] } };
  /** XmppCredentials: lets the recorder join hidden; Jibri refuses file recordings without it (412). */
  callLoginParams?: { domain: string; username: string; password: string };
  sinkType: 'file';
}

/** The status webhook Jibri POSTs to `{subscriber}/v1/status` (JibriEvent.HealthEvent). */
export interface JibriStatusEvent extends JibriStatusReport {
  jibriId: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function asBusy(v: unknown): BusyStatus | undefined {
  return typeof v === 'string' && (BUSY_STATUSES as readonly string[]).includes(v) ? (v as BusyStatus) : undefined;
}

function asHealth(v: unknown): HealthStatus | undefined {
  return typeof v === 'string' && (HEALTH_STATUSES as readonly string[]).includes(v) ? (v as HealthStatus) : undefined;
}

/** A JibriStatus object: `{busyStatus, health: {healthStatus, details}}`. */
function parseJibriStatus(status: unknown): JibriStatusReport | null {
  if (!isObject(status) || !isObject(status.health)) return null;
  const busyStatus = asBusy(status.busyStatus);
  const healthStatus = asHealth(status.health.healthStatus);
  return busyStatus && healthStatus ? { busyStatus, healthStatus } : null;
}

/**
 * The answer of GET /jibri/api/v1.0/health: `{status: {busyStatus, health: {healthStatus, details}},
 * environmentContext?}`. Jibri releases before the status manager answered `{busy: boolean}`; that
 * form is read as IDLE/BUSY and healthy. Null when the answer carries neither.
 */
export function parseHealthAnswer(body: unknown): JibriStatusReport | null {
  if (!isObject(body)) return null;
  if ('status' in body) return parseJibriStatus(body.status);
  if (typeof body.busy === 'boolean') return { busyStatus: body.busy ? 'BUSY' : 'IDLE', healthStatus: 'HEALTHY' };
  return null;
}

/**
 * Read a status webhook body: `{"jibriId": "...", "status": {"busyStatus": "IDLE|BUSY|EXPIRED",
 * "health": {"healthStatus": "HEALTHY|UNHEALTHY", "details": {...}}}}` (some versions add a
 * top-level `sessionId`). Null when it does not have that shape, so the endpoint can answer 400.
 */
export function parseJibriStatusEvent(body: unknown): JibriStatusEvent | null {
  const parsed = jibriStatusEventBody.safeParse(body);
  if (!parsed.success) return null;
  const { jibriId, status, sessionId } = parsed.data;
  const event: JibriStatusEvent = { jibriId, busyStatus: status.busyStatus, healthStatus: status.health.healthStatus };
  if (typeof sessionId === 'string' && sessionId !== '' && sessionId.length <= 200) event.sessionId = sessionId;
  return event;
}

/** The status webhook body as validated (also the source of its OpenAPI description). */
export const jibriStatusEventBody = z.object({
  jibriId: z
    .string()
    .max(200)
    .refine((id) => id.trim() !== '', 'jibriId must not be blank'),
  status: z.object({
    busyStatus: z.enum(BUSY_STATUSES),
    health: z.object({ healthStatus: z.enum(HEALTH_STATUSES), details: z.unknown().optional() }),
  }),
  /** Only some Jibri versions send it; an unusable value is ignored rather than refused. */
  sessionId: z.unknown().optional(),
});

/** An instance takes new recordings only when it says it is idle and healthy. */
export function isAvailable(report: JibriStatusReport): boolean {
  return report.busyStatus === 'IDLE' && report.healthStatus === 'HEALTHY';
}

/** EXPIRED or UNHEALTHY instances leave the pool until they report healthy again. */
export function isOutOfPool(report: JibriStatusReport): boolean {
  return report.busyStatus === 'EXPIRED' || report.healthStatus === 'UNHEALTHY';
}
