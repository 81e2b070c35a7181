import type { FakeLivekitServer } from '../fakes/livekit-server';
import { startFakeLivekit } from './livekit-env';
import { startTestService, type TestService } from './service';
import { startSmtpServer, type TestSmtpServer } from './smtp';

export interface TestStack {
  svc: TestService;
  livekit: FakeLivekitServer;
  smtp: TestSmtpServer;
  close(): Promise<void>;
}

/** The usual test set-up: a fake LiveKit, a real SMTP server and the real service wired to both. */
export async function startStack(env: Record<string, string> = {}): Promise<TestStack> {
  const { livekit, env: livekitEnv } = await startFakeLivekit();
  const smtp = await startSmtpServer();
  const svc = await startTestService({ ...livekitEnv, ...smtp.env, EMAIL_POLL_INTERVAL_MS: '100', ...env });
  return {
    svc,
    livekit,
    smtp,
    async close() {
      await svc.close();
      await livekit.close();
      await smtp.stop();
    },
  };
}
