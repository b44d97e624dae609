#!/usr/bin/env bash
# API conformance: starts `baton dev --demo` on a free port with a fresh data dir, then runs
# schemathesis (installed by .ci/install-schemathesis.sh) against the OpenAPI document it serves
# at /openapi.json. Fails on any 5xx, undocumented status, content type or header, or an answer
# that does not match its schema. Bounded: a fixed seed and example count (about a minute).
# Usage: bash .ci/schemathesis.sh [extra schemathesis options]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"

st=".venv-schemathesis/bin/schemathesis"
[[ -x "$st" ]] || { echo "schemathesis: run bash .ci/install-schemathesis.sh first" >&2; exit 2; }

data="$(mktemp -d "${TMPDIR:-/tmp}/baton-schemathesis-XXXXXX")"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
log="$data/dev.log"
tsx bin/baton.ts dev --demo --quiet --port "$port" --data-dir "$data/state" >"$log" 2>&1 &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT

base="http://127.0.0.1:$port"
for _ in $(seq 1 120); do
  if curl -fsS "$base/health" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$server" 2>/dev/null; then
    echo "schemathesis: baton dev exited:" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 1
done

# The coverage phase is left out: in schemathesis 4.32.5 it crashes inside hypothesis on Python
# 3.11 ("AST constructor recursion depth mismatch") before sending a request.
"$st" run "$base/openapi.json" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance \
  --phases examples,fuzzing,stateful \
  --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-40}" \
  --seed "${SCHEMATHESIS_SEED:-15}" \
  --workers 2 \
  --generation-database none \
  --request-timeout 30 \
  "$@"
