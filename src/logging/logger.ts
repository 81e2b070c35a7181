import pino, { Logger } from 'pino';

/**
 * Structured JSON logs. Personal data and secrets never belong in a log line; the redact
 * list is a safety net for fields that might slip into a logged object anyway.
 */
const REDACT = [
  'email',
  '*.email',
  'token',
  '*.token',
  'password',
  '*.password',
  'secret',
  '*.secret',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
];

const root: Logger = pino({
  level: process.env.LOG_LEVEL || (process.env.NODE_ENV === 'test' ? 'silent' : 'info'),
  redact: { paths: REDACT, censor: '[redacted]' },
});

/** Children share the root's level, so setting it once after config load applies everywhere. */
export function setLogLevel(level: string): void {
  root.level = level;
}

export function logger(): Logger {
  return root;
}

export function childLogger(component: string): Logger {
  return root.child({ component });
}
