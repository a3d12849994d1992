#!/usr/bin/env bash
# Train only when data, config or domain changed (Rasa compares fingerprints with the
# newest model in models/). A lock keeps parallel runs from training twice at once.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var
exec 9>var/train.lock
flock 9
start=$(date +%s)
# Library deprecation warnings and TensorFlow chatter say nothing to someone waiting for a chat.
export PYTHONWARNINGS=${PYTHONWARNINGS:-ignore} TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-2}
echo "==> training the model (about a minute on 2 cores; skipped when nothing changed)"
# Rasa's own output (and the libraries' deprecation warnings) goes to var/train.log; shown on failure.
if ! .venv/bin/rasa train --quiet --num-threads 2 "$@" >var/train.log 2>&1; then
  tail -n 30 var/train.log >&2
  echo "error: training failed; the whole output is in var/train.log" >&2
  exit 1
fi
echo "==> model ready in $(( $(date +%s) - start ))s: $(ls -t models/*.tar.gz | head -1)"
