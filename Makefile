# make run: install and run Campaign Desk with demo data.   make test: install and run every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Two test processes, a file each at a time: most of the suite waits on PostgreSQL, workers and browsers.
# Each process has its own test database, and so its own default broker queue. A shared broker (Redis,
# RabbitMQ) is one queue for both: run those serially, as CI does, by passing PYTEST_ARGS.
PYTEST_ARGS ?= -n 2 --dist loadfile

.PHONY: run test lint bench clean

$(VENV)/.runtime-installed: requirements.txt
	$(PYTHON) -c 'import sys; sys.exit("Campaign Desk needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev-installed: $(VENV)/.runtime-installed requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

run: $(VENV)/.runtime-installed
	$(PY) manage.py rundesk

test: $(VENV)/.dev-installed
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) var
