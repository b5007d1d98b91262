#!/usr/bin/env bash
# Setup for running the tests (`npm test`, CI): everything `npm run setup` installs for training and MLflow,
# plus what only the tests use: Debian's Chromium for the browser e2e suite (scripts/setup-browser.sh, which
# uses apt-get and, when not root, sudo). Kept out of scripts/setup.sh so that `npm run quickstart` never
# asks for root. Idempotent, like both parts.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/setup-browser.sh
