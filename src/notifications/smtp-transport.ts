import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import type { AppConfig } from '../config/config';

export type EmailConfig = AppConfig['email'];
export type SmtpTransporter = Transporter<SMTPPool.SentMessageInfo, SMTPPool.Options>;

/** The nodemailer options for the configured server, or null when SMTP is not configured. */
export function smtpTransportOptions(email: EmailConfig): SMTPPool.Options | null {
  const target = email.smtp;
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
  const target = email.smtp;
  if (!target) return 'SMTP not configured';
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  const notes = [target.requireTLS ? 'STARTTLS' : undefined, target.user !== undefined ? 'login' : undefined].filter(
    (n): n is string => n !== undefined,
  );
  return `${target.secure ? 'smtps' : 'smtp'} ${host}:${target.port}${notes.length ? ` (${notes.join(', ')})` : ''}`;
}
