import type { AddressInfo } from 'node:net';
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream } from 'smtp-server';
import type { SmtpTarget } from '../config/smtp-target';
import { childLogger } from '../logging/logger';
import { withTimeout } from '../util/with-timeout';
import { KEPT_MESSAGES } from './mail-kept';

const log = childLogger('dev-mail');

/** A message the capture accepted. */
export interface CapturedMail {
  /** 1 for the first message since start-up, then 2, 3…: its address under /dev/mail/. */
  n: number;
  receivedAt: Date;
  subject: string;
  from: string;
  to: string[];
  /** '' when the message has no such part. */
  html: string;
  text: string;
}

/** A notification is a few dozen KB; anything larger is refused. */
const MAX_MESSAGE_BYTES = 1024 * 1024;
const CLOSE_TIMEOUT_MS = 5_000;

function addresses(value: AddressObject | AddressObject[] | undefined): string[] {
  const list = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return list.flatMap((a) => a.value.map((v) => v.address ?? '')).filter((a) => a !== '');
}

/**
 * An SMTP server in this process (smtp-server, parsed with mailparser) for development mode
 * without EMAIL_URL/EMAIL_HOST: the service sends through it as through any SMTP server, and
 * the messages stay in memory for /dev/mail. Listens on 127.0.0.1 only, without TLS or login.
 */
export class MailCapture {
  private readonly kept: CapturedMail[] = [];
  private count = 0;

  private constructor(
    private readonly server: SMTPServer,
    readonly port: number,
  ) {}

  static async start(): Promise<MailCapture> {
    let capture: MailCapture | undefined;
    const server = new SMTPServer({
      // STARTTLS would offer a self-signed certificate that the service rightly refuses.
      disabledCommands: ['STARTTLS', 'AUTH'],
      authOptional: true,
      size: MAX_MESSAGE_BYTES,
      banner: 'development mail capture',
      logger: false,
      onData(stream: SMTPServerDataStream, _session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          if (stream.sizeExceeded) return callback(Object.assign(new Error('message too large'), { responseCode: 552 }));
          simpleParser(Buffer.concat(chunks)).then(
            (parsed) => {
              capture?.keep({
                receivedAt: parsed.date ?? new Date(),
                subject: parsed.subject ?? '',
                from: addresses(parsed.from)[0] ?? '',
                to: addresses(parsed.to),
                html: typeof parsed.html === 'string' ? parsed.html : '',
                text: parsed.text ?? '',
              });
              callback();
            },
            (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
          );
        });
      },
    });
    server.on('error', (err) => log.warn({ err: err.message }, 'mail capture error'));
    const port = await new Promise<number>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve((server.server.address() as AddressInfo).port));
    });
    capture = new MailCapture(server, port);
    log.info({ port }, 'mail capture listening');
    return capture;
  }

  /** Where the service sends: plain SMTP on 127.0.0.1. */
  get target(): SmtpTarget {
    return { host: '127.0.0.1', port: this.port, secure: false, requireTLS: false, user: undefined, password: undefined };
  }

  private keep(message: Omit<CapturedMail, 'n'>): void {
    this.count += 1;
    this.kept.push({ ...message, n: this.count });
    if (this.kept.length > KEPT_MESSAGES) this.kept.shift();
  }

  /** Newest first. */
  list(): readonly CapturedMail[] {
    return [...this.kept].reverse();
  }

  get(n: number): CapturedMail | undefined {
    return this.kept.find((m) => m.n === n);
  }

  async stop(): Promise<void> {
    await withTimeout(new Promise<void>((resolve) => this.server.close(() => resolve())), CLOSE_TIMEOUT_MS, 'mail capture close').catch(() => undefined);
  }
}
