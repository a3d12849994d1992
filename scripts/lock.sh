#!/usr/bin/env bash
# Re-resolve requirements.in into requirements.lock (every transitive pin) in one fresh venv.
set -euo pipefail
cd "$(dirname "$0")/.."
py=$(bash scripts/find_python310.sh)
tmp=$(mktemp -d)
"$py" -m venv "$tmp/venv"
"$tmp/venv/bin/pip" install --quiet "pip==24.0"
"$tmp/venv/bin/pip" install --quiet -r requirements.in
"$tmp/venv/bin/pip" check
{ echo "# Generated from requirements.in in one resolve with Python 3.10 (scripts/lock.sh). Do not edit by hand."
  "$tmp/venv/bin/pip" freeze --all --exclude pip; } > requirements.lock
rm -rf "$tmp"
echo "requirements.lock: $(grep -c '==' requirements.lock) pins"
