import 'dotenv/config';
import { ConfigError } from '../config/config';
import { USAGE, UsageError, userToken } from './user-token';

// `npm run token -- --room R --role owner --sub S`: prints a user JWT; exit 2 on bad arguments or settings.
try {
  process.stdout.write(`${userToken(process.argv.slice(2), process.env)}\n`);
} catch (err) {
  const usage = err instanceof UsageError || String((err as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS');
  const prefix = err instanceof ConfigError ? 'Configuration error: ' : usage ? '' : 'token: ';
  process.stderr.write(`${prefix}${(err as Error).message}\n${usage ? `${USAGE}\n` : ''}`);
  process.exit(2);
}
