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
.venv/bin/python scripts/rasa_shell.py --quiet --endpoints "$(endpoints_for_port endpoints.yml)"
