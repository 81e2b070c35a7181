import { z } from 'zod';
import { RecordingStatus } from '../recording/status';
import type { RecordingListFilter } from '../recording/recording-list';
import { HttpError } from './http-errors';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
const STATUSES = Object.values(RecordingStatus) as [RecordingStatus, ...RecordingStatus[]];

/** A whole number written in decimal, from 1 to max. */
const wholeNumber = (max: number) =>
  z.string().regex(/^\d{1,9}$/, `expected a whole number from 1 to ${max}`).transform(Number)
    .pipe(z.number().int().min(1, `expected a whole number from 1 to ${max}`).max(max, `expected a whole number from 1 to ${max}`));

/** Some text of the room name, without a NUL byte (PostgreSQL refuses it). */
const roomText = z.string().min(1, 'expected a non-empty value').max(255, 'expected at most 255 characters')
  .refine((s) => !s.includes('\0'), 'expected no NUL byte');

/** An ISO 8601 date-time with an offset (or Z), or a date alone (midnight UTC). */
const instant = z.union([z.iso.datetime({ offset: true }), z.iso.date()], { error: 'expected an ISO 8601 date-time with an offset, e.g. 2025-01-31T12:00:00Z, or a date' })
  .transform((s) => new Date(s.length === 10 ? `${s}T00:00:00Z` : s));

const statusList = z.string().transform((s) => s.split(',')).pipe(
  z.array(z.enum(STATUSES, { error: `expected comma-separated statuses among ${STATUSES.join(', ')}` })).min(1),
);

/** The query of GET /api/v1.0/recordings/ (each parameter once; anything else is 400). */
export const recordingListQuery = z.strictObject({
  page: wholeNumber(1_000_000).optional().describe('Page number, from 1 (default 1).'),
  page_size: wholeNumber(MAX_PAGE_SIZE).optional().describe(`Recordings per page, 1 to ${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE}).`),
  room: roomText.optional().describe('Only the recordings of this room (exact name).'),
  status: statusList.optional().describe('Only recordings in one of these statuses (comma-separated).'),
  created_after: instant.optional().describe('Only recordings created after this instant (ISO 8601).'),
  created_before: instant.optional().describe('Only recordings created before this instant (ISO 8601).'),
  q: roomText.optional().describe('Only recordings whose room name contains this text (case-insensitive).'),
});

export interface RecordingListRequest {
  page: number;
  pageSize: number;
  filter: RecordingListFilter;
  /** The filter parameters as given, for the paging links. */
  filterParams: [string, string][];
}

const FILTER_PARAMS = ['room', 'status', 'created_after', 'created_before', 'q'] as const;

/** Validates the list query; a bad or unknown parameter is a 400 that names it. */
export function parseRecordingListQuery(query: Record<string, unknown>): RecordingListRequest {
  const parsed = recordingListQuery.safeParse(query);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    if (issue.code === 'unrecognized_keys') throw new HttpError(400, `Unknown query parameter: ${issue.keys.join(', ')}.`);
    const name = String(issue.path[0] ?? 'query');
    const message = issue.code === 'invalid_type' ? 'expected it once' : issue.message;
    throw new HttpError(400, `Invalid ${name}: ${message}.`);
  }
  const q = parsed.data;
  if (q.created_after && q.created_before && q.created_after >= q.created_before) {
    throw new HttpError(400, 'Invalid created_after: expected it before created_before.');
  }
  return {
    page: q.page ?? 1,
    pageSize: q.page_size ?? DEFAULT_PAGE_SIZE,
    filter: { room: q.room, statuses: q.status, createdAfter: q.created_after, createdBefore: q.created_before, roomContains: q.q },
    filterParams: FILTER_PARAMS.filter((p) => query[p] !== undefined).map((p) => [p, String(query[p])]),
  };
}
