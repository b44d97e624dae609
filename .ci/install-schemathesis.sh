#!/usr/bin/env bash
# Installs schemathesis (pinned in requirements-schemathesis.txt) into .venv-schemathesis/ at the
# repository root. Idempotent: when the venv already matches the pins it returns at once.
# Usage: bash .ci/install-schemathesis.sh [--force]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv-schemathesis"
requirements="$root/requirements-schemathesis.txt"
stamp="$venv/.baton-requirements.sha256"

python="${PYTHON:-python3}"
if ! command -v "$python" >/dev/null 2>&1; then
  echo "install-schemathesis: $python not found (schemathesis needs Python >= 3.10)" >&2
  exit 1
fi
if ! "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)'; then
  echo "install-schemathesis: $("$python" --version 2>&1) is too old (schemathesis needs Python >= 3.10)" >&2
  exit 1
fi

wanted="$(cat "$requirements" <("$python" --version 2>&1) | sha256sum | cut -d' ' -f1)"
if [[ "${1:-}" != "--force" && -x "$venv/bin/schemathesis" && -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
  echo "install-schemathesis: already installed ($venv)"
  exit 0
fi

if [[ ! -x "$venv/bin/python" ]]; then
  "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
  --requirement "$requirements"
"$venv/bin/schemathesis" --version # fails loudly if the install is broken
echo "$wanted" >"$stamp"
echo "install-schemathesis: installed $(grep -E '^schemathesis==' "$requirements") into $venv"
