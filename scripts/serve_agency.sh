#!/usr/bin/env bash
# Agency profile in the foreground: one action server and N Rasa replicas (default two, on
# 5005 and 5006) sharing PostgreSQL (conversation history + results store) and Redis (ticket
# locks). Put any HTTP load balancer in front of the replicas. Ctrl-C stops everything.
#
# Settings (environment, defaults for this machine):
#   AGENCY_DB_HOST=127.0.0.1 AGENCY_DB_PORT=5432 AGENCY_DB_NAME=test AGENCY_DB_USER=postgres
#   PGPASSWORD              database password, if the server asks for one
#   TRACKER_STORE_URL, DATABASE_URL   default postgresql://USER@HOST:PORT/NAME (both)
#   REDIS_HOST=127.0.0.1 REDIS_PORT=6379 REDIS_DB=1 REDIS_PASSWORD=
#   ACTION_PORT=5055  RASA_PORTS="5005 5006"  RASA_INTERFACE=127.0.0.1
#   RASA_CORS               allowed browser origin(s) for other sites' pages (default none)
#   TRAINER_PORT=5002 TRAINER_SECRET TRAINER_HTTPS TRAINER_CHAT_URL TRAINER_PUBLIC_URL   the trainer app
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
mkdir -p var

export AGENCY_DB_HOST=${AGENCY_DB_HOST:-127.0.0.1} AGENCY_DB_PORT=${AGENCY_DB_PORT:-5432}
export AGENCY_DB_NAME=${AGENCY_DB_NAME:-test} AGENCY_DB_USER=${AGENCY_DB_USER:-postgres}
default_db_url="postgresql://$AGENCY_DB_USER@$AGENCY_DB_HOST:$AGENCY_DB_PORT/$AGENCY_DB_NAME"
export TRACKER_STORE_URL=${TRACKER_STORE_URL:-$default_db_url}
export DATABASE_URL=${DATABASE_URL:-$default_db_url}
export REDIS_HOST=${REDIS_HOST:-127.0.0.1} REDIS_PORT=${REDIS_PORT:-6379}
export REDIS_DB=${REDIS_DB:-1} REDIS_PASSWORD=${REDIS_PASSWORD:-}
export ACTION_HOST=127.0.0.1 ACTION_PORT
export ACTION_LOG=${ACTION_LOG:-var/actions-agency.log}
RASA_PORTS=${RASA_PORTS:-5005 5006}
RASA_INTERFACE=${RASA_INTERFACE:-127.0.0.1}
# Sanic answers 413 to bigger request bodies before parsing them (its default is 100 MB). 2 MB
# still lets a 100,000-character message of JSON-escaped emoji reach web/input_guard.py, which
# refuses anything over 2,000 characters politely.
export SANIC_REQUEST_MAX_SIZE=${SANIC_REQUEST_MAX_SIZE:-2000000}
# Rasa's aiohttp client keeps idle connections to the action server for 15 s, Sanic closes
# them after 5 s: under load a reused connection is being closed ("Cannot write to closing
# transport") and that action's events are lost. Servers must outlive their clients' keep-alive.
export SANIC_KEEP_ALIVE_TIMEOUT=${SANIC_KEEP_ALIVE_TIMEOUT:-75}

echo "==> checking PostgreSQL and Redis"
# A real connection, not just an open port: wrong database names and passwords show here,
# instead of Rasa's SQL tracker store retrying forever at start-up.
.venv/bin/python - <<'PY' || exit 1
import os, sys
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
import redis

problems = []
for name in ("TRACKER_STORE_URL", "DATABASE_URL"):
    url = os.environ[name]
    try:
        with create_engine(url, connect_args={"connect_timeout": 5}).connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as error:
        first_line = str(error).strip().splitlines()[0]
        problems.append(f"PostgreSQL ({name}={make_url(url)!r}) is not reachable: {first_line}")
try:
    redis.Redis(host=os.environ["REDIS_HOST"], port=int(os.environ["REDIS_PORT"]),
                db=int(os.environ["REDIS_DB"]), password=os.environ["REDIS_PASSWORD"] or None,
                socket_timeout=5, socket_connect_timeout=5).ping()
except Exception as error:
    problems.append(f"Redis ({os.environ['REDIS_HOST']}:{os.environ['REDIS_PORT']}) is not reachable: {error}")
for problem in problems:
    print("error:", problem, file=sys.stderr)
if problems:
    print("       Start them, or point AGENCY_DB_* / TRACKER_STORE_URL / DATABASE_URL / REDIS_* "
          "at yours (see the top of scripts/serve_agency.sh).", file=sys.stderr)
sys.exit(1 if problems else 0)
PY

echo "==> results-store schema on $(.venv/bin/python -c 'import sys; from bot.store import safe_url; print(safe_url(sys.argv[1]))' "$DATABASE_URL")"
.venv/bin/python -m bot migrate

for port in $RASA_PORTS; do require_free_port "$port" "Rasa replica" RASA_PORTS; done
trap stop_all EXIT
trap 'exit 130' INT TERM
start_action_server
echo "==> action server ready on 127.0.0.1:$ACTION_PORT"
for port in $RASA_PORTS; do
  # No --enable-api: the HTTP API (tracker editing, model upload) stays off; only the
  # channels in credentials.yml and GET / are served.
  .venv/bin/rasa run --interface "$RASA_INTERFACE" --port "$port" \
    --credentials credentials.yml --endpoints endpoints.agency.yml \
    ${RASA_CORS:+--cors "$RASA_CORS"} --log-file "var/rasa-$port.log" >"var/rasa-$port.out" 2>&1 &
  pids+=($!)
done
for port in $RASA_PORTS; do
  wait_for_http "http://127.0.0.1:$port/" 300 "Rasa replica on port $port (log var/rasa-$port.out)"
  echo "==> Rasa replica ready: POST http://$RASA_INTERFACE:$port/webhooks/rest/webhook"
done
# The trainer web app (one process is enough; sign-in rate limits live in its memory). Put it
# behind the same load balancer under /trainer/ (docs/agency.md).
start_trainer_app "${TRAINER_LOG:-var/trainer-agency.log}"
echo "==> agency profile running (Ctrl-C stops all)"
set +e
wait -n "${pids[@]}"
echo "error: a server exited (see $ACTION_LOG, var/rasa-*.out); stopping the others" >&2
exit 1
