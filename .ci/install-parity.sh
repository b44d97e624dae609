#!/usr/bin/env bash
# Installs the second Step Functions engine (moto, pinned in requirements-parity.txt) into
# .venv-parity/ at the repository root. Idempotent: when the venv already matches the pins it
# returns at once. Usage: bash .ci/install-parity.sh [--force]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv-parity"
requirements="$root/requirements-parity.txt"
stamp="$venv/.baton-requirements.sha256"

python="${PYTHON:-python3}"
if ! command -v "$python" >/dev/null 2>&1; then
  echo "install-parity: $python not found (moto needs Python >= 3.10)" >&2
  exit 1
fi
if ! "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)'; then
  echo "install-parity: $("$python" --version 2>&1) is too old (moto needs Python >= 3.10)" >&2
  exit 1
fi

wanted="$(cat "$requirements" <("$python" --version 2>&1) | sha256sum | cut -d' ' -f1)"
if [[ "${1:-}" != "--force" && -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]] \
  && "$venv/bin/python" -c 'import moto.stepfunctions.parser.models' 2>/dev/null; then
  echo "install-parity: moto already installed ($venv)"
  exit 0
fi

if [[ ! -x "$venv/bin/python" ]]; then
  "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
  --requirement "$requirements"
"$venv/bin/python" -c 'import moto.stepfunctions.parser.models' # fails loudly if the install is broken
echo "$wanted" >"$stamp"
echo "install-parity: installed $(grep -E '^moto==' "$requirements") into $venv"
