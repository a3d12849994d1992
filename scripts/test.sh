#!/usr/bin/env bash
# `make test`: every check, in order of cost; any failure fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { echo; echo "==> $*"; }

step "unit and action tests (pytest)"
.venv/bin/python -m pytest -q tests

step "rasa data validate (warnings fail)"
.venv/bin/rasa data validate --fail-on-warnings --quiet

step "training (skipped when nothing changed)"
bash scripts/train.sh

step "NLU regression set (tests/nlu/regression.yml, a studied dev set)"
.venv/bin/python scripts/check_nlu.py

step "dialogue tests (e2e stories with the action server)"
bash scripts/e2e.sh

step "web chat in a real browser (headless Chromium + Playwright)"
bash scripts/browser_test.sh

step "agency profile: hostile input and restart on PostgreSQL + Redis"
bash scripts/agency_test.sh
