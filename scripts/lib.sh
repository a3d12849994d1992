# Shared by chat.sh, serve.sh and e2e.sh: start servers, wait for them, stop them all.
ACTION_PORT=${ACTION_PORT:-5055}
RASA_PORT=${RASA_PORT:-5005}
pids=()

# endpoints.yml names the action server on 5055; for another port, a copy under var/.
endpoints_for_port() {  # base endpoints file
  if [ "$ACTION_PORT" = 5055 ]; then echo "$1"; return; fi
  mkdir -p var
  sed "s#127.0.0.1:5055#127.0.0.1:$ACTION_PORT#" "$1" > "var/endpoints-$ACTION_PORT.yml"
  echo "var/endpoints-$ACTION_PORT.yml"
}

port_free() { ! (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; }

require_free_port() {
  if ! port_free "$1"; then
    echo "error: port $1 on 127.0.0.1 is in use ($2). Stop whatever is using it" >&2
    echo "       (find it with: ss -ltnp 'sport = :$1'), or set $3=<other port>." >&2
    exit 1
  fi
}

start_action_server() {
  require_free_port "$ACTION_PORT" "action server" ACTION_PORT
  # rasa_sdk binds 0.0.0.0 unless told otherwise; the action server has no authentication.
  # Rasa reuses idle connections to it for 15 s, so they must outlive Sanic's 5 s default.
  SANIC_HOST=127.0.0.1 SANIC_KEEP_ALIVE_TIMEOUT=${SANIC_KEEP_ALIVE_TIMEOUT:-75} .venv/bin/python -m rasa_sdk --actions actions --port "$ACTION_PORT" --quiet \
    >"${ACTION_LOG:-var/actions.log}" 2>&1 &
  pids+=($!)
  wait_for_http "http://127.0.0.1:$ACTION_PORT/health" 60 "action server"
}

wait_for_http() {  # url, seconds, what
  local deadline=$(( $(date +%s) + $2 ))
  until .venv/bin/python -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=2)" "$1" 2>/dev/null; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "error: $3 did not answer at $1 within $2 s; see var/*.log" >&2
      return 1
    fi
    for pid in "${pids[@]}"; do
      kill -0 "$pid" 2>/dev/null || { echo "error: $3 exited; see var/*.log" >&2; return 1; }
    done
    sleep 1
  done
}

stop_all() {
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  pids=()
}

# The trainer web app (python -m trainer) on 127.0.0.1:$TRAINER_PORT. Not fatal: when the port
# is taken or the app fails, the chat servers still start (TRAINER_PORT=off skips it).
start_trainer_app() {  # log file
  TRAINER_PORT=${TRAINER_PORT:-5002}
  [ "$TRAINER_PORT" = off ] && return 0
  if ! port_free "$TRAINER_PORT"; then
    echo "warning: port $TRAINER_PORT is in use, so the trainer web app is not started (set TRAINER_PORT=<other port>)" >&2
    return 0
  fi
  TRAINER_PORT=$TRAINER_PORT RASA_PORT=${RASA_PORT:-5005} .venv/bin/python -m trainer >"$1" 2>&1 &
  local pid=$!
  pids+=("$pid")
  if wait_for_http "http://127.0.0.1:$TRAINER_PORT/trainer/sign-in" 60 "trainer web app (log $1)"; then
    echo "==> trainer app ready: http://127.0.0.1:$TRAINER_PORT/trainer/  (accounts: python -m bot add-trainer EMAIL)"
  else
    echo "warning: the trainer web app did not start; see $1" >&2
    kill "$pid" 2>/dev/null || true
    local kept=() p
    for p in "${pids[@]}"; do [ "$p" = "$pid" ] || kept+=("$p"); done
    pids=("${kept[@]}")
  fi
}
