#!/bin/sh
# Prepares MinIO for the recording orchestrator, with the MinIO client `mc`:
#   1. creates the bucket;
#   2. registers the orchestrator's storage hook as webhook notification target `recorder`
#      (bearer token = RECORDING_STORAGE_EVENT_TOKEN), restarts MinIO so the target is loaded,
#      and subscribes it to object-created events of .mp4 and .ogg files under the output folder;
#   3. when RECORDING_EXPIRATION_DAYS is set, puts the orchestrator's expiry rule in the bucket's
#      lifecycle configuration: files under the output folder tagged recording-retention=expire
#      (the orchestrator tags the files of non-permanent recordings only) are deleted that many
#      days after their upload. Permanent recordings' files never carry the tag: this rule never
#      touches them. Only the orchestrator's rule (by its ID) is replaced; every other rule of the
#      bucket is kept, except the whole-folder rule earlier versions of this script added
#      (prefix {folder}/, no tag, expiry only), which would delete permanent recordings too.
# It reads the orchestrator's own settings (same variable names), so one .env serves both, and it
# is safe to run again after a change. Works with or without Docker Compose:
#   set -a; . ./.env; set +a; RECORDER_URL=http://recorder.internal:8080 sh deploy/minio/setup.sh
#
# Settings:
#   AWS_S3_ENDPOINT_URL, AWS_S3_ACCESS_KEY_ID, AWS_S3_SECRET_ACCESS_KEY   MinIO endpoint and a key
#       allowed to administer it (bucket, notification and lifecycle configuration)
#   AWS_STORAGE_BUCKET_NAME          bucket the recordings go to
#   RECORDING_OUTPUT_FOLDER          key prefix of recordings (default: recordings)
#   RECORDING_STORAGE_EVENT_ENABLE   false: no webhook (the orchestrator relies on LiveKit egress_ended)
#   RECORDING_ENABLE_STORAGE_EVENT_AUTH  false: webhook without bearer token
#   RECORDING_STORAGE_EVENT_TOKEN    bearer token MinIO sends to the storage hook
#   RECORDING_EXPIRATION_DAYS        days until recordings expire (unset: lifecycle left untouched)
#   RECORDER_URL                     base URL of the orchestrator as MinIO reaches it, or
#   RECORDER_STORAGE_HOOK_URL        the storage hook's full URL (overrides RECORDER_URL)
#   MINIO_NOTIFY_QUEUE_DIR           optional directory ON THE MINIO SERVER where undelivered events
#                                    wait while the orchestrator is down (MinIO retries them)
#   MINIO_NOTIFY_TARGET_ID           webhook target id (default: recorder)
#   MC                               mc binary (default: mc from PATH)
#   JQ                               jq binary (default: jq from PATH), needed with RECORDING_EXPIRATION_DAYS
set -eu

STORAGE_HOOK_PATH=/api/v1.0/recordings/storage-hook/
# The same names as src/storage/bucket-lifecycle.ts and src/storage/retention-tag.ts.
RULE_ID=recording-orchestrator-expire-recordings
TAG_KEY=recording-retention
TAG_VALUE=expire

log() { printf '[minio-setup] %s\n' "$*"; }
fail() { printf '[minio-setup] error: %s\n' "$*" >&2; exit 1; }

# Same reading of booleans as the orchestrator: empty means the default.
flag() {
  value=$(printf '%s' "${1:-}" | tr '[:upper:]' '[:lower:]' | tr -d '[:space:]')
  case "$value" in
    '') [ "$2" = true ] ;;
    1 | true | yes | on) return 0 ;;
    0 | false | no | off) return 1 ;;
    *) fail "$3: expected true or false" ;;
  esac
}

