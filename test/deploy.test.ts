/**
 * The deployment recipes agree with the service: Dockerfile, docker-compose.yml, .env.example,
 * deploy/minio/setup.sh, deploy/livekit/*.yaml, deploy/k8s/*.yaml and nginx/recordings.conf use
 * the service's routes, port, probes and setting names (envSchema), and each other's names.
 * docker-compose (1.29, Debian package) validates the compose file when it is installed; it is
 * required in CI, where scripts/test.sh installs it.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import dotenv from 'dotenv';
import { loadConfig, SETTING_NAMES } from '../src/config/config';
import { LIFECYCLE_RULE_ID } from '../src/storage/bucket-lifecycle';
import { RETENTION_TAG_KEY, RETENTION_TAG_VALUE } from '../src/storage/retention-tag';

// js-yaml is in node_modules through @apidevtools/swagger-parser (dev); it has no bundled types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml = require('js-yaml') as { load(text: string): unknown; loadAll(text: string): unknown[] };

const ROOT = path.resolve(__dirname, '..');
const read = (rel: string): string => fs.readFileSync(path.join(ROOT, rel), 'utf8');

/** The service's routes that other programs call (docs/api.md, Endpoints for the platform). */
const ROUTES = {
  storageHook: '/api/v1.0/recordings/storage-hook/',
  livekitWebhook: '/api/v1.0/rooms/webhooks-livekit/',
  /** Jibri's status webhook as a stock Jibri reaches it: no header, the token is a path segment. */
  jibriStatusWithToken: (token: string) => `/api/v1.0/rooms/webhooks-jibri/${encodeURIComponent(token)}/v1/status`,
  health: '/health',
  ready: '/ready',
};

/** The port the service listens on by default (loadConfig with nothing set). */
const SERVICE_PORT = loadConfig({}).server.port;
const SCHEMA_KEYS = new Set(SETTING_NAMES);
const COMPOSE_ONLY_MARKER = '# ============================================================ Compose only';

type Dict = Record<string, unknown>;
const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v);
function dict(v: unknown, what: string): Dict {
  if (!isDict(v)) throw new Error(`${what}: expected a mapping`);
  return v;
}
function list(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw new Error(`${what}: expected a list`);
  return v;
}
const str = (v: unknown): string => (typeof v === 'string' ? v : String(v));

// ------------------------------------------------------------------ .env.example
const exampleText = read('.env.example');
const markerAt = exampleText.indexOf(COMPOSE_ONLY_MARKER);
const serviceExample = dotenv.parse(exampleText.slice(0, markerAt < 0 ? undefined : markerAt));
const composeOnlyExample = markerAt < 0 ? {} : dotenv.parse(exampleText.slice(markerAt));
const example: Record<string, string> = { ...serviceExample, ...composeOnlyExample };

// ------------------------------------------------------------------ docker-compose.yml
const composeText = read('docker-compose.yml');
const compose = dict(yaml.load(composeText), 'docker-compose.yml');
const services = dict(compose.services, 'services');
const serviceNames = new Set(Object.keys(services));
const service = (name: string): Dict => dict(services[name], `service ${name}`);

