# syntax=docker/dockerfile:1
# Recording orchestrator image: the compiled service (`npm run build`, then node dist/main.js) on
# port 8080, production dependencies only. Compiled JavaScript rather than tsx at run time: no
# loader thread, no in-process transpiling, about 60 MB less memory per instance.
# Build: docker build -t recorder .   Run: docker run --env-file .env -p 8080:8080 recorder

ARG NODE_IMAGE=node:20-bookworm-slim

# --- deps: production node_modules only, exactly as locked ---
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
# packages/: our own local packages (crc-32-zlib), linked into node_modules by npm ci.
COPY package.json package-lock.json ./
COPY packages ./packages
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force

# --- build: TypeScript compiled to dist/ with the full (dev) dependencies ---
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages ./packages
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# --- runtime ---
FROM ${NODE_IMAGE} AS runtime
# NODE_OPTIONS: V8 sizes its heap limit by the machine's memory (gigabytes on a big node) and
# lets the heap grow towards it under load; a cap a few times the live heap (about 55 MB) keeps
# each instance well under 250 MB (bench/load-cluster.ts). Raise it for unusual loads.
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-old-space-size=192 \
    PORT=8080 \
    DATA_DIR=/app/data \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false
WORKDIR /app
# ffmpeg and ffprobe join the parts of a paused recording (stream copy; src/recording/pause/).
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg \
 && rm -rf /var/lib/apt/lists/*

# Code and dependencies stay owned by root (read-only for the service); only the data dir
# (embedded database when DATABASE_URL is unset) belongs to the unprivileged `node` user (uid 1000).
COPY --from=deps /app/node_modules ./node_modules
COPY --from=deps /app/packages ./packages
COPY package.json package-lock.json ./
COPY --from=build /app/dist ./dist
RUN mkdir -p /app/data && chown node:node /app/data

USER node
EXPOSE 8080

# No curl in slim images: probe /health with Node's own fetch, bounded by a timeout.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/health',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# node itself is the main process and gets SIGTERM/SIGINT (graceful shutdown); run with an init
# (compose `init: true`, docker run --init) so zombie processes are reaped.
CMD ["node", "dist/main.js"]
