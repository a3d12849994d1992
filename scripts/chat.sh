#!/usr/bin/env bash
# Terminal chat: the action server in the background, `rasa shell` in the foreground.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
mkdir -p var
trap stop_all EXIT
echo "==> starting the action server on 127.0.0.1:$ACTION_PORT"
start_action_server
echo "==> loading the model (about half a minute); type /stop to quit"
# Library deprecation warnings and TensorFlow start-up chatter are noise in a chat window.
export PYTHONWARNINGS=ignore TF_CPP_MIN_LOG_LEVEL=2
# Library warnings go to var/chat.log (shown if the chat fails to start), not into the chat.
status=0
.venv/bin/python scripts/rasa_shell.py --quiet --endpoints "$(endpoints_for_port endpoints.yml)" 2>var/chat.log || status=$?
if [ "$status" -ne 0 ]; then
  grep -v -i "warning" var/chat.log | tail -n 20 >&2
  echo "the chat stopped with an error (exit $status); the whole output is in var/chat.log" >&2
fi
exit "$status"
