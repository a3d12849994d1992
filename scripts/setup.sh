#!/usr/bin/env bash
# Set-up: .venv from the pinned lock, the spaCy pipeline, the results-store schema.
# Each step is skipped when what it builds is already up to date, and says how long it took.
set -euo pipefail
cd "$(dirname "$0")/.."

step_start=0
step() { step_start=$(date +%s); echo "==> $*"; }
done_step() { echo "    done in $(( $(date +%s) - step_start ))s"; }

UV_VERSION=0.9.30
lock_hash=$(sha256sum requirements.lock | cut -c1-16)
stamp=.venv/.installed-$lock_hash
if [ ! -f "$stamp" ]; then
  if [ -x .venv/bin/python ] && .venv/bin/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then
    # An existing 3.10 venv: install what the new lock adds or changes, nothing else.
    step "updating .venv to requirements.lock"
  else
    py=$(bash scripts/find_python310.sh)
    step "creating .venv with $py and installing the pinned dependencies (2.7 GB; about 30 s with uv, 2-3 minutes with pip)"
    rm -rf .venv
    "$py" -m venv .venv
    .venv/bin/pip install --quiet --disable-pip-version-check --upgrade "pip==24.0"
  fi
  # uv installs the same pinned lock in parallel (about 20 s from a cold cache here, against
  # 95 s for pip with a warm one); pip remains the fallback when uv cannot be installed.
  if .venv/bin/pip install --quiet --disable-pip-version-check "uv==$UV_VERSION" 2>/dev/null; then
    .venv/bin/uv pip install --quiet --python .venv/bin/python --no-deps -r requirements.lock
  else
    echo "    (uv not available: installing with pip)"
    .venv/bin/pip install --quiet --disable-pip-version-check --no-deps -r requirements.lock 2>&1 \
      | { grep -v "^WARNING: Location 'file:" || true; }
  fi
  .venv/bin/pip check
  rm -f .venv/.installed-*
  touch "$stamp"
  done_step
fi

if ! .venv/bin/python -m bot build-pipeline --check 2>/dev/null; then
  step "building the spaCy pipeline (var/spacy_en) and checking the meaning model"
  .venv/bin/python -m bot build-pipeline --quiet
  done_step
fi
# The caches built from content (grader, rehearsal coach, answer indexes; var/), so the first
# message of each kind doesn't wait for them. Rebuilt only when bot/ or the NLU data changed.
warm_key=$(find bot data/nlu -type f \( -name '*.py' -o -name '*.yml' \) | sort | xargs cat | sha256sum | cut -c1-16)
if [ ! -f "var/.warm-$warm_key" ]; then
  step "building the grader, rehearsal and answer caches (var/)"
  .venv/bin/python -m bot warm-caches
  mkdir -p var && rm -f var/.warm-* && touch "var/.warm-$warm_key"
  done_step
fi
if [ -f alembic.ini ]; then
  .venv/bin/python -m bot migrate --quiet
fi
