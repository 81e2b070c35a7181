import net from 'node:net';
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

/** A message the test server accepted, parsed with mailparser. */
export interface ReceivedMessage {
  /** Envelope recipients (RCPT TO), lower-cased: where the message was actually delivered. */
  to: string[];
  /** Envelope sender (MAIL FROM). */
  from: string;
  /** Addresses of the To: header. */
  headerTo: string[];
  subject: string;
  text: string;
  /** '' when the message has no HTML part. */
  html: string;
  messageId: string;
  /** The message exactly as received (headers and MIME body). */
  raw: string;
}

export interface SmtpRejection {
  /** SMTP reply code sent after DATA: 4xx (temporary, the sender should retry) or 5xx (permanent). */
  code: number;
  message?: string;
  /** Reject this many messages, then accept again; unset: until acceptAll(). */
  count?: number;
}

export interface StartSmtpServerOptions {
  /** Require AUTH with exactly these credentials (over plain TCP: it is a test). Unset: AUTH optional, any login accepted. */
  auth?: { user: string; pass: string };
  /** Start in rejecting mode. */
  reject?: SmtpRejection;
}

export interface TestSmtpServer {
  readonly host: string;
  readonly port: number;
  /** `smtp://127.0.0.1:<port>` (with the credentials when `auth` was given). */
  readonly url: string;
  /** Settings for loadConfig(): EMAIL_HOST, EMAIL_PORT (and the login when `auth` was given). */
  readonly env: Record<string, string>;
  /** Accepted messages, in arrival order. */
  readonly messages: readonly ReceivedMessage[];
  /** How many messages were refused by a rejection. */
  readonly rejectedCount: number;
  /** Resolves with the messages once at least `count` were accepted; rejects after `timeoutMs`. */
  waitForMessages(count: number, timeoutMs?: number): Promise<ReceivedMessage[]>;
  /** Answer the next messages with `code` (see SmtpRejection). */
  rejectWith(code: number, message?: string, count?: number): void;
  acceptAll(): void;
  /** Forget the messages received so far. */
  clear(): void;
  /** Stop listening and cut open connections (an SMTP outage); received messages are kept. */
  stop(): Promise<void>;
  /** Listen again on the same port. */
  restart(): Promise<void>;
}

const HOST = '127.0.0.1';
/** How long stop() lets open sessions finish before cutting them. */
const CLOSE_GRACE_MS = 200;

interface Waiter {
  count: number;
  resolve: (messages: ReceivedMessage[]) => void;
}

function addresses(value: AddressObject | AddressObject[] | undefined): string[] {
  const list = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return list.flatMap((a) => a.value.map((v) => v.address ?? '')).filter((a) => a !== '');
}

function smtpError(code: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode: code });
}

/** A real SMTP server (smtp-server) on 127.0.0.1 and a random port, without TLS. */
export async function startSmtpServer(options: StartSmtpServerOptions = {}): Promise<TestSmtpServer> {
  const received: ReceivedMessage[] = [];
  const waiters = new Set<Waiter>();
  let rejection: SmtpRejection | undefined = options.reject ? { ...options.reject } : undefined;
  let rejectedCount = 0;
  let port = 0;
  let server: SMTPServer | undefined;

  const notify = () => {
    for (const w of [...waiters]) {
      if (received.length >= w.count) {
        waiters.delete(w);
        w.resolve([...received]);
      }
    }
  };

  const onData = (
    stream: SMTPServerDataStream,
    session: SMTPServerSession,
    callback: (err?: Error | null, message?: string) => void,
  ) => {
    const chunks: Buffer[] = [];
    let answered = false;
    const answer = (err: Error | null, message?: string) => {
      if (answered) return;
      answered = true;
      callback(err, message);
    };
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('error', (err) => answer(err));
    stream.on('end', () => {
      if (rejection) {
        const { code, message } = rejection;
        if (rejection.count !== undefined && --rejection.count <= 0) rejection = undefined;
        rejectedCount += 1;
        answer(smtpError(code, message ?? (code < 500 ? 'Try again later' : 'Message refused')));
        return;
      }
      const raw = Buffer.concat(chunks);
      // Answer 250 only once the message is parsed and stored, so a resolved sendMail()
      // means the message is already in `messages`.
      simpleParser(raw)
        .then((mail) => {
          received.push({
            to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            headerTo: addresses(mail.to),
            subject: mail.subject ?? '',
            text: mail.text ?? '',
            html: typeof mail.html === 'string' ? mail.html : '',
            messageId: mail.messageId ?? '',
            raw: raw.toString('utf8'),
          });
          notify();
          answer(null, `Queued as test-${received.length}`);
        })
        .catch((err: Error) => answer(smtpError(451, `Could not parse the message: ${err.message}`)));
    });
  };

  const create = () => {
    const s = new SMTPServer({
      logger: false,
      disabledCommands: ['STARTTLS'],
      authOptional: !options.auth,
      allowInsecureAuth: true,
      closeTimeout: CLOSE_GRACE_MS,
      onAuth(auth, _session, callback) {
        if (!options.auth || (auth.username === options.auth.user && auth.password === options.auth.pass)) {
          callback(null, { user: auth.username });
        } else {
          callback(smtpError(535, 'Authentication failed'));
        }
      },
      onData,
    });
    // Client sockets reset by an outage surface here; without a listener they would crash the test.
    s.on('error', () => undefined);
    return s;
  };

  const listen = (s: SMTPServer, wanted: number) =>
    new Promise<number>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      s.server.once('error', onError);
      s.listen(wanted, HOST, () => {
        s.server.off('error', onError);
        resolve((s.server.address() as net.AddressInfo).port);
      });
    });

  const close = (s: SMTPServer) => new Promise<void>((resolve) => s.close(() => resolve()));

  server = create();
  port = await listen(server, 0);

  const auth = options.auth;
  const credentials = auth ? `${encodeURIComponent(auth.user)}:${encodeURIComponent(auth.pass)}@` : '';

  return {
    host: HOST,
    get port() {
      return port;
    },
    get url() {
      return `smtp://${credentials}${HOST}:${port}`;
    },
    get env() {
      const env: Record<string, string> = { EMAIL_HOST: HOST, EMAIL_PORT: String(port) };
      if (auth) Object.assign(env, { EMAIL_HOST_USER: auth.user, EMAIL_HOST_PASSWORD: auth.pass });
      return env;
    },
    get messages() {
      return received;
    },
    get rejectedCount() {
      return rejectedCount;
    },
    waitForMessages(count, timeoutMs = 5000) {
      if (received.length >= count) return Promise.resolve([...received]);
      return new Promise<ReceivedMessage[]>((resolve, reject) => {
        const waiter: Waiter = {
          count,
          resolve: (messages) => {
            clearTimeout(timer);
            resolve(messages);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`expected ${count} message(s) within ${timeoutMs} ms, got ${received.length}`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    rejectWith(code, message, count) {
      rejection = { code, message, count };
    },
    acceptAll() {
      rejection = undefined;
    },
    clear() {
      received.length = 0;
    },
    async stop() {
      if (!server) return;
      const s = server;
      server = undefined;
      await close(s);
    },
    async restart() {
      if (server) {
        const s = server;
        server = undefined;
        await close(s);
      }
      const s = create();
      // Node listens with SO_REUSEADDR, so the port is free again right after close.
      await listen(s, port);
      server = s;
    },
  };
}

export interface SilentTcpServer {
  readonly port: number;
  stop(): Promise<void>;
}

/** Accepts TCP connections and never says a word: an SMTP server that hangs before its greeting. */
export async function startSilentTcpServer(): Promise<SilentTcpServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
