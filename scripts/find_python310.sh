#!/usr/bin/env bash
# Prints the path of a working Python 3.10 interpreter, or explains how to get one.
# rasa 3.6 needs Python >=3.8,<3.11; we pin everything against 3.10.
set -u
works() { [ -n "$1" ] && "$1" -c 'import sys, venv; sys.exit(sys.version_info[:2] != (3, 10))' >/dev/null 2>&1; }

candidates=("${PYTHON:-}")
command -v python3.10 >/dev/null 2>&1 && candidates+=("$(command -v python3.10)")
for root in "${PYENV_ROOT:-}" "$HOME/.pyenv" /root/.pyenv /opt/pyenv /usr/local/pyenv; do
  [ -n "$root" ] || continue
  for p in "$root"/versions/3.10*/bin/python3.10; do candidates+=("$p"); done
done
candidates+=(/usr/bin/python3.10 /usr/local/bin/python3.10 /opt/python3.10/bin/python3.10)

for p in "${candidates[@]}"; do
  if works "$p"; then echo "$p"; exit 0; fi
done

cat >&2 <<'MSG'
error: no working Python 3.10 interpreter found.

Rasa 3.6 (the last open-source Rasa) runs only on Python 3.8-3.10, and this
project's lock file is resolved for 3.10. Looked at: $PYTHON, python3.10 on PATH,
pyenv's versions directory, /usr/bin and /usr/local/bin.

Get one, then run the command again:
  - pyenv:   pyenv install 3.10      (or point PYTHON at an existing one)
  - Debian/Ubuntu:  apt-get install python3.10 python3.10-venv
  - macOS:   brew install python@3.10
  - or:      make chat PYTHON=/path/to/python3.10
MSG
exit 1
