#!/usr/bin/env bash
# Train only when data, config or domain changed (Rasa compares fingerprints with the
# newest model in models/). A lock keeps parallel runs from training twice at once.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var
exec 9>var/train.lock
flock 9
start=$(date +%s)
.venv/bin/rasa train --quiet --num-threads 2 "$@"
echo "==> model ready in $(( $(date +%s) - start ))s: $(ls -t models/*.tar.gz | head -1)"
