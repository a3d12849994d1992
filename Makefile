# The two commands: `make chat` and `make test`. Everything sets itself up on first use.
SHELL := /bin/bash
.DEFAULT_GOAL := help
RASA := .venv/bin/rasa

.PHONY: help setup train chat serve serve-agency test unit validate e2e bench bench-load bench-latency clean

help:
	@echo "make chat   - set up if needed, train if data changed, chat in the terminal"
	@echo "make test   - unit tests, data validation, training, held-out NLU and dialogue tests"
	@echo "make serve  - action server (127.0.0.1:5055) + Rasa REST/socket.io (127.0.0.1:5005) + trainer app (127.0.0.1:5002/trainer/)"
	@echo "make bench  - print accuracy and latency figures"
	@echo "make serve-agency - PostgreSQL + Redis profile: action server + Rasa replicas on 5005, 5006"

setup:
	@bash scripts/setup.sh

# scripts/train.sh keeps the newest model when nothing it is trained from changed.
train: setup
	@bash scripts/train.sh

chat: train
	@bash scripts/chat.sh

serve: train
	@bash scripts/serve.sh

serve-agency: train
	@bash scripts/serve_agency.sh

unit: setup
	.venv/bin/python -m pytest -q tests

validate: setup
	$(RASA) data validate --fail-on-warnings --quiet

e2e: train
	@bash scripts/e2e.sh

test: setup
	@bash scripts/test.sh

# bench/load.py and bench/latency.py start their own servers and take minutes:
# `make bench-load` (100 trainees with think time, then the no-pause stress run) and
# `make bench-latency` (per-message cost against a bare `rasa init` bot).
bench: train
	@for f in $$(ls bench/*.py | grep -v -e load.py -e latency.py); do echo "== $$f"; .venv/bin/python $$f || exit 1; done

bench-load: train
	.venv/bin/python bench/load.py --think 5,20
	.venv/bin/python bench/load.py

bench-latency: train
	.venv/bin/python bench/latency.py

clean:
	rm -rf models results .rasa
