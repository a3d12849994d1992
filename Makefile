# The two commands: `make chat` and `make test`. Everything sets itself up on first use.
SHELL := /bin/bash
.DEFAULT_GOAL := help
RASA := .venv/bin/rasa

.PHONY: help setup train chat serve serve-agency test unit validate e2e bench bench-load clean

help:
	@echo "make chat   - set up if needed, train if data changed, chat in the terminal"
	@echo "make test   - unit tests, data validation, training, held-out NLU and dialogue tests"
	@echo "make serve  - action server (127.0.0.1:5055) + Rasa REST/socket.io (127.0.0.1:5005)"
	@echo "make bench  - print accuracy and latency figures"
	@echo "make serve-agency - PostgreSQL + Redis profile: action server + Rasa replicas on 5005, 5006"

setup:
	@bash scripts/setup.sh

# Rasa fingerprints data, config and domain and skips training when nothing changed.
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

# bench/load.py starts its own servers and takes minutes: `make bench-load`.
bench: train
	@for f in $$(ls bench/*.py | grep -v load.py); do echo "== $$f"; .venv/bin/python $$f || exit 1; done

bench-load: train
	.venv/bin/python bench/load.py

clean:
	rm -rf models results .rasa
