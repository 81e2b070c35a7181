#!/bin/sh
# finalize.sh - upload a finished Jibri recording to the recording service's bucket.
# POSIX sh + curl only (runs under dash). Set it as jibri.recording.finalize-script.
#
# CONTRACT
#   Invocation  Jibri runs `finalize.sh <session recording directory>` once a file recording
#               has stopped. That directory is <jibri.recording.recordings-directory>/<sessionId>,
#               and the service starts Jibri with sessionId = recording id (a UUID), so the
#               directory name is the recording id. A recording that was paused and resumed
#               has one session per resumed stretch, sessionId <recording id>-part-<n>: that
#               stretch's file is uploaded as part n (the service joins the parts). When the
#               name is neither, the id is read from metadata.json in that directory: a
#               "recording_id", "sessionId" or "session_id" string field (first found, in that
#               order).
#   Input       exactly one *.mp4 file directly in that directory, and metadata.json there
#               with the recording's upload capability: the service starts Jibri with
#               urlParams ["recorderUploadCapability=<43 characters>"], which Jibri writes into
#               metadata.json as the fragment of "meeting_url" (it never opens that URL).
#   Service     POST $RECORDER_SERVICE_URL/api/v1.0/recordings/<id>/upload-url/[?part=<n>]
#               headers: Authorization: Bearer $JIBRI_UPLOAD_TOKEN,
#                        X-Recorder-Upload-Capability: <the capability>,
#                        Content-Type: application/json
#               body: {}
#               200/201 -> {"url": "<pre-signed PUT URL>", "key": "...", "expires_at": "..."}
#               The service issues the URL only once the recording stopped, once per recording.
#               409 -> the file is already in storage, or this recording's one URL went to
#                      someone else: an ALERT (someone else uploaded, or holds the token), no
#                      retry, exit 6; the recording is not known good until an operator checks
#               425 -> the recording has not stopped yet: retried
#               other 4xx (except 408, 429) -> refused for good, no retry
#               5xx, 408, 425, 429, network errors -> retried
#   Upload      PUT of the file to "url" (curl -T, Content-Type: video/mp4, If-None-Match: *).
#               The URL is signed for If-None-Match: *, so the storage refuses it without that
#               header and answers 412 instead of replacing an object that exists: an ALERT,
#               like the 409. Create-only relies on the storage honouring If-None-Match on PUT
#               (MinIO and S3 do; check yours). Any other failure is retried, each attempt asking for a fresh URL (a
#               URL lives only minutes: JIBRI_UPLOAD_URL_TTL_SECONDS on the service).
#   Retries     up to JIBRI_FINALIZE_MAX_ATTEMPTS attempts (default 5), waiting
#               JIBRI_FINALIZE_RETRY_DELAY seconds (default 5) doubled after each failure, at
#               most JIBRI_FINALIZE_RETRY_MAX_DELAY (default 300).
#   Timeouts    JIBRI_FINALIZE_CONNECT_TIMEOUT (10 s), JIBRI_FINALIZE_REQUEST_TIMEOUT for the
#               service call (30 s), JIBRI_FINALIZE_UPLOAD_MAX_TIME per upload (21600 s); an
#               upload stalled below 1 byte/s for JIBRI_FINALIZE_STALL_TIME (120 s) is aborted.
#   Cleanup     JIBRI_FINALIZE_DELETE=true removes the MP4 after a successful upload, never before.
#   Settings    from the environment, after reading the file $JIBRI_FINALIZE_ENV_FILE
#               (default /etc/jitsi/jibri/finalize.env) when it exists: plain VAR=value lines.
#               RECORDER_SERVICE_URL and JIBRI_UPLOAD_TOKEN are required.
#   Exit codes  0 uploaded; 2 usage or settings; 3 no single MP4, no recording id or no capability;
#               4 the service refused; 5 gave up after the last attempt; 6 ALERT: the file is
#               already in storage or the URL went to another asker (409 or 412): nothing
#               uploaded, the local file kept for the operator to compare.
#               Messages go to stderr. The token, the capability and the pre-signed URL are never printed, nor
#               passed on a command line (they reach curl through a config on stdin).

set -u

PROG=finalize.sh
NL='
'

say() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() {
  code=$1
  shift
  say "error: $*"
  exit "$code"
}

# --- settings -----------------------------------------------------------------------------
env_file=${JIBRI_FINALIZE_ENV_FILE:-/etc/jitsi/jibri/finalize.env}
if [ -r "$env_file" ]; then
  # shellcheck disable=SC1090
  . "$env_file" || die 2 "cannot read settings file $env_file"
fi

