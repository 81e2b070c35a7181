/**
 * The event outbox in SQL: fragments that the statements changing recordings embed, so an event
 * is queued by the very statement that causes it — committed with the change, never invented by
 * a change that rolled back. Each event becomes one `webhook.delivery` job per endpoint.
 */

export const WEBHOOK_DELIVERY_KIND = 'webhook.delivery';
/** Prepares `recording.ready` once the recording's files are all in (see readyEventJob). */
export const WEBHOOK_READY_KIND = 'webhook.ready';

const ISO_NOW = `to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * Two CTEs, `{name}_e` and `{name}`, that queue the event `typeSql` (an expression over `s`, a
 * row of the CTE `source`; NULL: no event) for every row of `source`. `source` returns a
 * recording's columns as the Recording type names them: that row is the event's snapshot, taken
 * in the statement that changed it. `routes` is the jsonb parameter of EventRoutes; `reasonSql`
 * gives data.reason. `{name}` returns one row per delivery queued.
 */
export function queueRecordingEvents(name: string, source: string, typeSql: string, routes: string, reasonSql = 'NULL'): string {
  return `${name}_e AS MATERIALIZED (
       SELECT gen_random_uuid()::text AS event_id, ev.type, to_jsonb(s) AS recording, ${reasonSql} AS reason,
              COALESCE((SELECT jsonb_agg(jsonb_build_object('sub', a.user_sub) ORDER BY a.user_sub)
                          FROM recording_accesses a WHERE a.recording_id = s.id AND a.role = 'owner'), '[]'::jsonb) AS owners
         FROM ${source} s CROSS JOIN LATERAL (SELECT (${typeSql})::text AS type) ev
        WHERE ev.type IS NOT NULL AND (${routes}::jsonb -> ev.type) IS NOT NULL
     ), ${name} AS (
       INSERT INTO jobs (kind, recording_id, payload)
       SELECT '${WEBHOOK_DELIVERY_KIND}', (e.recording ->> 'id')::uuid,
              jsonb_build_object('eventId', e.event_id, 'type', e.type, 'at', ${ISO_NOW}, 'endpoint', u.url,
                                 'recording', e.recording, 'owners', e.owners, 'reason', e.reason)
         FROM ${name}_e e CROSS JOIN LATERAL jsonb_array_elements_text(${routes}::jsonb -> e.type) AS u(url)
       RETURNING id
     )`;
}

/**
 * A CTE `name` that queues the preparation of `recording.ready` for every row of `source` (with
 * an `id` column), once per recording, when anyone receives it.
 */
export function queueReadyEvent(name: string, source: string, routes: string): string {
  return `${name} AS (
       INSERT INTO jobs (kind, key, recording_id)
       SELECT '${WEBHOOK_READY_KIND}', '${WEBHOOK_READY_KIND}:' || s.id, s.id FROM ${source} s
        WHERE (${routes}::jsonb -> 'recording.ready') IS NOT NULL
       ON CONFLICT (key) DO NOTHING
       RETURNING id
     )`;
}
