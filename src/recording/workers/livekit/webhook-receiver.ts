import { WebhookReceiver, type WebhookEvent } from 'livekit-server-sdk';

/** What became of a posted webhook body before anything acts on it. */
export type VerifiedWebhook =
  | { result: 'verified'; event: WebhookEvent }
  /** The signature is missing, wrong, or does not cover this body. */
  | { result: 'unauthorized' }
  /** Signed, but not a webhook event we can read (`event`: its name, when known). */
  | { result: 'malformed'; event?: string; reason: 'body' | 'room_name' };

/**
 * Verifies LiveKit's webhook signature over the exact body bytes with the SDK's WebhookReceiver
 * (a JWT signed with the API secret, carrying the body's SHA-256), and reads the event.
 */
export function livekitWebhookVerifier(credentials: { apiKey: string; apiSecret: string }): (raw: string, authorization: string) => Promise<VerifiedWebhook> {
  const receiver = new WebhookReceiver(credentials.apiKey, credentials.apiSecret);
  return async (raw, authorization) => {
    let event: WebhookEvent;
    try {
      event = await receiver.receive(raw, authorization);
    } catch (err) {
      // The SDK throws for a bad signature or body hash, and also for junk after a valid signature.
      return isSignatureError(err) ? { result: 'unauthorized' } : { result: 'malformed', reason: 'body' };
    }
    // No room is named so (PostgreSQL cannot even store a NUL): refused before any lookup.
    if (roomNamesOf(event).some((name) => CONTROL_CHARACTER.test(name))) return { result: 'malformed', event: event.event, reason: 'room_name' };
    return { result: 'verified', event };
  };
}

const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/** Every room name an event carries: its room, and the room of its egress or ingress. */
function roomNamesOf(event: WebhookEvent): string[] {
  return [event.room?.name, event.egressInfo?.roomName, event.ingressInfo?.roomName].filter((n): n is string => typeof n === 'string');
}

/** JWT verification errors (jose's `ERR_J...` codes) and the SDK's body-hash mismatch. */
function isSignatureError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && code.startsWith('ERR_J')) return true;
  const message = err instanceof Error ? err.message : '';
  return message === 'sha256 checksum of body does not match' || message === 'authorization header is empty';
}
