import { EgressClient, RoomServiceClient, type ClientOptions } from 'livekit-server-sdk';

type AuthHeader = Record<string, string>;

/**
 * How long a signed header is reused. The SDK signs its tokens for 10 minutes: a token we send
 * always has 9 minutes left, so a LiveKit clock up to that far ahead of ours still accepts it.
 */
export const AUTH_HEADER_REUSE_MS = 60_000;

/**
 * The SDK signs a new access token (an HS256 JWT through WebCrypto) before every call; on a
 * start or a stop that is a noticeable part of our own time. The same grant gets the same
 * token, so each grant's header is kept for AUTH_HEADER_REUSE_MS, then signed again.
 */
export class AuthHeaders {
  private readonly byGrant = new Map<string, { header: Promise<AuthHeader>; until: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** The header signed for this grant less than AUTH_HEADER_REUSE_MS ago, or `sign()`'s. */
  get(grant: unknown, sip: unknown, sign: () => Promise<AuthHeader>): Promise<AuthHeader> {
    const key = JSON.stringify([grant, sip ?? null]);
    const cached = this.byGrant.get(key);
    if (cached && cached.until > this.now()) return cached.header;
    const header = sign();
    this.byGrant.set(key, { header, until: this.now() + AUTH_HEADER_REUSE_MS });
    // A failed signing is not kept: the next call signs again.
    header.catch(() => {
      if (this.byGrant.get(key)?.header === header) this.byGrant.delete(key);
    });
    return header;
  }
}

/** The SDK's Egress client, reusing each grant's signed token (see AuthHeaders). */
export class LivekitEgressClient extends EgressClient {
  private readonly headers = new AuthHeaders();

  constructor(host: string, apiKey: string, secret: string, options?: ClientOptions) {
    super(host, apiKey, secret, options);
  }

  override authHeader(...args: Parameters<EgressClient['authHeader']>): Promise<AuthHeader> {
    return this.headers.get(args[0], args[1], () => super.authHeader(...args));
  }
}

/** The SDK's RoomService client, reusing each grant's signed token (see AuthHeaders). */
export class LivekitRoomServiceClient extends RoomServiceClient {
  private readonly headers = new AuthHeaders();

  constructor(host: string, apiKey: string, secret: string, options?: ClientOptions) {
    super(host, apiKey, secret, options);
  }

  override authHeader(...args: Parameters<RoomServiceClient['authHeader']>): Promise<AuthHeader> {
    return this.headers.get(args[0], args[1], () => super.authHeader(...args));
  }
}
