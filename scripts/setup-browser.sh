#!/usr/bin/env bash
# Debian's Chromium for the browser e2e suite (test/e2e/mlflow-ui.test.ts), driven by playwright-core.
# Playwright's own browser download does not work on closed networks, so the suite uses /usr/bin/chromium.
# Idempotent: does nothing when /usr/bin/chromium is there.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "[xp setup] /usr/bin/chromium is missing and apt-get is not available: install Chromium by hand" \
    "(the browser e2e suite skips locally without it, and fails in CI)." >&2
  exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then SUDO=(sudo); fi
export DEBIAN_FRONTEND=noninteractive

echo "[xp setup] installing Debian's chromium (browser e2e tests)…"
# Try without `apt-get update` first: on a machine with fresh lists it saves the download of every index.
if ! "${SUDO[@]}" apt-get install -y chromium; then
  "${SUDO[@]}" apt-get update
  "${SUDO[@]}" apt-get install -y chromium
fi
/usr/bin/chromium --version
