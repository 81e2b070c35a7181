#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine with Node 20: installs and starts what the
# tests need (PostgreSQL 15, nginx, curl, chromium, ffmpeg, promtool, openssl, jq), installs the npm
# dependencies, type-checks, runs jest.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
AS_POSTGRES=(runuser -u postgres --)
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; AS_POSTGRES=(sudo -u postgres); fi

need_apt=()
command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /usr/lib/postgresql/15 ] || need_apt+=(postgresql-15)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need_apt+=(nginx-light)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
command -v docker-compose >/dev/null 2>&1 || need_apt+=(docker-compose)
# The browser tests drive Debian's chromium (puppeteer-core downloads no browser), with media
# made by ffmpeg; promtool (in Debian's prometheus package) checks the alert rules.
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
{ command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1; } || need_apt+=(ffmpeg)
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
# deploy/minio/setup.sh edits the bucket's lifecycle rules with jq (test/deploy.test.ts runs it).
command -v jq >/dev/null 2>&1 || need_apt+=(jq)
# Only for promtool: without its recommended node exporter.
need_apt_bare=()
command -v promtool >/dev/null 2>&1 || need_apt_bare+=(prometheus)
all_apt=("${need_apt[@]}" "${need_apt_bare[@]}")
if [ ${#all_apt[@]} -gt 0 ]; then
  echo "[test] installing ${all_apt[*]} with apt-get"
  $SUDO apt-get update -qq
  if [ ${#need_apt[@]} -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
  fi
  if [ ${#need_apt_bare[@]} -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt_bare[@]}" >/dev/null
  fi
fi

# PostgreSQL: start the Debian cluster and make a superuser role for the tests.
if ! pg_lsclusters -h | grep -q '^15 \+main'; then
  $SUDO pg_createcluster 15 main >/dev/null
fi
if ! pg_lsclusters -h | awk '$1=="15" && $2=="main" {print $4}' | grep -q online; then
  $SUDO pg_ctlcluster 15 main start
fi
for _ in $(seq 1 30); do
  pg_isready -h 127.0.0.1 -p 5432 -q && break
  sleep 1
done
"${AS_POSTGRES[@]}" psql -q -h /var/run/postgresql -d postgres -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rec_test') THEN
    CREATE ROLE rec_test LOGIN SUPERUSER PASSWORD 'rec_test';
  END IF;
END $$;
SQL
export TEST_PG_ADMIN_URL="postgres://rec_test:rec_test@127.0.0.1:5432/postgres"
export TEST_NGINX_BIN="$(command -v nginx || echo /usr/sbin/nginx)"
export TEST_CHROMIUM_BIN="${TEST_CHROMIUM_BIN:-/usr/bin/chromium}"
export TEST_FFMPEG_BIN="${TEST_FFMPEG_BIN:-$(command -v ffmpeg)}"
export TEST_FFPROBE_BIN="${TEST_FFPROBE_BIN:-$(command -v ffprobe)}"
export TEST_PROMTOOL_BIN="${TEST_PROMTOOL_BIN:-$(command -v promtool)}"

# npm dependencies, exactly as locked.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

echo "[test] type-checking"
npx tsc --noEmit -p tsconfig.json

# The compiled service (what the image runs), built once before jest rather than inside a test
# running beside others. With TEST_DIST_BUILT=1 every test that starts the service as its own
# process runs dist/main.js, sparing each start tsx's compile (test/helpers/service-process.ts).
echo "[test] building dist/ (npm run build)"
npm run build --silent
export TEST_DIST_BUILT=1

echo "[test] running jest"
# Every answer the test services give is recorded, then checked against the OpenAPI document.
OPENAPI_RECORD_DIR="$(mktemp -d)"
export OPENAPI_RECORD_DIR
trap 'rm -rf "$OPENAPI_RECORD_DIR"' EXIT
status=0
NODE_ENV=test npx jest --ci --json --outputFile="$OPENAPI_RECORD_DIR/suite.json" "$@" || status=$?

if [ $# -eq 0 ]; then
  echo "[test] checking every recorded answer against the OpenAPI document"
  NODE_ENV=test npx jest --ci --json --outputFile="$OPENAPI_RECORD_DIR/conformance.json" \
    --testMatch '**/conformance/*.check.ts' --roots "$PWD/test" || status=$?
fi

# One plain closing line for both runs.
node -e '
  const fs = require("fs");
  let passed = 0, failed = 0;
  for (const f of process.argv.slice(1)) {
    if (!fs.existsSync(f)) { failed += 1; continue; }
    const r = JSON.parse(fs.readFileSync(f, "utf8"));
    passed += r.numPassedTests;
    failed += r.numFailedTests + r.numRuntimeErrorTestSuites;
  }
  console.log(`jest: ${passed} passed, ${failed} failed`);
' "$OPENAPI_RECORD_DIR/suite.json" $([ $# -eq 0 ] && echo "$OPENAPI_RECORD_DIR/conformance.json")
exit $status
