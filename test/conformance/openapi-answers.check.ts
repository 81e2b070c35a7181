import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { buildOpenApiDocument } from '../../src/api/openapi/document';
import type { RecordedAnswer } from '../helpers/answer-recorder';
import { normalizePath } from '../helpers/app-routes';

/**
 * Runs after the whole suite (scripts/test.sh): every answer the test services gave, as
 * recorded by test/helpers/answer-recorder.ts, must be documented in the OpenAPI document
 * (method, path, status) and its JSON body must match the documented schema.
 */
const dir = process.env.OPENAPI_RECORD_DIR;

type Op = { responses: Record<string, { content?: Record<string, { schema?: object }> }> };

const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addFormat('uuid', /^[0-9a-f-]{36}$/i);
ajv.addFormat('date-time', (s: string) => !Number.isNaN(Date.parse(s)));
ajv.addFormat('uri', (s: string) => URL.canParse(s));

function answers(): RecordedAnswer[] {
  if (!dir || !existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .flatMap((f) => readFileSync(path.join(dir, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as RecordedAnswer));
}

/** Development mode's own pages (the landing page, the mailbox, media without nginx) are not the API. */
function isDevelopmentRoute(route: string): boolean {
  return route === '/' || route.startsWith('/dev/') || route === '/dev' || route.startsWith('/media/');
}

it('every answer the test suite received is documented and matches its schema', () => {
  expect(dir).toBeDefined();
  const doc = buildOpenApiDocument() as unknown as { paths: Record<string, Record<string, Op>> };
  const ops = new Map<string, Op>();
  for (const [p, byMethod] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(byMethod)) ops.set(`${method} ${normalizePath(p)}`, op);
  }
  const validators = new Map<object, ReturnType<typeof ajv.compile>>();
  const problems = new Set<string>();
  let checked = 0;
  for (const a of answers()) {
    if (a.route === null) continue; // no route matched: the generic 404, not an operation
    const method = a.method === 'head' ? 'get' : a.method;
    const route = normalizePath(a.route);
    if (isDevelopmentRoute(route)) continue;
    const op = ops.get(`${method} ${route}`) ?? (route === '/api/v1.0/recordings/media-auth' ? ops.get(`get ${route}`) : undefined);
    if (!op) {
      problems.add(`${method.toUpperCase()} ${route}: not in the document`);
      continue;
    }
    const response = op.responses[String(a.status)];
    if (!response) {
      problems.add(`${method.toUpperCase()} ${route} answered ${a.status}: not documented`);
      continue;
    }
    const schema = response.content?.['application/json']?.schema;
    if (schema && a.contentType.includes('json') && a.body !== '') {
      let validate = validators.get(schema);
      if (!validate) validators.set(schema, (validate = ajv.compile(schema)));
      if (!validate(JSON.parse(a.body))) {
        problems.add(`${method.toUpperCase()} ${route} ${a.status}: ${ajv.errorsText(validate.errors)}`);
      }
    }
    checked += 1;
  }
  expect([...problems]).toEqual([]);
  // The suite makes thousands of requests; a handful would mean the recorder is not wired.
  expect(checked).toBeGreaterThan(500);
  console.log(`OpenAPI conformance: ${checked} recorded answers checked`);
});
