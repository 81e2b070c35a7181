import type { Request } from 'express';

/**
 * The JSON of a body read raw (`express.raw`), or undefined when it is empty or not JSON: routes
 * that answer unparseable input in their own terms (403 for the storage hook, 400 for Jibri)
 * parse it themselves rather than let the JSON parser answer.
 */
export function rawJson(req: Request): unknown {
  const body: unknown = req.body;
  if (!Buffer.isBuffer(body) || body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}
