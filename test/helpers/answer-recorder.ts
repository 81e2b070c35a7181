import { appendFileSync, mkdirSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import path from 'node:path';

const MAX_BODY = 64 * 1024;

export interface RecordedAnswer {
  method: string;
  /** The matched route pattern (e.g. `/api/v1.0/recordings/:id`), or null when no route matched. */
  route: string | null;
  path: string;
  status: number;
  contentType: string;
  body: string;
}

/**
 * When OPENAPI_RECORD_DIR is set (scripts/test.sh sets it), writes every answer a test
 * service gives to a JSON-lines file there, so that after the suite
 * test/conformance/openapi-answers.check.ts can validate all of them against the OpenAPI
 * document. It observes the real server's answers; it changes nothing in them.
 */
export function recordAnswers(server: Server): void {
  const dir = process.env.OPENAPI_RECORD_DIR;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `answers-${process.pid}.jsonl`);
  const listeners = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const keep = (chunk: unknown) => {
      if (size > MAX_BODY || chunk === undefined || chunk === null || typeof chunk === 'function') return;
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
      size += buf.length;
      chunks.push(buf);
    };
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    res.write = ((chunk: unknown, ...rest: unknown[]) => {
      keep(chunk);
      return write(chunk, ...rest);
    }) as ServerResponse['write'];
    res.end = ((chunk?: unknown, ...rest: unknown[]) => {
      keep(chunk);
      return end(chunk, ...rest);
    }) as ServerResponse['end'];
    res.on('finish', () => {
      const expressReq = req as IncomingMessage & { route?: { path?: unknown }; baseUrl?: string };
      const routePath = expressReq.route?.path;
      const answer: RecordedAnswer = {
        method: (req.method ?? 'GET').toLowerCase(),
        route: typeof routePath === 'string' ? `${expressReq.baseUrl ?? ''}${routePath}` : null,
        path: (req.url ?? '').split('?')[0]!,
        status: res.statusCode,
        contentType: String(res.getHeader('content-type') ?? ''),
        body: size > MAX_BODY ? '' : Buffer.concat(chunks).toString('utf8'),
      };
      appendFileSync(file, `${JSON.stringify(answer)}\n`);
    });
    for (const listener of listeners) listener(req, res);
  });
}
