import { JOIN_PARTS_KIND } from '../pause/join-job-kind';

/**
 * CTEs the guarded status change embeds, over its CTE `u` (the changed recording): once a
 * recording that has parts (it was paused at least once) leaves its live statuses, its open
 * stretch ends, the parts still being recorded now wait for their files, and its join job is
 * queued, all in the statement that stopped it (`jn` returns the job queued).
 */
export function whenStoppedWithParts(u: string): string {
  const ended = `SELECT id FROM ${u} WHERE status IN ('stopped', 'aborted', 'failed_to_stop')
                   AND EXISTS (SELECT 1 FROM recording_parts p WHERE p.recording_id = ${u}.id)`;
  return `seg_end AS (
       UPDATE recording_segments SET ended_at = now() WHERE recording_id IN (${ended}) AND ended_at IS NULL
     ), parts_end AS (
       UPDATE recording_parts SET status = 'pending', updated_at = now() WHERE recording_id IN (${ended}) AND status = 'recording'
     ), jn AS (
       INSERT INTO jobs (kind, key, recording_id)
       SELECT '${JOIN_PARTS_KIND}', '${JOIN_PARTS_KIND}:' || x.id, x.id FROM (${ended}) x
       ON CONFLICT (key) DO NOTHING
       RETURNING id
     )`;
}