/** Compose's variable substitution: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?err}, $VAR, $$. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (match, name: string | undefined, colon: string | undefined, op: string | undefined, arg: string | undefined, bare: string | undefined) => {
      if (match === '$$') return '$';
      const key = (name ?? bare)!;
      const value = env[key];
      const missing = value === undefined || (colon === ':' && value === '');
      if (op === '-' && missing) return arg ?? '';
      if (op === '?' && missing) throw new Error(`${key}: ${arg}`);
      return value ?? '';
    },
  );
}

/** A service's environment (mapping or KEY=value list), raw. */
function rawEnvironment(name: string): Record<string, string> {
  const env = service(name).environment;
  if (env === undefined) return {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((e) => str(e).split(/=(.*)/s).slice(0, 2) as [string, string]));
  }
  return Object.fromEntries(Object.entries(dict(env, `${name}.environment`)).map(([k, v]) => [k, v == null ? '' : str(v)]));
}
/** A service's environment as the container gets it with .env = .env.example. */
function environment(name: string): Record<string, string> {
  return Object.fromEntries(Object.entries(rawEnvironment(name)).map(([k, v]) => [k, interpolate(v, example)]));
}
/** Container ports a service publishes (the part after the last ':' of "host:container/proto"). */
function containerPorts(name: string): number[] {
  const ports = service(name).ports;
  if (ports === undefined) return [];
  return list(ports, `${name}.ports`).map((p) => {
    const spec = interpolate(str(p), example).replace(/\/(tcp|udp)$/, '');
    return Number(spec.split(':').pop());
  });
}
function volumes(name: string): string[] {
  const v = service(name).volumes;
  return v === undefined ? [] : list(v, `${name}.volumes`).map(str);
}
function profiles(name: string): string[] {
  const p = service(name).profiles;
  return p === undefined ? [] : list(p, `${name}.profiles`).map(str);
}
/** Variables docker-compose.yml substitutes. */
const composeVariables = new Set(
  [...composeText.replace(/^\s*#.*$/gm, '').replace(/\$\$/g, '').matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)|\$([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => (m[1] ?? m[2])!),
);

// ------------------------------------------------------------------ nginx/recordings.conf
const nginxConf = read('nginx/recordings.conf');
const nginxConfNoComments = nginxConf.replace(/#.*$/gm, '');
function upstream(name: string): { host: string; port: number } {
  const m = new RegExp(`upstream\\s+${name}\\s*\\{[^}]*?\\bserver\\s+([^\\s;]+)`).exec(nginxConfNoComments);
  if (!m) throw new Error(`nginx/recordings.conf: no upstream ${name}`);
  const [host, port] = m[1]!.split(':');
  return { host: host!, port: Number(port ?? 80) };
}

const hostPort = (url: string): { host: string; port: number } => {
  const u = new URL(url);
  const port = u.port ? Number(u.port) : u.protocol === 'https:' || u.protocol === 'wss:' ? 443 : 80;
  return { host: u.hostname, port };
};

// ------------------------------------------------------------------ docker-compose binary
function onPath(bin: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, bin);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
const composeBin = onPath('docker-compose');
const runComposeTests = composeBin !== undefined || Boolean(process.env.CI);
if (!runComposeTests) {
  // eslint-disable-next-line no-console
  console.warn('[deploy.test] docker-compose not installed: skipping `docker-compose config` checks (apt-get install docker-compose; they always run in CI)');
}

describe('docker-compose config', () => {
  const itCompose = runComposeTests ? it : it.skip;
  let dir: string;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-test-'));
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Runs docker-compose with only the given env file: no shell variable or real .env leaks in. */
  function composeConfig(envFileText: string, extra: string[]): { status: number | null; out: string } {
    if (!composeBin) throw new Error('docker-compose is required in CI (scripts/test.sh installs it)');
    const envFile = path.join(dir, `env-${Math.random().toString(36).slice(2)}`);
    fs.writeFileSync(envFile, envFileText);
    const res = spawnSync(composeBin, ['-f', path.join(ROOT, 'docker-compose.yml'), '--env-file', envFile, ...extra, 'config', '-q'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, LANG: 'C.UTF-8' },
      encoding: 'utf8',
      timeout: 60000,
    });
    return { status: res.status, out: `${res.stdout ?? ''}${res.stderr ?? ''}${res.error ? String(res.error) : ''}` };
  }

  itCompose('validates with the variables of .env.example', () => {
    const res = composeConfig(exampleText, []);
    expect(res.out).toBe('');
    expect(res.status).toBe(0);
  });

  itCompose('validates with the jitsi profile', () => {
    const res = composeConfig(exampleText, ['--profile', 'jitsi']);
    expect(res.out).toBe('');
    expect(res.status).toBe(0);
  });

  itCompose('refuses to run without the secrets: none has a default in the file', () => {
    const res = composeConfig('', []);
    expect(res.status).not.toBe(0);
    expect(res.out).toMatch(/set [A-Z_]+ in \.env/);
  });
});

describe('.env.example', () => {
  it('documents every setting of envSchema, and only those, in its service part', () => {
    expect(markerAt).toBeGreaterThan(0);
    expect(Object.keys(serviceExample).filter((k) => !SCHEMA_KEYS.has(k))).toEqual([]);
    expect([...SCHEMA_KEYS].filter((k) => !(k in serviceExample))).toEqual([]);
  });

  it('lists every variable docker-compose.yml uses; its Compose-only part is used by Compose and unknown to the service', () => {
    expect([...composeVariables].filter((v) => !(v in example))).toEqual([]);
    const composeOnly = Object.keys(composeOnlyExample);
    expect(composeOnly.length).toBeGreaterThan(0);
    expect(composeOnly.filter((k) => SCHEMA_KEYS.has(k))).toEqual([]);
    expect(composeOnly.filter((k) => !composeVariables.has(k))).toEqual([]);
  });

  it('is a valid, complete configuration for the service (not development mode)', () => {
    const config = loadConfig(serviceExample);
    expect(config.auth.devMode).toBe(false);
    expect(config.storage).toBeDefined();
    expect(config.livekit).toBeDefined();
    expect(config.storageEvents.token).toBeDefined();
  });

  it('holds only placeholders for secrets', () => {
    const secretish = Object.entries(example).filter(([k]) => /PASSWORD|SECRET|TOKEN|_KEY$|KEY_ID$/.test(k));
    expect(secretish.length).toBeGreaterThan(5);
    for (const [key, value] of secretish) {
      if (value !== '') expect(`${key}=${value}`).toMatch(new RegExp(`^${key}=change-me`));
    }
  });
});

describe('docker-compose.yml', () => {
  it('has the services the recipes name', () => {
    for (const name of ['recorder', 'postgres', 'minio', 'minio-setup', 'redis', 'livekit', 'egress', 'nginx', 'mailpit']) {
      expect(serviceNames).toContain(name);
      expect(profiles(name)).toEqual([]);
    }
    for (const name of ['jitsi-web', 'prosody', 'jicofo', 'jvb', 'jibri']) {
      expect(serviceNames).toContain(name);
      expect(profiles(name)).toEqual(['jitsi']);
    }
  });

  it('passes the recorder every setting of envSchema (but HOST and DATA_DIR, the image defaults) and nothing else', () => {
    const env = rawEnvironment('recorder');
    expect(Object.keys(env).filter((k) => !SCHEMA_KEYS.has(k))).toEqual([]);
    expect([...SCHEMA_KEYS].filter((k) => !(k in env) && k !== 'HOST' && k !== 'DATA_DIR')).toEqual([]);
    // Production refuses .env.example's placeholders; with them replaced the settings load.
    expect(() => loadConfig(environment('recorder'))).toThrow(/change-me placeholder/);
    const replaced = Object.fromEntries(Object.entries(environment('recorder')).map(([k, v]) => [k, v.split('change-me').join('rotated-1')]));
    expect(() => loadConfig(replaced)).not.toThrow();
  });

  it('runs the recorder from the Dockerfile on the service port', () => {
    const recorder = service('recorder');
    expect(recorder.build).toBe('.');
    expect(environment('recorder').PORT).toBe(String(SERVICE_PORT));
    expect(containerPorts('recorder')).toEqual([SERVICE_PORT]);
  });

  it('takes secrets only from .env: secret-like values are bare ${VAR} references', () => {
    for (const name of serviceNames) {
      for (const [key, value] of Object.entries(rawEnvironment(name))) {
        if (!/PASSWORD|SECRET|TOKEN|_KEYS?$|KEY_ID$|ROOT_USER/.test(key)) continue;
        const rest = value.replace(/\$\{[A-Za-z_][A-Za-z0-9_]*(:?\?[^}]*|:-)?\}/g, '');
        expect(`${name}.${key}: ${rest}`).toMatch(/^[^:]+\.[A-Z0-9_]+: [\s:]*$/);
      }
    }
    expect(composeText).not.toMatch(/change-me/);
  });

  it('gives minio-setup the same storage settings as the recorder and the recorder service as hook target', () => {
    const setup = environment('minio-setup');
    const recorder = environment('recorder');
    const shared = Object.keys(setup).filter((k) => SCHEMA_KEYS.has(k));
    expect(shared).toEqual(
      expect.arrayContaining([
        'AWS_S3_ENDPOINT_URL',
        'AWS_S3_ACCESS_KEY_ID',
        'AWS_S3_SECRET_ACCESS_KEY',
        'AWS_STORAGE_BUCKET_NAME',
        'RECORDING_OUTPUT_FOLDER',
        'RECORDING_STORAGE_EVENT_TOKEN',
        'RECORDING_EXPIRATION_DAYS',
      ]),
    );
    for (const key of shared) expect(`${key}=${setup[key]}`).toBe(`${key}=${recorder[key]}`);
    expect(Object.keys(setup).filter((k) => !SCHEMA_KEYS.has(k)).sort()).toEqual(['MINIO_NOTIFY_QUEUE_DIR', 'RECORDER_URL']);
    expect(hostPort(setup.RECORDER_URL!)).toEqual({ host: 'recorder', port: SERVICE_PORT });
    // The queue directory lives on the minio container, in a volume.
    expect(volumes('minio').some((v) => v.endsWith(`:${setup.MINIO_NOTIFY_QUEUE_DIR}`))).toBe(true);
    // MinIO's root account is the storage key the recorder uses.
    expect(environment('minio').MINIO_ROOT_USER).toBe(recorder.AWS_S3_ACCESS_KEY_ID);
    expect(environment('minio').MINIO_ROOT_PASSWORD).toBe(recorder.AWS_S3_SECRET_ACCESS_KEY);
  });

  it('points the recorder at the compose services for storage, LiveKit and the database', () => {
    const recorder = environment('recorder');
    const storage = hostPort(recorder.AWS_S3_ENDPOINT_URL!);
    expect(storage).toEqual({ host: 'minio', port: 9000 });
    expect(hostPort(recorder.LIVEKIT_API_URL!).host).toBe('livekit');
    expect(new URL(recorder.DATABASE_URL!).hostname).toBe('postgres');
    expect(new URL(recorder.DATABASE_URL!).username).toBe(environment('postgres').POSTGRES_USER);
    expect(hostPort(recorder.EMAIL_URL!).host).toBe('mailpit');
  });
});

describe('nginx/recordings.conf', () => {
  it('has upstreams that are compose services on their ports: recorder (service port) and minio (storage endpoint)', () => {
    const recorderUpstream = upstream('recordings_service');
    const storageUpstream = upstream('recordings_storage');
    expect(`recordings_service -> ${recorderUpstream.host}:${recorderUpstream.port}`).toBe(`recordings_service -> recorder:${SERVICE_PORT}`);
    const storage = hostPort(environment('recorder').AWS_S3_ENDPOINT_URL!);
    expect(`recordings_storage -> ${storageUpstream.host}:${storageUpstream.port}`).toBe(`recordings_storage -> ${storage.host}:${storage.port}`);
    expect(serviceNames).toContain(recorderUpstream.host);
    expect(serviceNames).toContain(storageUpstream.host);
  });

  it('is what the compose nginx runs, read-only, and serves MEDIA_URL_PREFIX', () => {
    expect(volumes('nginx')).toContain('./nginx/recordings.conf:/etc/nginx/templates/default.conf.template:ro');
    expect(nginxConfNoComments).toContain(`location ^~ ${example.MEDIA_URL_PREFIX} `);
  });

  it('has one envsubst placeholder, MEDIA_AUTH_SECRET, which compose gives nginx as it gives the recorder', () => {
    expect(nginxConf.match(/\$\{?[A-Z_]+\}?/g)).toEqual(['${MEDIA_AUTH_SECRET}']);
    expect(environment('nginx').NGINX_ENVSUBST_FILTER).toBe('MEDIA_AUTH_SECRET');
    expect(environment('nginx').MEDIA_AUTH_SECRET).toBe(environment('recorder').MEDIA_AUTH_SECRET);
    expect(rawEnvironment('recorder').MEDIA_AUTH_SECRET).toMatch(/^\$\{MEDIA_AUTH_SECRET:\?/);
  });
});

describe('LiveKit configs', () => {
  const livekit = dict(yaml.load(read('deploy/livekit/livekit.yaml')), 'livekit.yaml');
  const egress = dict(yaml.load(read('deploy/livekit/egress.yaml')), 'egress.yaml');

  it('livekit.yaml sends webhooks to the service route on the recorder service', () => {
    const urls = list(dict(livekit.webhook, 'webhook').urls, 'webhook.urls').map(str);
    expect(urls).toHaveLength(1);
    const url = new URL(urls[0]!);
    expect(url.pathname).toBe(ROUTES.livekitWebhook);
    expect(hostPort(urls[0]!)).toEqual({ host: 'recorder', port: SERVICE_PORT });
  });

  it('holds no key: LiveKit gets them from the environment compose sets from .env', () => {
    expect(livekit.keys).toBeUndefined();
    expect(dict(livekit.webhook, 'webhook').api_key).toBeUndefined();
    const env = environment('livekit');
    expect(env.LIVEKIT_KEYS).toBe(`${example.LIVEKIT_API_KEY}: ${example.LIVEKIT_API_SECRET}`);
    expect(env.LIVEKIT_WEBHOOK_API_KEY).toBe(example.LIVEKIT_API_KEY);
    for (const key of ['api_key', 'api_secret', 'ws_url']) expect(egress[key]).toBeUndefined();
    const egressEnv = environment('egress');
    expect(egressEnv.LIVEKIT_API_KEY).toBe(example.LIVEKIT_API_KEY);
    expect(egressEnv.LIVEKIT_API_SECRET).toBe(example.LIVEKIT_API_SECRET);
  });

  it('server, egress and recorder meet on the same Redis and LiveKit port', () => {
    const redis = str(dict(livekit.redis, 'redis').address);
    expect(str(dict(egress.redis, 'redis').address)).toBe(redis);
    expect(serviceNames).toContain(redis.split(':')[0]);
    const port = Number(livekit.port);
    expect(hostPort(environment('egress').LIVEKIT_WS_URL!)).toEqual({ host: 'livekit', port });
    expect(hostPort(environment('recorder').LIVEKIT_API_URL!)).toEqual({ host: 'livekit', port });
  });

  it('compose mounts each file where the program reads it', () => {
    const command = list(service('livekit').command, 'livekit.command').map(str);
    const configPath = command[command.indexOf('--config') + 1];
    expect(volumes('livekit')).toContain(`./deploy/livekit/livekit.yaml:${configPath}:ro`);
    expect(volumes('egress')).toContain(`./deploy/livekit/egress.yaml:${environment('egress').EGRESS_CONFIG_FILE}:ro`);
  });
});

describe('Jitsi profile', () => {
  it('wires Jibri to the service: status webhook route with its token, finalize script mount, id and port as documented', () => {
    const env = environment('jibri');
    const status = `${env.JIBRI_WEBHOOK_SUBSCRIBERS}/v1/status`;
    expect(new URL(status).pathname).toBe(ROUTES.jibriStatusWithToken(example.JIBRI_WEBHOOK_TOKEN!));
    expect(hostPort(status)).toEqual({ host: 'recorder', port: SERVICE_PORT });
    expect(hostPort(env.RECORDER_SERVICE_URL!)).toEqual({ host: 'recorder', port: SERVICE_PORT });
    expect(env.JIBRI_UPLOAD_TOKEN).toBe(example.JIBRI_UPLOAD_TOKEN);
    const mount = volumes('jibri').find((v) => v.startsWith('./deploy/jibri:'));
    expect(mount).toBeDefined();
    const target = mount!.split(':')[1]!;
    expect(env.JIBRI_FINALIZE_RECORDING_SCRIPT_PATH!.startsWith(`${target}/`)).toBe(true);
    // .env.example tells what to set for this profile: the jibri service's API port and id.
    expect(exampleText).toContain(`JIBRI_URLS=http://jibri:${env.JIBRI_HTTP_API_EXTERNAL_PORT}`);
    expect(exampleText).toContain(`JIBRI_IDS=${env.JIBRI_INSTANCE_ID}`);
    // The hidden recorder login is the one the service hands to Jibri.
    expect(environment('prosody').JIBRI_RECORDER_PASSWORD).toBe(example.JIBRI_XMPP_PASSWORD);
    expect(env.JIBRI_RECORDER_USER).toBe(example.JIBRI_XMPP_USERNAME);
  });

  it('mounts the finalize script that deploy/jibri provides, with the settings it reads', () => {
    const env = environment('jibri');
    const mount = volumes('jibri').find((v) => v.startsWith('./deploy/jibri:'))!;
    const target = mount.split(':')[1]!;
    const script = path.join(ROOT, 'deploy/jibri', path.relative(target, env.JIBRI_FINALIZE_RECORDING_SCRIPT_PATH!));
    expect(fs.existsSync(script) ? script : `missing ${path.relative(ROOT, script)}`).toBe(script);
    const text = fs.readFileSync(script, 'utf8');
    for (const name of ['RECORDER_SERVICE_URL', 'JIBRI_UPLOAD_TOKEN']) expect(text).toContain(`\${${name}`);
    // The upload-url route: POST /api/v1.0/recordings/{id}/upload-url/
    expect(text).toMatch(/\/api\/v1\.0\/recordings\/[^\s/]+\/upload-url\//);
  });

  it("gives Prosody the event_sync component: the recorder's Jitsi event routes, its token from the recorder's setting", () => {
    const mount = volumes('prosody').find((v) => v.startsWith('./deploy/jitsi/prosody/event-sync.cfg.lua:'));
    expect(mount).toBe('./deploy/jitsi/prosody/event-sync.cfg.lua:/config/conf.d/event-sync.cfg.lua:ro');
    expect(volumes('prosody')).toContain('./deploy/jitsi/prosody-plugins:/prosody-plugins-custom:ro');
    const lua = read('deploy/jitsi/prosody/event-sync.cfg.lua').replace(/^\s*--.*$/gm, '');
    expect(lua).toMatch(/^Component "[^"]+" "event_sync_component"$/m);
    const prefix = /api_prefix = "([^"]+)"/.exec(lua)![1]!;
    // The component appends /events/room/created and the others.
    expect(new URL(prefix).pathname).toBe('/api/v1.0/rooms/webhooks-jitsi');
    expect(hostPort(prefix)).toEqual({ host: 'recorder', port: SERVICE_PORT });
    expect(lua).toContain('["Authorization"] = "Bearer " .. (ENV_JITSI_EVENTS_TOKEN or "")');
    expect(rawEnvironment('prosody').JITSI_EVENTS_TOKEN).toBe(rawEnvironment('recorder').JITSI_EVENTS_TOKEN);
    expect(fs.existsSync(path.join(ROOT, 'deploy/jitsi/prosody-plugins/README.md'))).toBe(true);
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile').replace(/\\\n/g, ' ');
  const stages = dockerfile.split(/^FROM\s/m).slice(1);
  const runtime = stages[stages.length - 1]!;

  it('installs production dependencies only, in their own stage, and runs the service compiled in another', () => {
    expect(stages.length).toBeGreaterThanOrEqual(3);
    expect(stages.some((s) => /npm ci\b[^\n]*--omit=dev/.test(s))).toBe(true);
    const build = stages.find((s) => /^RUN npm run build\b/m.test(s));
    expect(build).toBeDefined();
    expect(build).toMatch(/^COPY[^\n]*\btsconfig\.build\.json\b/m);
    expect(build).toMatch(/^COPY src /m);
    expect(runtime).toMatch(/^COPY --from=\S+ \S*node_modules/m);
    // node_modules links to our local packages: each npm ci has them, and so does the image.
    for (const stage of stages.filter((s) => /^RUN npm ci\b/m.test(s))) {
      const copied = stage.indexOf('COPY packages ./packages');
      expect(copied).toBeGreaterThanOrEqual(0);
      expect(copied).toBeLessThan(stage.search(/^RUN npm ci\b/m));
    }
    expect(runtime).toMatch(/^COPY --from=\S+ \/app\/packages \.\/packages$/m);
    expect(runtime).toMatch(/^COPY --from=\S+ \S*\/dist \.\/dist$/m);
    // No TypeScript in the image that runs: compiled JavaScript only.
    expect(runtime).not.toMatch(/^COPY src /m);
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string>; dependencies: Record<string, string> };
    expect(pkg.scripts.build).toContain('tsc -p tsconfig.build.json');
    expect(pkg.scripts['start:dist']).toBe('node dist/main.js');
    const buildConfig = JSON.parse(read('tsconfig.build.json')) as { compilerOptions: { rootDir: string; outDir: string } };
    expect(buildConfig.compilerOptions).toMatchObject({ rootDir: 'src', outDir: 'dist' });
    // npm start (from a clone, no build step) still runs the sources through tsx.
    expect(pkg.scripts.start).toMatch(/^(tsx |node --import tsx )/);
    expect(pkg.dependencies.tsx).toBeDefined();
  });

  it('runs the compiled service as a non-root user, exposes the service port and probes /health', () => {
    const user = /^USER\s+(\S+)/m.exec(runtime)?.[1];
    expect(user).toBeDefined();
    expect(['root', '0', '0:0']).not.toContain(user);
    expect(runtime).toMatch(new RegExp(`^EXPOSE\\s+${SERVICE_PORT}\\b`, 'm'));
    expect(runtime).toMatch(new RegExp(`^ENV[^\\n]*\\bPORT=${SERVICE_PORT}\\b`, 'm'));
    const healthcheck = /^HEALTHCHECK[^\n]*/m.exec(runtime)?.[0] ?? '';
    expect(healthcheck).toContain(ROUTES.health);
    expect(healthcheck).toContain('node');
    expect(healthcheck).toContain(String(SERVICE_PORT));
    expect(runtime).toMatch(/^CMD \["node", ?"dist\/main\.js"\]/m);
  });

  it('caps the V8 heap, below the memory limit the Kubernetes manifest gives the recorder', () => {
    const cap = Number(/\bNODE_OPTIONS=--max-old-space-size=(\d+)\b/.exec(runtime)?.[1]);
    expect(cap).toBeGreaterThanOrEqual(128);
    const manifest = read('deploy/k8s/recorder.yaml');
    const limitMi = Number(/limits:\s*\n\s*memory:\s*(\d+)Mi/.exec(manifest)?.[1]);
    // The heap is not all of a process's memory: leave room for code, buffers and the young generation.
    expect(limitMi).toBeGreaterThanOrEqual(cap * 2);
  });

  it('keeps secrets and local state out of the build context', () => {
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim());
    for (const entry of ['.env', 'node_modules', 'data', '.git']) expect(ignored).toContain(entry);
  });
});

describe('Kubernetes manifests', () => {
  const k8sDir = path.join(ROOT, 'deploy/k8s');
  const docs = fs
    .readdirSync(k8sDir)
    .filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml')
    .flatMap((f) => yaml.loadAll(fs.readFileSync(path.join(k8sDir, f), 'utf8')).map((d) => ({ file: f, doc: dict(d, f) })));
  const find = (kind: string, name: string): Dict => {
    const hit = docs.find(({ doc }) => doc.kind === kind && dict(doc.metadata, 'metadata').name === name);
    if (!hit) throw new Error(`no ${kind} ${name} in deploy/k8s`);
    return hit.doc;
  };
  const podSpec = (deployment: Dict): Dict => dict(dict(dict(deployment.spec, 'spec').template, 'template').spec, 'pod spec');
  const container = (deployment: Dict): Dict => dict(list(podSpec(deployment).containers, 'containers')[0], 'container');

  it('runs the recorder on the service port, probing /health and /ready', () => {
    const c = container(find('Deployment', 'recorder'));
    const ports = list(c.ports, 'ports').map((p) => dict(p, 'port'));
    expect(ports.map((p) => p.containerPort)).toEqual([SERVICE_PORT]);
    const portName = ports[0]!.name;
    const env = list(c.env, 'env').map((e) => dict(e, 'env'));
    expect(env.find((e) => e.name === 'PORT')?.value).toBe(String(SERVICE_PORT));
    const probe = (name: string): Dict => dict(dict(c[name], name).httpGet, `${name}.httpGet`);
    expect(probe('livenessProbe').path).toBe(ROUTES.health);
    expect(probe('readinessProbe').path).toBe(ROUTES.ready);
    expect(probe('startupProbe').path).toBe(ROUTES.health);
    for (const p of ['livenessProbe', 'readinessProbe', 'startupProbe']) expect([portName, SERVICE_PORT]).toContain(probe(p).port);
  });

  it('gives the recorder its settings from a ConfigMap and a Secret, by envSchema names', () => {
    const c = container(find('Deployment', 'recorder'));
    const from = list(c.envFrom, 'envFrom').map((e) => dict(e, 'envFrom'));
    const configMap = find('ConfigMap', str(dict(from.find((e) => e.configMapRef)?.configMapRef, 'configMapRef').name));
    const secret = find('Secret', str(dict(from.find((e) => e.secretRef)?.secretRef, 'secretRef').name));
    const configKeys = Object.keys(dict(configMap.data, 'data'));
    const secretData = dict(secret.stringData, 'stringData');
    expect([...configKeys, ...Object.keys(secretData)].filter((k) => !SCHEMA_KEYS.has(k))).toEqual([]);
    for (const [k, v] of Object.entries(secretData)) expect(`${k}=${str(v)}`).toMatch(/change-me/);
    // nginx reaches MinIO where the service signs for it.
    const storage = hostPort(str(dict(configMap.data, 'data').AWS_S3_ENDPOINT_URL));
    const storageUpstream = upstream('recordings_storage');
    expect(`${storageUpstream.host}:${storageUpstream.port}`).toBe(`${storage.host}:${storage.port}`);
  });

  it('names the recorder Service and port as nginx upstream `recordings_service` does', () => {
    const svc = find('Service', 'recorder');
    const ports = list(dict(svc.spec, 'spec').ports, 'ports').map((p) => dict(p, 'port'));
    const recorderUpstream = upstream('recordings_service');
    expect(`recorder:${ports[0]!.port}`).toBe(`${recorderUpstream.host}:${recorderUpstream.port}`);
    const job = container(find('Job', 'recorder-minio-setup'));
    const recorderUrl = list(job.env, 'env').map((e) => dict(e, 'env')).find((e) => e.name === 'RECORDER_URL')?.value;
    expect(hostPort(str(recorderUrl))).toEqual({ host: 'recorder', port: ports[0]!.port });
  });

  it('carries nginx/recordings.conf unchanged in the nginx ConfigMap, mounted into nginx', () => {
    const configMap = find('ConfigMap', 'recorder-nginx');
    expect(dict(configMap.data, 'data')['recordings.conf']).toBe(nginxConf);
    const deployment = find('Deployment', 'recorder-nginx');
    const volume = list(podSpec(deployment).volumes, 'volumes')
      .map((v) => dict(v, 'volume'))
      .find((v) => isDict(v.configMap) && v.configMap.name === 'recorder-nginx');
    expect(volume).toBeDefined();
    const mount = list(container(deployment).volumeMounts, 'volumeMounts')
      .map((m) => dict(m, 'mount'))
      .find((m) => m.name === volume!.name);
    expect(mount).toMatchObject({ mountPath: '/etc/nginx/templates/default.conf.template', subPath: 'recordings.conf' });
  });

  it('gives nginx the recorder\'s MEDIA_AUTH_SECRET from the Secret recorder-secrets, for envsubst only', () => {
    const env = list(container(find('Deployment', 'recorder-nginx')).env, 'env').map((e) => dict(e, 'env'));
    expect(env.find((e) => e.name === 'NGINX_ENVSUBST_FILTER')?.value).toBe('MEDIA_AUTH_SECRET');
    expect(env.find((e) => e.name === 'MEDIA_AUTH_SECRET')?.valueFrom).toEqual({ secretKeyRef: { name: 'recorder-secrets', key: 'MEDIA_AUTH_SECRET' } });
    expect(read('deploy/k8s/recorder-secret.example.yaml')).toMatch(/^  MEDIA_AUTH_SECRET: /m);
  });

  it('lists existing files in kustomization.yaml', () => {
    const kustomization = dict(yaml.load(fs.readFileSync(path.join(k8sDir, 'kustomization.yaml'), 'utf8')), 'kustomization');
    for (const r of list(kustomization.resources, 'resources').map(str)) expect(fs.existsSync(path.join(k8sDir, r))).toBe(true);
  });
});

describe('shell scripts under deploy/', () => {
  const scripts: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name.endsWith('.sh')) scripts.push(p);
    }
  };
  walk(path.join(ROOT, 'deploy'));

  it('parse with sh -n', () => {
    expect(scripts.map((s) => path.relative(ROOT, s))).toEqual(
      expect.arrayContaining(['deploy/minio/setup.sh', 'deploy/k8s/sync-nginx-configmap.sh']),
    );
    for (const script of scripts) {
      const res = spawnSync('sh', ['-n', script], { encoding: 'utf8' });
      expect(`${path.relative(ROOT, script)}: ${res.status} ${res.stderr}`).toBe(`${path.relative(ROOT, script)}: 0 `);
    }
  });
});

