#!/usr/bin/env bash
# Real-browser test of the staff web chat and the trainer app: headless Debian Chromium driven by Playwright
# (tests/browser/) against scripts/serve.sh on its own ports, so a running `make serve`
# or e2e run is not disturbed. Screenshots go to var/screenshots/.
set -euo pipefail
cd "$(dirname "$0")/.."
export CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

if [ ! -x "$CHROMIUM" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "==> installing Debian's chromium (apt-get)"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >/dev/null \
    || echo "warning: apt-get could not install chromium" >&2
fi
if [ ! -x "$CHROMIUM" ]; then
  if [ "${CI:-}" = true ]; then
    echo "error: browser test: no Chromium at $CHROMIUM and it could not be installed" >&2
    exit 1
  fi
  echo "SKIPPED browser test: no Chromium at $CHROMIUM (apt-get install chromium, or set CHROMIUM=/path)"
  exit 0
fi

source scripts/lib.sh
export RASA_PORT=${BROWSER_RASA_PORT:-5105} ACTION_PORT=${BROWSER_ACTION_PORT:-5155}
export TRAINER_PORT=${BROWSER_TRAINER_PORT:-5102}
mkdir -p var/browser
exec 7>var/browser/lock
flock 7
ls models/*.tar.gz >/dev/null 2>&1 || bash scripts/train.sh
# A results store of its own (the trainer test creates accounts and assignments in it).
rm -f var/browser/results.db var/browser/results.db-wal var/browser/results.db-shm
export DATABASE_URL="sqlite:///$PWD/var/browser/results.db"
# The onboarding test moves the action server's clock to "tomorrow" through this file (tests only).
export ONBOARDING_CLOCK_FILE="$PWD/var/browser/clock"
rm -f "$ONBOARDING_CLOCK_FILE"
.venv/bin/python -m bot migrate --quiet

trap stop_all EXIT
echo "==> starting the servers (scripts/serve.sh, ports $ACTION_PORT, $RASA_PORT and trainer $TRAINER_PORT)"
ACTION_LOG=var/browser/actions.log RASA_LOG=var/browser/rasa.log TRAINER_LOG=var/browser/trainer.log \
  bash scripts/serve.sh >var/browser/serve.log 2>&1 &
pids+=($!)
wait_for_http "http://127.0.0.1:$RASA_PORT/chat/" 300 "web chat" \
  || { tail -n 5 var/browser/serve.log var/browser/actions.log >&2; exit 1; }
wait_for_http "http://127.0.0.1:$TRAINER_PORT/trainer/sign-in" 60 "trainer app" \
  || { tail -n 5 var/browser/serve.log var/browser/trainer.log >&2; exit 1; }

WEBCHAT_URL="http://127.0.0.1:$RASA_PORT/chat/" TRAINER_URL="http://127.0.0.1:$TRAINER_PORT/trainer/" \
  .venv/bin/python -m pytest -q -p no:cacheprovider tests/browser \
  || { echo "browser test failed; servers' logs: var/browser/*.log, screenshots: var/screenshots/" >&2; exit 1; }
echo "==> browser test passed; screenshots in var/screenshots/"
