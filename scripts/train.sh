#!/usr/bin/env bash
# Train only when what the model is trained from changed (hashed below, against the
# newest model in models/). A lock keeps parallel runs from training twice at once.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var
exec 9>var/train.lock
flock 9
start=$(date +%s)
# Library deprecation warnings and TensorFlow chatter say nothing to someone waiting for a chat.
export PYTHONWARNINGS=${PYTHONWARNINGS:-ignore} TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-2}
# Rasa 3.6 reuses trained components when nothing changed but still loads the data and writes
# a new model archive (about 20 s). Everything training reads is hashed here instead, and the
# newest model is kept when the hash matches the one recorded when it was trained.
inputs=$(cat config.yml domain.yml requirements.lock $(find data nlu_components bot/embedding -type f \
  \( -name '*.yml' -o -name '*.py' -o -name '*.json' \) | LC_ALL=C sort) | sha256sum | cut -c1-32)
newest=$(ls -t models/*.tar.gz 2>/dev/null | head -1 || true)
if [ $# -eq 0 ] && [ -n "$newest" ] && [ "$(cat var/model.inputs 2>/dev/null)" = "$inputs $newest" ]; then
  echo "==> model up to date (nothing it is trained from changed): $newest"
  exit 0
fi
echo "==> training the model (about a minute on 2 cores)"
# Rasa's own output (and the libraries' deprecation warnings) goes to var/train.log; shown on failure.
if ! .venv/bin/rasa train --quiet --num-threads 2 "$@" >var/train.log 2>&1; then
  tail -n 30 var/train.log >&2
  echo "error: training failed; the whole output is in var/train.log" >&2
  exit 1
fi
newest=$(ls -t models/*.tar.gz | head -1)
echo "$inputs $newest" > var/model.inputs
echo "==> model ready in $(( $(date +%s) - start ))s: $newest"
