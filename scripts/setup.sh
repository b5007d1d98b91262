#!/usr/bin/env bash
# One idempotent setup for a fresh machine or a fresh clone: npm dependencies, the native TensorFlow addon,
# the MLflow venv, and the TypeScript build. Each step is skipped quickly when it is already done.
# Only what training and MLflow need, and nothing that needs root (it runs in `npm run quickstart`); what only
# the tests need (a browser) is in scripts/setup-test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false

# npm ci only when node_modules is missing or older than the lock file (npm ci wipes node_modules).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[xp setup] installing npm dependencies (npm ci)…"
  npm ci --no-audit --no-fund
fi

# The addon's source carries xp's patch (patches/: list-valued string and type attributes, which TensorFlow's
# fused oneDNN kernels need); patch-package re-applies it idempotently, before the addon is built.
npx patch-package --error-on-fail >/dev/null
node scripts/setup-native-tf.mjs
bash scripts/setup-mlflow.sh

echo "[xp setup] building the packages…"
npx nx run-many -t build --outputStyle=static >/dev/null || npx nx run-many -t build --outputStyle=static
echo "[xp setup] done. Try: npx xp doctor"
