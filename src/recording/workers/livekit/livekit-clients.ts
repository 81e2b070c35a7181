import { EgressClient, RoomServiceClient } from 'livekit-server-sdk';
import { TwirpTransport, type TwirpCaller } from './twirp-transport';

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

/** Who calls LiveKit, in its logs: the SDK's requests, sent by this project's transport. */
export const USER_AGENT = 'livekit-server-sdk-node (recording-orchestrator)';

type AuthHeaderArgs = Parameters<EgressClient['authHeader']>;
type ClientArgs = ConstructorParameters<typeof EgressClient>;
// A mixin's base must take any constructor arguments (TypeScript's rule for mixins).
type ServiceClient = new (...args: any[]) => { authHeader(...args: AuthHeaderArgs): Promise<AuthHeader> };

/**
 * The SDK client `Base`, reusing each grant's signed token (see AuthHeaders) and calling LiveKit
 * through TwirpTransport. The SDK keeps its transport in a private `rpc` field; it is replaced
 * here, and a construction fails loudly if a new SDK version no longer has it.
 */
function ourLivekitClient<Base extends ServiceClient>(base: Base) {
  return class extends base {
    private readonly headers = new AuthHeaders();

    constructor(...args: any[]) {
      super(...args);
      const [host, , , options] = args as ClientArgs;
      const self = this as unknown as { rpc?: TwirpCaller };
      if (typeof self.rpc?.request !== 'function') throw new Error('livekit-server-sdk: the client has no `rpc` transport to replace');
      self.rpc = new TwirpTransport(host, { timeoutSeconds: options?.requestTimeout, userAgent: USER_AGENT });
    }

    override authHeader(...args: AuthHeaderArgs): Promise<AuthHeader> {
      return this.headers.get(args[0], args[1], () => super.authHeader(...args));
    }
  };
}

/** The SDK's Egress client, reusing each grant's signed token, over TwirpTransport. */
export const LivekitEgressClient = ourLivekitClient(EgressClient);
/** The SDK's RoomService client, reusing each grant's signed token, over TwirpTransport. */
export const LivekitRoomServiceClient = ourLivekitClient(RoomServiceClient);
