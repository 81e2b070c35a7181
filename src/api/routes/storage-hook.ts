import express, { Router } from 'express';
import type { StorageEventResult, StorageEvents } from '../../recording/events/storage-events';
import { rawJson } from '../raw-json';

type Answer = { status: 200 | 401 | 403; body: { message?: string; detail?: string } };

/** The answers MinIO expects (a 4xx other than these makes it retry, which would be pointless). */
function answerFor(result: StorageEventResult): Answer {
  switch (result.outcome) {
    case 'unauthorized':
      return { status: 401, body: { detail: 'Invalid or missing storage event token.' } };
    case 'malformed':
      return { status: 403, body: { detail: `Malformed storage event: ${result.reason}.` } };
    case 'foreign_bucket':
      return { status: 403, body: { detail: 'The event comes from a bucket this service does not own.' } };
    case 'ignored':
      return { status: 200, body: { message: 'Notification ignored.' } };
    case 'processed':
      return { status: 200, body: { message: 'Event processed.' } };
  }
}

/**
 * POST /api/v1.0/recordings/storage-hook/ (MinIO bucket notifications). Reads its own body so
 * that anything unparseable is a 403 "malformed" rather than a generic 400, and a bad token is a
 * 401 whatever the body.
 */
export function storageHookRouter(events: StorageEvents): Router {
  const router = Router();
  router.post('/api/v1.0/recordings/storage-hook', express.raw({ type: () => true, limit: '256kb' }), async (req, res) => {
    const result = events.authorize(req.get('authorization')) ? await events.handle(rawJson(req)) : events.unauthorized();
    const answer = answerFor(result);
    res.status(answer.status).json(answer.body);
  });
  return router;
}
