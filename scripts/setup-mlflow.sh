#!/usr/bin/env bash
# Provides the MLflow tracking server that xp manages (`xp server`, the embedded server, e2e tests).
#
# MLflow lives in a project-managed venv in a cache OUTSIDE the repo, keyed by version, so clean CI clones
# and `npm ci` reuse it and nothing is written into the checkout. mlflow is pinned: 3.18.0 does not resolve
# on PyPI mirrors we use (mlflow-skinny==3.18.0 is missing). PostgreSQL backend stores need a driver:
# MLflow 3.17 pulls SQLAlchemy 2.1, whose plain `postgresql://` URIs load psycopg 3, so `psycopg[binary]`
# is installed; psycopg2-binary is installed too for `postgresql+psycopg2://` URIs (and SQLAlchemy < 2.1).
# Idempotent: when the venv already answers `mlflow --version` with the pinned version and both drivers
# import, it returns at once.
#
# Environment: XP_MLFLOW_VENV overrides the venv path; XP_PYTHON picks the interpreter (default python3).
# Keep the path logic in sync with mlflowVenvDir() in packages/runner/src/mlflow/venv.ts.
set -euo pipefail

MLFLOW_VERSION="3.17.2"
PSYCOPG2_VERSION="2.9.10"
PSYCOPG_VERSION="3.3.9"
VENV="${XP_MLFLOW_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/xp/venv-mlflow-${MLFLOW_VERSION}}"
PYTHON="${XP_PYTHON:-python3}"

log() { echo "[xp setup] $*"; }
fail() { echo "[xp setup] ERROR: $*" >&2; exit 1; }

installed_version() {
  # `mlflow --version` prints e.g. "mlflow, version 3.17.2".
  { "$VENV/bin/mlflow" --version 2>/dev/null || true; } | sed -n 's/.*version \([0-9][0-9.]*\).*/\1/p'
}

if [[ -x "$VENV/bin/mlflow" && "$(installed_version)" == "$MLFLOW_VERSION" ]] \
  && "$VENV/bin/python" -c 'import psycopg, psycopg2' 2>/dev/null; then
  log "MLflow $MLFLOW_VERSION ready at $VENV"
  exit 0
fi

command -v "$PYTHON" >/dev/null 2>&1 \
  || fail "$PYTHON not found. Install Python >= 3.10 (e.g. 'apt-get install python3 python3-venv') or set XP_PYTHON."

if [[ ! -x "$VENV/bin/python" ]]; then
  log "creating venv at $VENV"
  mkdir -p "$(dirname "$VENV")"
  if ! "$PYTHON" -m venv "$VENV"; then
    rm -rf "$VENV"
    fail "'$PYTHON -m venv' failed. Install the venv module (Debian/Ubuntu: 'apt-get install python3-venv') and re-run 'npm run setup'."
  fi
fi

log "installing mlflow==$MLFLOW_VERSION and PostgreSQL drivers into $VENV (about a minute the first time)"
# -qq prints errors only: some pip configurations warn once per package about unused find-links locations.
"$VENV/bin/python" -m pip install -qq --disable-pip-version-check --upgrade pip \
  || fail "pip could not upgrade itself in $VENV; check network access to PyPI (or PIP_INDEX_URL)."
"$VENV/bin/python" -m pip install -qq --disable-pip-version-check \
  "mlflow==$MLFLOW_VERSION" "psycopg[binary]==$PSYCOPG_VERSION" "psycopg2-binary==$PSYCOPG2_VERSION" \
  || fail "pip install mlflow==$MLFLOW_VERSION failed; check network access to PyPI (or PIP_INDEX_URL). To start over: rm -rf '$VENV'."

version="$(installed_version)"
[[ "$version" == "$MLFLOW_VERSION" ]] \
  || fail "'$VENV/bin/mlflow --version' reported '${version:-nothing}', expected $MLFLOW_VERSION. Remove '$VENV' and re-run."

log "MLflow $MLFLOW_VERSION ready at $VENV"
