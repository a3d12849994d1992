#!/usr/bin/env bash
# Agency-profile tests (tests/agency): hostile input and SIGKILL restart against real Rasa and
# action servers on PostgreSQL + Redis. The tests start their own servers on
# AGENCY_TEST_RASA_PORT (5205) and AGENCY_TEST_ACTION_PORT (5255). Without PostgreSQL or Redis
# they skip with the reason, except under CI=true, where that fails.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var
# One server-running test suite at a time on these 2 cores (scripts/e2e.sh takes it too).
exec 8>var/e2e.lock
flock 8
AGENCY_TESTS=1 .venv/bin/python -m pytest -q -rs -s -p no:cacheprovider tests/agency "$@"