service_url=${RECORDER_SERVICE_URL:-}
token=${JIBRI_UPLOAD_TOKEN:-}
max_attempts=${JIBRI_FINALIZE_MAX_ATTEMPTS:-5}
retry_delay=${JIBRI_FINALIZE_RETRY_DELAY:-5}
retry_max_delay=${JIBRI_FINALIZE_RETRY_MAX_DELAY:-300}
connect_timeout=${JIBRI_FINALIZE_CONNECT_TIMEOUT:-10}
request_timeout=${JIBRI_FINALIZE_REQUEST_TIMEOUT:-30}
upload_max_time=${JIBRI_FINALIZE_UPLOAD_MAX_TIME:-21600}
stall_time=${JIBRI_FINALIZE_STALL_TIME:-120}
delete_after=${JIBRI_FINALIZE_DELETE:-false}

[ $# -eq 1 ] || die 2 "usage: $PROG <session recording directory>"
[ -n "$service_url" ] || die 2 "RECORDER_SERVICE_URL is not set"
[ -n "$token" ] || die 2 "JIBRI_UPLOAD_TOKEN is not set"
case $service_url in
  http://* | https://*) ;;
  *) die 2 "RECORDER_SERVICE_URL must start with http:// or https://" ;;
esac
# The token goes into a curl config line: it must not break out of its quotes.
case $token in
  *'"'* | *'\'* | *"$NL"*) die 2 "JIBRI_UPLOAD_TOKEN contains a quote, backslash or newline" ;;
esac
need_number() {
  case $2 in
    '' | *[!0-9]*) die 2 "$1 must be a whole number, got '$2'" ;;
  esac
}
need_number JIBRI_FINALIZE_MAX_ATTEMPTS "$max_attempts"
need_number JIBRI_FINALIZE_RETRY_DELAY "$retry_delay"
need_number JIBRI_FINALIZE_RETRY_MAX_DELAY "$retry_max_delay"
need_number JIBRI_FINALIZE_CONNECT_TIMEOUT "$connect_timeout"
need_number JIBRI_FINALIZE_REQUEST_TIMEOUT "$request_timeout"
need_number JIBRI_FINALIZE_UPLOAD_MAX_TIME "$upload_max_time"
need_number JIBRI_FINALIZE_STALL_TIME "$stall_time"
[ "$max_attempts" -ge 1 ] || die 2 "JIBRI_FINALIZE_MAX_ATTEMPTS must be at least 1"
case $delete_after in
  true | TRUE | True | 1 | yes) delete_after=true ;;
  *) delete_after=false ;;
esac
while :; do
  case $service_url in
    */) service_url=${service_url%/} ;;
    *) break ;;
  esac
done

# --- the recording ------------------------------------------------------------------------
dir=$1
while :; do
  case $dir in
    ?*/) dir=${dir%/} ;;
    *) break ;;
  esac
done
[ -d "$dir" ] || die 3 "not a directory: $dir"

H='[0-9A-Fa-f]'
is_uuid() {
  case $1 in
    $H$H$H$H$H$H$H$H-$H$H$H$H-$H$H$H$H-$H$H$H$H-$H$H$H$H$H$H$H$H$H$H$H$H) return 0 ;;
    *) return 1 ;;
  esac
}

metadata=
if [ -r "$dir/metadata.json" ]; then
  metadata=$(tr -d '\r\n' <"$dir/metadata.json")
fi

