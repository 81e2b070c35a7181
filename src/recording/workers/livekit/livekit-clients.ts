import { EgressClient, RoomServiceClient } from 'livekit-server-sdk';

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

type AuthHeaderArgs = Parameters<EgressClient['authHeader']>;
// A mixin's base must take any constructor arguments (TypeScript's rule for mixins).
type ServiceClient = new (...args: any[]) => { authHeader(...args: AuthHeaderArgs): Promise<AuthHeader> };

/**
 * The SDK client `Base`, reusing each grant's signed token (see AuthHeaders) through its public
 * `authHeader`. Everything else is the SDK's own: its requests over Node's fetch (whose default
 * dispatcher keeps connections alive), each bounded by ClientOptions.requestTimeout.
 */
function ourLivekitClient<Base extends ServiceClient>(base: Base) {
  return class extends base {
    private readonly headers = new AuthHeaders();

    override authHeader(...args: AuthHeaderArgs): Promise<AuthHeader> {
      return this.headers.get(args[0], args[1], () => super.authHeader(...args));
    }
  };
}

/** The SDK's Egress client, reusing each grant's signed token. */
export const LivekitEgressClient = ourLivekitClient(EgressClient);
/** The SDK's RoomService client, reusing each grant's signed token. */
export const LivekitRoomServiceClient = ourLivekitClient(RoomServiceClient);