ENDPOINT=${AWS_S3_ENDPOINT_URL:?AWS_S3_ENDPOINT_URL is required, e.g. http://minio:9000}
ACCESS_KEY=${AWS_S3_ACCESS_KEY_ID:?AWS_S3_ACCESS_KEY_ID is required}
SECRET_KEY=${AWS_S3_SECRET_ACCESS_KEY:?AWS_S3_SECRET_ACCESS_KEY is required}
BUCKET=${AWS_STORAGE_BUCKET_NAME:?AWS_STORAGE_BUCKET_NAME is required}
FOLDER=${RECORDING_OUTPUT_FOLDER:-recordings}
FOLDER=${FOLDER%/}
TARGET_ID=${MINIO_NOTIFY_TARGET_ID:-recorder}
MC=${MC:-mc}
JQ=${JQ:-jq}
ALIAS=recorder-setup

# Every setting is checked before MinIO is touched.
EVENTS=false
if flag "${RECORDING_STORAGE_EVENT_ENABLE:-}" true RECORDING_STORAGE_EVENT_ENABLE; then
  EVENTS=true
  if [ -n "${RECORDER_STORAGE_HOOK_URL:-}" ]; then
    HOOK_URL=$RECORDER_STORAGE_HOOK_URL
  else
    base=${RECORDER_URL:?RECORDER_URL (or RECORDER_STORAGE_HOOK_URL) is required, e.g. http://recorder:8080}
    HOOK_URL=${base%/}$STORAGE_HOOK_PATH
  fi
  # Words for `mc admin config set`; the token goes bare, MinIO sends "Bearer <token>".
  set -- "endpoint=$HOOK_URL"
  if flag "${RECORDING_ENABLE_STORAGE_EVENT_AUTH:-}" true RECORDING_ENABLE_STORAGE_EVENT_AUTH; then
    token=${RECORDING_STORAGE_EVENT_TOKEN:?RECORDING_STORAGE_EVENT_TOKEN is required while RECORDING_ENABLE_STORAGE_EVENT_AUTH is on}
    # MinIO parses the key=value words itself: a space or quote would split or end the value.
    case "$token" in
      *[[:space:]\"\']*) fail "RECORDING_STORAGE_EVENT_TOKEN: no spaces or quotes (e.g. openssl rand -hex 32)" ;;
    esac
    set -- "$@" "auth_token=$token"
  fi
  if [ -n "${MINIO_NOTIFY_QUEUE_DIR:-}" ]; then
    set -- "$@" "queue_dir=$MINIO_NOTIFY_QUEUE_DIR" "queue_limit=100000"
  fi
fi
DAYS=${RECORDING_EXPIRATION_DAYS:-}
case "$DAYS" in
  '') ;;
  *[!0-9]* | 0*) fail "RECORDING_EXPIRATION_DAYS: expected a whole number from 1" ;;
esac
if [ -n "$DAYS" ] && ! command -v "$JQ" >/dev/null 2>&1; then
  fail "RECORDING_EXPIRATION_DAYS: jq is needed to edit the bucket's lifecycle rules (install jq, or set JQ)"
fi

# A private mc configuration directory: the credentials are not left behind in ~/.mc.
MC_DIR=$(mktemp -d)
trap 'rm -rf "$MC_DIR"' EXIT
trap 'exit 130' INT TERM
run_mc() { "$MC" --config-dir "$MC_DIR" "$@"; }

# Runs a command until it succeeds (MinIO starting or restarting), at most about two minutes.
# On giving up it shows the command's last output.
retry() {
  tries=0
  until out=$("$@" 2>&1); do
    tries=$((tries + 1))
    if [ "$tries" -ge 60 ]; then
      printf '%s\n' "$out" >&2
      return 1
    fi
    sleep 2
  done
}

log "waiting for MinIO at $ENDPOINT"
retry run_mc alias set "$ALIAS" "$ENDPOINT" "$ACCESS_KEY" "$SECRET_KEY" ||
  fail "cannot reach MinIO at $ENDPOINT with AWS_S3_ACCESS_KEY_ID"
retry run_mc ls "$ALIAS" || fail "MinIO at $ENDPOINT does not answer"

log "bucket $BUCKET"
run_mc mb --ignore-existing "$ALIAS/$BUCKET" >/dev/null

if [ "$EVENTS" = true ]; then
  log "webhook target $TARGET_ID -> $HOOK_URL"
  run_mc admin config set "$ALIAS" "notify_webhook:$TARGET_ID" "$@" >/dev/null

  # MinIO loads notification targets at start: restart it, then wait until it answers again.
  log "restarting MinIO to load the target"
  run_mc admin service restart "$ALIAS" >/dev/null
  retry run_mc ls "$ALIAS" || fail "MinIO did not come back after the restart"

  # The target's ARN carries MinIO's region when one is configured: read it from the server.
  ARN=$(run_mc admin info --json "$ALIAS" 2>/dev/null |
    grep -o "arn:minio:sqs:[^\"]*:$TARGET_ID:webhook" | head -n 1 || true)
  [ -n "$ARN" ] || ARN="arn:minio:sqs:${MINIO_REGION:-}:$TARGET_ID:webhook"

  for suffix in .mp4 .ogg; do
    log "event put $FOLDER/*$suffix -> $ARN"
    retry run_mc event add --ignore-existing --event put --prefix "$FOLDER/" --suffix "$suffix" \
      "$ALIAS/$BUCKET" "$ARN" || fail "mc event add $suffix failed"
  done
else
  log "RECORDING_STORAGE_EVENT_ENABLE is false: no webhook registered"
fi

if [ -n "$DAYS" ]; then
  log "lifecycle: files under $FOLDER/ tagged $TAG_KEY=$TAG_VALUE expire after $DAYS days (rule $RULE_ID; other rules kept)"
  # The whole configuration is read, edited and written back in one import (an S3 lifecycle PUT
  # replaces every rule): the orchestrator's rule, by its ID, is replaced; the others stay.
  if ! current=$(run_mc ilm rule export "$ALIAS/$BUCKET" 2>"$MC_DIR/export.err"); then
    case "$(cat "$MC_DIR/export.err")" in
      *NoSuchLifecycleConfiguration* | *"does not exist"* | *"not set"*) current='{"Rules":[]}' ;;
      *) cat "$MC_DIR/export.err" >&2; fail "cannot read the lifecycle rules of $BUCKET: nothing changed" ;;
    esac
  fi
  # The rule earlier versions of this script added with `mc ilm rule add --prefix --expire-days`.
  whole_folder_rule='def whole_folder_rule: .ID != $id and ((.Filter.Prefix // .Prefix // "") == $prefix)
    and (.Filter.And == null) and (.Filter.Tag == null)
    and ((keys - ["Expiration", "Filter", "ID", "Prefix", "Status"]) == []) and ((.Expiration // {} | keys) == ["Days"]);'
  wanted=$(printf '%s' "$current" | "$JQ" -c --arg id "$RULE_ID" --arg prefix "$FOLDER/" --argjson days "$DAYS" \
    --arg key "$TAG_KEY" --arg value "$TAG_VALUE" "$whole_folder_rule"'
    {Rules: ([(.Rules // [])[] | select(.ID != $id and (whole_folder_rule | not))]
      + [{ID: $id, Status: "Enabled", Filter: {And: {Prefix: $prefix, Tags: [{Key: $key, Value: $value}]}}, Expiration: {Days: $days}}])}') ||
    fail "cannot read the lifecycle rules mc exported for $BUCKET: nothing changed"
  printf '%s' "$current" | "$JQ" -r --arg id "$RULE_ID" --arg prefix "$FOLDER/" "$whole_folder_rule"'(.Rules // [])[] | select(whole_folder_rule) | .ID' |
    while IFS= read -r dropped; do
      log "lifecycle: removing rule $dropped (all of $FOLDER/, permanent recordings included), added by an earlier version"
    done
  printf '%s\n' "$wanted" | run_mc ilm rule import "$ALIAS/$BUCKET" >/dev/null
else
  log "RECORDING_EXPIRATION_DAYS unset: lifecycle rules left as they are"
fi

log "done"
