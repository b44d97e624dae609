#!/usr/bin/env bash
# Installs the AWS emulator (MiniStack, pinned in requirements-integration.txt) into
# .venv-integration/ at the repository root. Idempotent: when the venv already matches the pins it
# returns at once. Usage: bash .ci/install-emulator.sh [--force]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv-integration"
requirements="$root/requirements-integration.txt"
stamp="$venv/.baton-requirements.sha256"

python="${PYTHON:-python3}"
if ! command -v "$python" >/dev/null 2>&1; then
  echo "install-emulator: $python not found (MiniStack needs Python >= 3.10)" >&2
  exit 1
fi
if ! "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)'; then
  echo "install-emulator: $("$python" --version 2>&1) is too old (MiniStack needs Python >= 3.10)" >&2
  exit 1
fi

wanted="$(cat "$requirements" <("$python" --version 2>&1) | sha256sum | cut -d' ' -f1)"
if [[ "${1:-}" != "--force" && -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]] \
  && "$venv/bin/python" -c 'import ministack' 2>/dev/null; then
  echo "install-emulator: MiniStack already installed ($venv)"
  exit 0
fi

if [[ ! -x "$venv/bin/python" ]]; then
  "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
  --requirement "$requirements"
"$venv/bin/python" -c 'import ministack' # fails loudly if the install is broken
echo "$wanted" >"$stamp"
echo "install-emulator: installed $(grep -E '^ministack==' "$requirements") into $venv"
