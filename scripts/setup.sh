#!/usr/bin/env bash
# Set-up: .venv from the pinned lock, the spaCy pipeline, the results-store schema.
# Each step is skipped when what it builds is already up to date.
set -euo pipefail
cd "$(dirname "$0")/.."

lock_hash=$(sha256sum requirements.lock | cut -c1-16)
stamp=.venv/.installed-$lock_hash
if [ ! -f "$stamp" ]; then
  py=$(bash scripts/find_python310.sh)
  echo "==> creating .venv with $py (pinned install, about 3 minutes the first time)"
  rm -rf .venv
  "$py" -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check --upgrade "pip==24.0"
  .venv/bin/pip install --quiet --disable-pip-version-check --no-deps -r requirements.lock
  .venv/bin/pip check
  touch "$stamp"
fi

.venv/bin/python -m bot build-pipeline --quiet
if [ -f alembic.ini ]; then
  .venv/bin/python -m bot migrate --quiet
fi
