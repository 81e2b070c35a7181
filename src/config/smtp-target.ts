/** The SMTP server to send through, read from EMAIL_URL or EMAIL_HOST & co. */
export interface SmtpTarget {
  host: string;
  port: number;
  /** Implicit TLS from the first byte (smtps, port 465). */
  secure: boolean;
  /** STARTTLS is mandatory; without it nodemailer still upgrades when the server offers it. */
  requireTLS: boolean;
  user: string | undefined;
  password: string | undefined;
}

/** A bad SMTP setting: the message names the variable and never echoes its value (it may hold a password). */
export type SmtpProblem = { variable: 'EMAIL_URL' | 'EMAIL_USE_SSL'; message: string };

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'on']);
const URL_SHAPE = 'expected smtp://[user:password@]host[:port] (or smtps://, smtp+tls://)';

/**
 * EMAIL_URL schemes: `smtp://` (port 25), `smtp+tls://` or `submission://` (STARTTLS
 * required, port 587), `smtps://` or `smtp+ssl://` (implicit TLS, port 465). The
 * `?tls=true` / `?ssl=true` query flags of Django's dj-email-url are understood too.
 */
export function targetFromUrl(value: string): SmtpTarget | SmtpProblem {
  const invalid: SmtpProblem = { variable: 'EMAIL_URL', message: URL_SHAPE };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return invalid;
  }
  const flag = (name: string) => TRUE_WORDS.has((url.searchParams.get(name) ?? '').trim().toLowerCase());
  let secure: boolean;
  let requireTLS: boolean;
  switch (url.protocol) {
    case 'smtp:':
      secure = flag('ssl');
      requireTLS = !secure && flag('tls');
      break;
    case 'smtp+tls:':
    case 'submission:':
      secure = false;
      requireTLS = true;
      break;
    case 'smtps:':
    case 'smtp+ssl:':
      secure = true;
      requireTLS = false;
      break;
    default:
      return invalid;
  }
  // WHATWG URL keeps the brackets of an IPv6 literal; sockets want the bare address.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) return invalid;
  const port = url.port ? Number(url.port) : secure ? 465 : requireTLS ? 587 : 25;
  try {
    const user = url.username ? decodeURIComponent(url.username) : undefined;
    const password = url.password ? decodeURIComponent(url.password) : undefined;
    return { host, port, secure, requireTLS, user, password };
  } catch {
    return { variable: 'EMAIL_URL', message: 'the user or password is not valid percent-encoding' };
  }
}

export interface SmtpSettings {
  host: string | undefined;
  port: number | undefined;
  user: string | undefined;
  password: string | undefined;
  useTls: boolean;
  useSsl: boolean;
}

export function targetFromSettings(s: SmtpSettings): SmtpTarget | SmtpProblem | null {
  if (!s.host) return null;
  if (s.useTls && s.useSsl) {
    return { variable: 'EMAIL_USE_SSL', message: 'set either EMAIL_USE_TLS (STARTTLS) or EMAIL_USE_SSL (implicit TLS), not both' };
  }
  return {
    host: s.host,
    port: s.port ?? (s.useSsl ? 465 : s.useTls ? 587 : 25),
    secure: s.useSsl,
    requireTLS: s.useTls,
    user: s.user,
    password: s.password,
  };
}

export function isProblem(value: SmtpTarget | SmtpProblem | null): value is SmtpProblem {
  return value !== null && 'variable' in value;
}