describe('deploy/minio/setup.sh, run with a recording stand-in for mc', () => {
  let dir: string;
  let fakeMc: string;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'minio-setup-test-'));
    fakeMc = path.join(dir, 'mc');
    // Logs each call (arguments tab-separated, after --config-dir DIR) and answers like mc.
    fs.writeFileSync(
      fakeMc,
      [
        '#!/bin/sh',
        'set -eu',
        '[ "$1" = --config-dir ] && [ -d "$2" ] || { echo "no --config-dir" >&2; exit 2; }',
        'printf "%s\\n" "$2" >"$MC_LOG.dir"',
        'shift 2',
        'line=$(printf "%s\\t" "$@")',
        'printf "%s\\n" "$line" >>"$MC_LOG"',
        'case "$*" in',
        '  "admin info --json "*) echo \'{"status":"success","info":{"sqsARN":["arn:minio:sqs:eu-west-3:recorder:webhook"]}}\' ;;',
        // The bucket's lifecycle as MC_ILM_EXPORT holds it (mc prints the JSON), or mc's errors.
        '  "ilm rule export "*)',
        '    if [ -n "${MC_ILM_EXPORT_ERROR:-}" ]; then echo "mc: <ERROR> Unable to get lifecycle configuration. $MC_ILM_EXPORT_ERROR" >&2; exit 1; fi',
        '    if [ -z "${MC_ILM_EXPORT:-}" ]; then echo "mc: <ERROR> Unable to get lifecycle configuration. The lifecycle configuration does not exist." >&2; exit 1; fi',
        '    cat "$MC_ILM_EXPORT" ;;',
        '  "ilm rule import "*) cat >"$MC_LOG.import" ;;',
        'esac',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function runSetup(overrides: Record<string, string | undefined>): { status: number | null; calls: string[][]; output: string; imported: unknown } {
    const log = path.join(dir, `calls-${Math.random().toString(36).slice(2)}`);
    fs.writeFileSync(log, '');
    const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', MC: fakeMc, MC_LOG: log };
    // The same variables compose gives the minio-setup container.
    for (const [k, v] of Object.entries({ ...environment('minio-setup'), ...overrides })) if (v !== undefined) env[k] = v;
    const res = spawnSync('sh', [path.join(ROOT, 'deploy/minio/setup.sh')], { env, encoding: 'utf8', timeout: 30000 });
    const calls = fs
      .readFileSync(log, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.replace(/\t$/, '').split('\t'));
    if (fs.existsSync(`${log}.dir`)) {
      // The private mc config directory (credentials) is removed at exit.
      expect(fs.existsSync(fs.readFileSync(`${log}.dir`, 'utf8').trim())).toBe(false);
    }
    const imported = fs.existsSync(`${log}.import`) ? JSON.parse(fs.readFileSync(`${log}.import`, 'utf8')) : undefined;
    return { status: res.status, calls, output: `${res.stdout}${res.stderr}`, imported };
  }
  const callsOf = (calls: string[][], ...prefix: string[]): string[][] =>
    calls.filter((c) => prefix.every((p, i) => c[i] === p));

  it('creates the bucket and registers the storage hook with the bearer token for .mp4 and .ogg under the folder', () => {
    const { status, calls, output } = runSetup({ RECORDING_EXPIRATION_DAYS: '' });
    expect(output).toContain('done');
    expect(status).toBe(0);
    const alias = callsOf(calls, 'alias', 'set')[0]!;
    expect(alias.slice(3)).toEqual([example.AWS_S3_ENDPOINT_URL, example.AWS_S3_ACCESS_KEY_ID, example.AWS_S3_SECRET_ACCESS_KEY]);
    const target = `${alias[2]}/${example.AWS_STORAGE_BUCKET_NAME}`;
    expect(callsOf(calls, 'mb')).toEqual([['mb', '--ignore-existing', target]]);

    const config = callsOf(calls, 'admin', 'config', 'set')[0]!;
    expect(config[4]).toBe('notify_webhook:recorder');
    const kv = Object.fromEntries(config.slice(5).map((w) => w.split(/=(.*)/s).slice(0, 2) as [string, string]));
    const hook = new URL(kv.endpoint!);
    expect(hook.pathname).toBe(ROUTES.storageHook);
    expect(hostPort(kv.endpoint!)).toEqual({ host: 'recorder', port: SERVICE_PORT });
    expect(kv.auth_token).toBe(example.RECORDING_STORAGE_EVENT_TOKEN);
    expect(kv.queue_dir).toBe(environment('minio-setup').MINIO_NOTIFY_QUEUE_DIR);

    const restartAt = calls.findIndex((c) => c[0] === 'admin' && c[1] === 'service' && c[2] === 'restart');
    const events = callsOf(calls, 'event', 'add');
    expect(restartAt).toBeGreaterThan(calls.indexOf(config));
    expect(calls.indexOf(events[0]!)).toBeGreaterThan(restartAt);
    const folder = `${example.RECORDING_OUTPUT_FOLDER}/`;
    // The ARN the server reports (with its region) is the one subscribed.
    expect(events).toEqual(
      ['.mp4', '.ogg'].map((suffix) => [
        'event', 'add', '--ignore-existing', '--event', 'put', '--prefix', folder, '--suffix', suffix, target,
        'arn:minio:sqs:eu-west-3:recorder:webhook',
      ]),
    );
    expect(callsOf(calls, 'ilm')).toEqual([]);
  });

  /** The orchestrator's rule, as mc's JSON (minio-go's lifecycle.Configuration) writes it. */
  const ourRule = (folder: string, days: number) => ({
    ID: LIFECYCLE_RULE_ID,
    Status: 'Enabled',
    Filter: { And: { Prefix: `${folder}/`, Tags: [{ Key: RETENTION_TAG_KEY, Value: RETENTION_TAG_VALUE }] } },
    Expiration: { Days: days },
  });
  const exportFile = (rules: unknown[]): string => {
    const file = path.join(dir, `export-${Math.random().toString(36).slice(2)}.json`);
    // mc prints the configuration indented, one space per level.
    fs.writeFileSync(file, JSON.stringify({ Rules: rules }, null, 1));
    return file;
  };

  it('sets the tag-filtered expiry rule on the output folder from RECORDING_EXPIRATION_DAYS (a bucket without rules)', () => {
    const { status, calls, imported } = runSetup({ RECORDING_EXPIRATION_DAYS: '30', RECORDING_OUTPUT_FOLDER: 'tenant-a/recordings' });
    expect(status).toBe(0);
    const target = `recorder-setup/${example.AWS_STORAGE_BUCKET_NAME}`;
    expect(callsOf(calls, 'ilm')).toEqual([
      ['ilm', 'rule', 'export', target],
      ['ilm', 'rule', 'import', target],
    ]);
    expect(imported).toEqual({ Rules: [ourRule('tenant-a/recordings', 30)] });
    expect(callsOf(calls, 'event', 'add').map((c) => c[6])).toEqual(['tenant-a/recordings/', 'tenant-a/recordings/']);
  });

  it("keeps the operator's rules, replaces its own rule by its ID, and drops the whole-folder rule earlier versions added", () => {
    const operatorRules = [
      { Expiration: { Days: 1 }, ID: 'operator-tmp', Filter: { Prefix: 'tmp/' }, Status: 'Enabled' },
      // On the folder too, but not an expiry of every file: the operator's, kept.
      { Transition: { Days: 10, StorageClass: 'COLD' }, ID: 'operator-tiering', Filter: { Prefix: 'recordings/' }, Status: 'Enabled' },
      { Expiration: { Days: 7 }, ID: 'operator-tagged', Filter: { And: { Prefix: 'recordings/', Tags: [{ Key: 'scratch', Value: 'yes' }] } }, Status: 'Enabled' },
    ];
    const legacy = { Expiration: { Days: 30 }, ID: 'c79ntj94b0t6rukh6lr0', Filter: { Prefix: 'recordings/' }, Status: 'Enabled' };
    const oldOurs = { Expiration: { Days: 30 }, ID: LIFECYCLE_RULE_ID, Filter: { Prefix: 'recordings/' }, Status: 'Enabled' };
    const { status, calls, imported, output } = runSetup({
      RECORDING_EXPIRATION_DAYS: '14',
      MC_ILM_EXPORT: exportFile([operatorRules[0], legacy, operatorRules[1], oldOurs, operatorRules[2]]),
    });
    expect(status).toBe(0);
    expect(callsOf(calls, 'ilm').map((c) => c.slice(0, 3).join(' '))).toEqual(['ilm rule export', 'ilm rule import']);
    expect(callsOf(calls, 'ilm', 'rule', 'rm')).toEqual([]);
    expect(imported).toEqual({ Rules: [...operatorRules, ourRule('recordings', 14)] });
    expect(output).toContain('removing rule c79ntj94b0t6rukh6lr0');

    // Run again on what it wrote: the same configuration.
    const again = runSetup({ RECORDING_EXPIRATION_DAYS: '14', MC_ILM_EXPORT: exportFile((imported as { Rules: unknown[] }).Rules) });
    expect(again.status).toBe(0);
    expect(again.imported).toEqual(imported);
  });

  it('writes no lifecycle rules when it cannot read the current ones', () => {
    const { status, calls, output } = runSetup({ RECORDING_EXPIRATION_DAYS: '30', MC_ILM_EXPORT_ERROR: 'Access Denied.' });
    expect(status).not.toBe(0);
    expect(output).toContain('Access Denied');
    expect(output).toContain('nothing changed');
    expect(callsOf(calls, 'ilm', 'rule', 'import')).toEqual([]);
  });

  it('registers no webhook when storage events are off, and no token when their auth is off', () => {
    const off = runSetup({ RECORDING_STORAGE_EVENT_ENABLE: 'false' });
    expect(off.status).toBe(0);
    expect(callsOf(off.calls, 'admin', 'config')).toEqual([]);
    expect(callsOf(off.calls, 'event')).toEqual([]);
    expect(callsOf(off.calls, 'mb')).toHaveLength(1);

    const noAuth = runSetup({ RECORDING_ENABLE_STORAGE_EVENT_AUTH: 'off', RECORDING_STORAGE_EVENT_TOKEN: undefined });
    expect(noAuth.status).toBe(0);
    expect(callsOf(noAuth.calls, 'admin', 'config', 'set')[0]!.some((w) => w.startsWith('auth_token='))).toBe(false);
  });

  it('stops before touching MinIO when a setting is missing or wrong', () => {
    const cases: [Record<string, string | undefined>, string][] = [
      [{ RECORDING_STORAGE_EVENT_TOKEN: '' }, 'RECORDING_STORAGE_EVENT_TOKEN'],
      [{ RECORDING_STORAGE_EVENT_TOKEN: 'two words' }, 'RECORDING_STORAGE_EVENT_TOKEN'],
      [{ RECORDING_EXPIRATION_DAYS: 'ten' }, 'RECORDING_EXPIRATION_DAYS'],
      [{ RECORDING_EXPIRATION_DAYS: '30', JQ: '/nonexistent/jq' }, 'jq'],
      [{ RECORDING_STORAGE_EVENT_ENABLE: 'maybe' }, 'RECORDING_STORAGE_EVENT_ENABLE'],
      [{ AWS_STORAGE_BUCKET_NAME: undefined }, 'AWS_STORAGE_BUCKET_NAME'],
      [{ RECORDER_URL: undefined }, 'RECORDER_URL'],
    ];
    for (const [overrides, name] of cases) {
      const res = runSetup(overrides);
      expect(res.status).not.toBe(0);
      expect(res.output).toContain(name);
      expect(res.calls).toEqual([]);
    }
  });
});
