import 'dotenv/config';
import { ConfigError, loadConfig } from './config/config';
import { setLogLevel, logger } from './logging/logger';
import { SmtpConfigError, smtpTransportOptions } from './notifications/smtp-transport';
import { startServer } from './server/start-server';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
    // SMTP settings are parsed by the transport module; check them now, before any start-up work.
    smtpTransportOptions(config.email);
  } catch (err) {
    if (err instanceof ConfigError || err instanceof SmtpConfigError) {
      console.error(`Configuration error: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  setLogLevel(config.logLevel);
  const running = await startServer(config);
  let signals = 0;
  const onSignal = (signal: string) => {
    signals += 1;
    if (signals > 1) process.exit(1);
    logger().info({ signal }, 'signal received');
    running.shutdown().then(
      () => process.exit(0),
      (err: unknown) => {
        logger().error({ err: err instanceof Error ? err.message : String(err) }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
}

main().catch((err: unknown) => {
  console.error(`Startup failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
