#!/usr/bin/env bash
# Action server + Rasa (rest, socketio and web chat channels) + the trainer web app in the
# foreground; Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
mkdir -p var
ENDPOINTS=${ENDPOINTS:-endpoints.yml}
trap stop_all EXIT
trap 'exit 130' INT TERM
require_free_port "$RASA_PORT" "Rasa server" RASA_PORT
# Rasa loads its model for most of a minute: start it first, and the action server and the
# trainer app while it loads (Rasa calls the action server only when a message arrives).
.venv/bin/rasa run --interface 127.0.0.1 --port "$RASA_PORT" \
  --credentials credentials.yml --endpoints "$(endpoints_for_port "$ENDPOINTS")" \
  --cors "http://127.0.0.1:$RASA_PORT" --log-file "${RASA_LOG:-var/rasa.log}" &
pids+=($!)
start_action_server
echo "==> action server ready on 127.0.0.1:$ACTION_PORT"
start_trainer_app "${TRAINER_LOG:-var/trainer.log}"
wait_for_http "http://127.0.0.1:$RASA_PORT/" 180 "Rasa server"
echo "==> Rasa ready: web chat http://127.0.0.1:$RASA_PORT/chat/ ;  REST POST http://127.0.0.1:$RASA_PORT/webhooks/rest/webhook  (Ctrl-C stops all)"
wait "${pids[@]}"
