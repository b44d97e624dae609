#!/usr/bin/env bash
# Installs Debian's `chromium` for the web console's browser test (test/console/console.browser.test.ts,
# driven by playwright-core, which downloads no browser). Idempotent: when a Chromium is already at
# CHROMIUM_PATH (default /usr/bin/chromium) it returns at once. Needs root or sudo and apt-get.
# Usage: bash .ci/install-chromium.sh
set -euo pipefail

chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [[ -x "$chromium" ]]; then
  echo "install-chromium: $chromium is installed"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-chromium: no apt-get here; install Chromium yourself and set CHROMIUM_PATH" >&2
  exit 1
fi
sudo=()
if [[ "$(id -u)" -ne 0 ]]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "install-chromium: apt-get needs root and there is no sudo" >&2
    exit 1
  fi
  sudo=(sudo)
fi
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends chromium
echo "install-chromium: installed $("$chromium" --version 2>/dev/null || echo "$chromium")"
