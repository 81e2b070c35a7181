import { z } from 'zod';
import { errorBody, recordingBody } from './response-schemas';

export type Security = 'user' | 'operatorToken' | 'storageToken' | 'livekitSignature' | 'jibriToken' | 'jibriUploadToken' | 'jitsiEventsToken' | 'pageSession' | 'shareToken' | 'artifactToken' | 'none';

/** One route's OpenAPI operation; each router's `<router>.openapi.ts` lists its own. */
export interface Operation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** As the contract writes it (trailing slash optional in practice). */
  path: string;
  id: string;
  summary: string;
  tag: string;
  security: Security[];
  body?: z.ZodType;
  bodyContentType?: string;
  bodyOptional?: boolean; // the body may be left out
  /** The query parameters, each a field of this object. */
  query?: z.ZodObject;
  /** status -> schema of the JSON answer, or null for an answer without a JSON body. */
  responses: Record<number, { description: string; schema: z.ZodType | null; contentType?: string }>;
}

export const err = (description: string) => ({ description, schema: errorBody });
export const html = (description: string) => ({ description, schema: null, contentType: 'text/html' });
export const redirect = (description: string) => ({ description, schema: null });
/** The page's forms (a signed-in session; csrf is the session's token). */
export const pageForm = (fields: z.ZodRawShape) => z.object({ csrf: z.string(), ...fields });
/** Answers several routes give in the same words. */
export const USER_TOKEN_REFUSED = { 401: err('No or invalid user token.') };
export const NOT_THE_CALLERS = { 404: err("Unknown, or not the caller's.") };
export const DATABASE_DOWN = { 503: err('The database is unavailable.') };
/** No token, or a room the caller may not manage (neither its owner nor an administrator). */
export const NOT_A_ROOM_MANAGER = { ...USER_TOKEN_REFUSED, 403: err('The caller may not manage this room.') };
/** A room route for its owners and administrators: a bad name, no token, or not theirs to manage. */
export const ROOM_MANAGERS_ONLY = { 400: err('Invalid room name.'), ...NOT_A_ROOM_MANAGER };
export const ROOM_PATH = '/api/v1.0/rooms/{room}';
export const RECORDING_PATH = '/api/v1.0/recordings/{id}';

type Responses = Operation['responses'];

/** A room manager's POST on the room's recording (`{ROOM_PATH}/<action>/`): the recording after it, or why not. */
export function roomRecordingAction(action: string, id: string, summary: string, done: string, refusals: Responses): Operation {
  return {
    method: 'post', path: `${ROOM_PATH}/${action}/`, id, tag: 'recordings', security: ['user'], summary,
    responses: { 200: { description: done, schema: recordingBody }, ...ROOM_MANAGERS_ONLY, ...refusals },
  };
}

/** A room manager's change with a JSON body (`{ROOM_PATH}/<what>/`); besides its own answers: no token or not theirs to manage, and the database down. */
export function roomManagerChange(method: Operation['method'], what: string, id: string, tag: string, summary: string, body: z.ZodType, responses: Responses): Operation {
  return { method, path: `${ROOM_PATH}/${what}/`, id, tag, security: ['user'], summary, body, responses: { ...NOT_A_ROOM_MANAGER, ...DATABASE_DOWN, ...responses } };
}

/** One of the pages' forms: a urlencoded POST from a signed-in session with its CSRF token (401 when not signed in). */
export function pageFormOperation(path: string, id: string, summary: string, fields: z.ZodRawShape, responses: Responses): Operation {
  return {
    method: 'post', path, id, tag: 'pages', security: ['pageSession'], summary,
    body: pageForm(fields), bodyContentType: 'application/x-www-form-urlencoded',
    responses: { 401: html('Not signed in.'), ...responses },
  };
}
