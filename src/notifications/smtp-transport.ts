import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import type { AppConfig } from '../config/config';

export type EmailConfig = AppConfig['email'];
export type SmtpTransporter = Transporter<SMTPPool.SentMessageInfo, SMTPPool.Options>;

/** A bad SMTP setting; the message names the variable and never echoes its value (it may hold a password). */
export class SmtpConfigError extends Error {}

interface SmtpTarget {
  host: string;
  port: number;
  /** Implicit TLS from the first byte (smtps, port 465). */
  secure: boolean;
  /** STARTTLS is mandatory; without it nodemailer still upgrades when the server offers it. */
  requireTLS: boolean;
  user: string | undefined;
  password: string | undefined;
}

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'on']);

/**
 * EMAIL_URL schemes: `smtp://` (port 25), `smtp+tls://` or `submission://` (STARTTLS
 * required, port 587), `smtps://` or `smtp+ssl://` (implicit TLS, port 465). The
 * `?tls=true` / `?ssl=true` query flags of Django's dj-email-url are understood too.
 */
function targetFromUrl(value: string): SmtpTarget {
  const invalid = () =>
    new SmtpConfigError('EMAIL_URL: expected smtp://[user:password@]host[:port] (or smtps://, smtp+tls://)');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid();
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
      throw invalid();
  }
  // WHATWG URL keeps the brackets of an IPv6 literal; sockets want the bare address.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) throw invalid();
  const port = url.port ? Number(url.port) : secure ? 465 : requireTLS ? 587 : 25;
  let user: string | undefined;
  let password: string | undefined;
  try {
    user = url.username ? decodeURIComponent(url.username) : undefined;
    password = url.password ? decodeURIComponent(url.password) : undefined;
  } catch {
    throw new SmtpConfigError('EMAIL_URL: the user or password is not valid percent-encoding');
  }
  return { host, port, secure, requireTLS, user, password };
}

function targetFromSettings(email: EmailConfig): SmtpTarget | null {
  if (!email.host) return null;
  if (email.useTls && email.useSsl) {
    throw new SmtpConfigError('EMAIL_USE_SSL: set either EMAIL_USE_TLS (STARTTLS) or EMAIL_USE_SSL (implicit TLS), not both');
  }
  return {
    host: email.host,
    port: email.port ?? (email.useSsl ? 465 : email.useTls ? 587 : 25),
    secure: email.useSsl,
    requireTLS: email.useTls,
    user: email.user,
    password: email.password,
  };
}

/** EMAIL_URL wins over EMAIL_HOST & co.; null when neither is set. */
function smtpTarget(email: EmailConfig): SmtpTarget | null {
  return email.url ? targetFromUrl(email.url) : targetFromSettings(email);
}

/** The nodemailer options for the configured server, or null when SMTP is not configured. */
export function smtpTransportOptions(email: EmailConfig): SMTPPool.Options | null {
  const target = smtpTarget(email);
  if (!target) return null;
  return {
    // A few kept-alive connections instead of one TCP + TLS + AUTH dialogue per email.
    pool: true,
    maxConnections: 5,
    maxMessages: 100,
    host: target.host,
    port: target.port,
    secure: target.secure,
    requireTLS: target.requireTLS,
    auth: target.user !== undefined ? { user: target.user, pass: target.password ?? '' } : undefined,
    tls: { minVersion: 'TLSv1.2' },
    // Every network step is bounded: TCP connect, the 220 greeting, DNS, and any silence mid-dialogue.
    connectionTimeout: email.timeoutMs,
    greetingTimeout: email.timeoutMs,
    socketTimeout: email.timeoutMs,
    dnsTimeout: email.timeoutMs,
    // Messages are built from our own data: never let a field make nodemailer read files or fetch URLs.
    disableFileAccess: true,
    disableUrlAccess: true,
    logger: false,
  };
}

/** A nodemailer transport for the configured SMTP server, or null when SMTP is not configured. */
export function createSmtpTransport(email: EmailConfig): SmtpTransporter | null {
  const options = smtpTransportOptions(email);
  return options ? nodemailer.createTransport(options) : null;
}

/** One line for logs, without credentials: e.g. `smtp mail.example.org:587 (STARTTLS, login)`. */
export function describeSmtpTarget(email: EmailConfig): string {
  const target = smtpTarget(email);
  if (!target) return 'SMTP not configured';
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  const notes = [target.requireTLS ? 'STARTTLS' : undefined, target.user !== undefined ? 'login' : undefined].filter(
    (n): n is string => n !== undefined,
  );
  return `${target.secure ? 'smtps' : 'smtp'} ${host}:${target.port}${notes.length ? ` (${notes.join(', ')})` : ''}`;
}
