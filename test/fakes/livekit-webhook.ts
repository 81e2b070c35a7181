import { createHash } from 'node:crypto';
import jwt from 'jsonwebtoken';

/**
 * The `Authorization` header LiveKit puts on a webhook delivery: a JWT signed with the API
 * secret, issuer the API key, whose `sha256` claim is the base64 SHA-256 of the raw body.
 * LiveKit sends the bare token, without a `Bearer ` prefix. The token is the one LiveKit's Go
 * notifier mints (auth.NewAccessToken(...).SetValidFor(5 * time.Minute).SetSha256(...)):
 * header `{"alg":"HS256","typ":"JWT"}`, claims `iss`, `nbf`, `iat`, `exp` (5 minutes), `sha256`.
 *
 * The events to sign come from FakeLivekitServer: webhookEvent/endEgress (egress_*),
 * roomEvent (room_started/finished), participantEvent (participant_joined/left) and
 * trackEvent (track_published/unpublished), each with its `id` and `createdAt`.
 */
export async function signLivekitWebhook(apiKey: string, apiSecret: string, rawBody: string): Promise<string> {
  const sha256 = createHash('sha256').update(rawBody, 'utf8').digest('base64');
  return jwt.sign({ sha256 }, apiSecret, { algorithm: 'HS256', issuer: apiKey, notBefore: 0, expiresIn: '5m' });
}

export interface PostWebhookOptions {
  apiKey: string;
  apiSecret: string;
  /** Override the header: a string is sent as is, null sends none; default: a valid signature. */
  authorization?: string | null;
  timeoutMs?: number;
}

export interface WebhookResponse {
  status: number;
  body: string;
}

/** Posts an event (an object, or a raw body string sent byte for byte) the way LiveKit does. */
export async function postLivekitWebhook(
  url: string,
  event: object | string,
  options: PostWebhookOptions,
): Promise<WebhookResponse> {
  const rawBody = typeof event === 'string' ? event : JSON.stringify(event);
  const headers: Record<string, string> = { 'Content-Type': 'application/webhook+json' };
  const authorization =
    options.authorization === undefined
      ? await signLivekitWebhook(options.apiKey, options.apiSecret, rawBody)
      : options.authorization;
  if (authorization !== null) headers.Authorization = authorization;
  const response = await fetch(url, {
    method: 'POST',
    headers,
    body: rawBody,
    signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
  });
  return { status: response.status, body: await response.text() };
}
