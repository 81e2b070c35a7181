import { concern } from './concern';
import { envString, envUrl, requireTogether } from './env-parsers';

/** The LiveKit server: its API (Egress, RoomService) and the key that signs its webhooks. */
export const livekitConcern = concern(
  {
    LIVEKIT_API_URL: envUrl(),
    LIVEKIT_API_KEY: envString(),
    LIVEKIT_API_SECRET: envString(),
  },
  (env, ctx) =>
    requireTogether(ctx, env, ['LIVEKIT_API_URL', 'LIVEKIT_API_KEY', 'LIVEKIT_API_SECRET'], 'LiveKit')
      ? { url: env.LIVEKIT_API_URL!, apiKey: env.LIVEKIT_API_KEY!, apiSecret: env.LIVEKIT_API_SECRET! }
      : undefined,
);
