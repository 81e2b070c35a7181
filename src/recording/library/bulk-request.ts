import { z } from 'zod';
import { badRequest } from '../errors';
import { zodDetail } from '../start-request';

/** At most this many recordings in one bulk delete or one ZIP. */
export const MAX_BULK_IDS = 100;

/** Body of bulk-delete and archive-link: 1 to 100 recording ids (repeats are taken once). */
export const bulkIdsBody = z
  .object({ ids: z.array(z.string().min(1).max(64)).min(1).max(MAX_BULK_IDS) })
  .strict();

/** The distinct ids of a bulk body, in the order given; 400 for anything else. */
export function parseBulkIds(body: unknown): string[] {
  const parsed = bulkIdsBody.safeParse(body ?? {});
  if (!parsed.success) throw badRequest(zodDetail(parsed.error));
  return [...new Set(parsed.data.ids)];
}
