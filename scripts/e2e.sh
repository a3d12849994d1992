#!/usr/bin/env bash
# Dialogue tests: e2e test stories (tests/stories/test_*.yml) against the real action
# server, failing on any wrong prediction.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
mkdir -p var results
exec 8>var/e2e.lock
flock 8
trap stop_all EXIT
start_action_server
.venv/bin/rasa test core --endpoints "$(endpoints_for_port endpoints.yml)" --stories tests/stories --fail-on-prediction-errors --out results/core --quiet
.venv/bin/python scripts/count_stories.py results/core
