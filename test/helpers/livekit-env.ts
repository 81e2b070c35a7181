import { FakeLivekitServer } from '../fakes/livekit-server';

export const LK_KEY = 'APItestkey';
export const LK_SECRET = 'livekit-test-secret-0123456789abcdef';

/** A fake LiveKit and the settings that point the service at it (storage settings are what egress uploads to). */
export async function startFakeLivekit(): Promise<{ livekit: FakeLivekitServer; env: Record<string, string> }> {
  const livekit = await FakeLivekitServer.start({ apiKey: LK_KEY, apiSecret: LK_SECRET });
  return {
    livekit,
    env: {
      LIVEKIT_API_URL: livekit.url,
      LIVEKIT_API_KEY: LK_KEY,
      LIVEKIT_API_SECRET: LK_SECRET,
      AWS_S3_ENDPOINT_URL: 'http://127.0.0.1:9',
      AWS_S3_ACCESS_KEY_ID: 'minio-access',
      AWS_S3_SECRET_ACCESS_KEY: 'minio-secret-key',
      AWS_STORAGE_BUCKET_NAME: 'meet-media-storage',
      WORKER_TIMEOUT_MS: '1500',
    },
  };
}