recording_id=${dir##*/}
part=
case $recording_id in
  *-part-[1-9] | *-part-[1-9][0-9] | *-part-[1-9][0-9][0-9] | *-part-[1-9][0-9][0-9][0-9])
    if is_uuid "${recording_id%-part-*}"; then
      part=${recording_id##*-part-}
      recording_id=${recording_id%-part-*}
    fi
    ;;
esac
if ! is_uuid "$recording_id"; then
  recording_id=
  if [ -n "$metadata" ]; then
    for field in recording_id sessionId session_id; do
      candidate=$(printf '%s\n' "$metadata" | sed -n "s/.*\"$field\"[[:space:]]*:[[:space:]]*\"\\([^\"]*\\)\".*/\\1/p")
      if is_uuid "$candidate"; then
        recording_id=$candidate
        break
      fi
    done
  fi
  [ -n "$recording_id" ] || die 3 "no recording id: the directory name is not one and metadata.json names none ($dir)"
fi

# The service handed this recording's upload capability to Jibri in the meeting URL's fragment,
# which Jibri writes into metadata.json as meeting_url (and does not open in its browser).
capability=$(printf '%s\n' "$metadata" | sed -n 's/.*"meeting_url"[[:space:]]*:[[:space:]]*"[^"]*[#&]recorderUploadCapability=\([A-Za-z0-9_-]*\).*/\1/p')
[ "${#capability}" -eq 43 ] ||
  die 3 "no upload capability for recording $recording_id: $dir/metadata.json has no meeting_url with recorderUploadCapability (was the recording started by this service?)"

count=0
file=
for candidate in "$dir"/*.mp4; do
  [ -f "$candidate" ] || continue
  count=$((count + 1))
  file=$candidate
done
[ "$count" -eq 1 ] || die 3 "expected exactly one .mp4 file in $dir, found $count"

# --- one attempt: ask for a pre-signed URL, then PUT the file -----------------------------
# Returns 0 when uploaded, 1 when worth retrying; exits 4 when the service refuses for good and
# 6 when the file is already in storage.
endpoint="$service_url/api/v1.0/recordings/$recording_id/upload-url/"
[ -z "$part" ] || endpoint="$endpoint?part=$part"

# The "detail" of a JSON error answer, printable characters only, for the operator to read.
detail_of() {
  printf '%s' "$1" | tr -d '\r\n' | sed "s/\\\\\"/'/g" |
    sed -n 's/.*"detail"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' | tr -cd '[:print:]' | cut -c1-300
}
with_detail() {
  d=$(detail_of "$1")
  [ -z "$d" ] || printf ': %s' "$d"
}
already_stored() {
  say "ALERT: someone else uploaded recording $recording_id or holds the upload token; the stored file may be forged"
  die 6 "recording $recording_id is already in storage ($*); nothing uploaded, the local file is kept"
}

attempt_upload() {
  # The token and the capability travel in a curl config read from stdin, so neither appears
  # in the process list; printf is a shell builtin.
  answer=$(printf 'header = "Authorization: Bearer %s"\nheader = "X-Recorder-Upload-Capability: %s"\n' "$token" "$capability" |
    curl -sS -K - -X POST \
      -H 'Accept: application/json' -H 'Content-Type: application/json' --data '{}' \
      --connect-timeout "$connect_timeout" --max-time "$request_timeout" \
      -w "$NL%{http_code}" "$endpoint")
  status=${answer##*"$NL"}
  body=${answer%"$NL"*}
  case $status in
    200 | 201) ;;
    408 | 425 | 429 | 5??) say "the recording service answered HTTP $status for an upload URL" && return 1 ;;
    409) already_stored "the recording service answered HTTP 409$(with_detail "$body")" ;;
    4??) die 4 "the recording service refused an upload URL for recording $recording_id (HTTP $status)$(with_detail "$body")" ;;
    *) say "could not reach the recording service (status '${status:-none}')" && return 1 ;;
  esac

  body=$(printf '%s' "$body" | tr -d '\r\n')
  url=$(printf '%s\n' "$body" | sed -n 's/.*"url"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' | sed 's#\\/#/#g')
  case $url in
    *'"'* | *'\'* | *' '*) say "the recording service's upload url has characters it cannot have" && return 1 ;;
    http://* | https://*) ;;
    *) say "the recording service's answer has no upload url" && return 1 ;;
  esac

  # The URL is a credential too: it goes to curl in a config on stdin, like the token.
  put_status=$(printf 'url = "%s"\n' "$url" |
    curl -sS -K - -T "$file" -H 'Content-Type: video/mp4' -H 'If-None-Match: *' -o /dev/null \
      --connect-timeout "$connect_timeout" --max-time "$upload_max_time" \
      --speed-limit 1 --speed-time "$stall_time" -w '%{http_code}')
  case $put_status in
    2??) return 0 ;;
    412) already_stored "the storage answered HTTP 412: an object exists under that key" ;;
  esac
  say "upload of ${file##*/} failed (HTTP ${put_status:-none})"
  return 1
}

attempt=1
delay=$retry_delay
while :; do
  if attempt_upload; then
    break
  fi
  if [ "$attempt" -ge "$max_attempts" ]; then
    die 5 "gave up uploading recording $recording_id after $attempt attempt(s)"
  fi
  say "attempt $attempt of $max_attempts failed, retrying in ${delay}s"
  sleep "$delay"
  attempt=$((attempt + 1))
  delay=$((delay * 2))
  [ "$delay" -le "$retry_max_delay" ] || delay=$retry_max_delay
done

say "uploaded recording $recording_id${part:+ part $part} (${file##*/})"
if [ "$delete_after" = true ]; then
  rm -f -- "$file" || die 5 "uploaded, but could not remove $file"
  say "removed the local file"
fi
exit 0
