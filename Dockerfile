# syntax=docker/dockerfile:1
# Recording orchestrator image: `npm start` (tsx src/main.ts) on port 8080, production dependencies only.
# Build: docker build -t recorder .   Run: docker run --env-file .env -p 8080:8080 recorder

ARG NODE_IMAGE=node:20-bookworm-slim

# --- deps: production node_modules only, exactly as locked (tsx is a production dependency) ---
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force

# --- runtime ---
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PORT=8080 \
    DATA_DIR=/app/data \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false
WORKDIR /app

# Code and dependencies stay owned by root (read-only for the service); only the data dir
# (embedded database when DATABASE_URL is unset) belongs to the unprivileged `node` user (uid 1000).
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY src ./src
RUN mkdir -p /app/data && chown node:node /app/data

USER node
EXPOSE 8080

# No curl in slim images: probe /health with Node's own fetch, bounded by a timeout.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/health',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# npm forwards SIGTERM/SIGINT to the server; run with an init (compose `init: true`, docker run --init)
# so zombie processes are reaped.
CMD ["npm", "start"]
