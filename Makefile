# Two commands do all the set-up: `make run` starts the app, `make test` runs every test.
# Each creates or reuses .venv and installs what it needs (PyPI, npm registry).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501
STAMP := $(VENV)/.installed
ASSETS_STAMP := static/vendor/.installed

.PHONY: run serve test test-fast bench lint format geodata assets messages extract-messages clean migrate import-data export-data backup password-hash

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

$(ASSETS_STAMP): package.json package-lock.json solidarity/assets.py | $(STAMP)
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	$(PY) -m solidarity.assets
	@touch $@

assets: $(ASSETS_STAMP)

PYBABEL := $(VENV)/bin/pybabel
MESSAGE_DIRS := app.py pages ui solidarity geo

# Compile the translations (.po -> .mo, git-ignored).
messages: $(STAMP)
	$(PYBABEL) compile --domain messages --directory locales --statistics 2>&1 | grep -v '^compiling' || true
	@test -f locales/nl/LC_MESSAGES/messages.mo || (echo "messages: compiling the catalogues failed" && exit 1)

# After changing user-facing strings: refresh the template and every catalogue.
extract-messages: $(STAMP)
	$(PYBABEL) extract --mapping-file babel.cfg --keywords "_ N_ ngettext:1,2" --no-location --sort-output \
		--project "Solidariteitskaart Antwerpen" --output-file locales/messages.pot $(MESSAGE_DIRS)
	$(PYBABEL) update --domain messages --input-file locales/messages.pot --output-dir locales --no-fuzzy-matching

geodata: $(STAMP)
	$(PY) -m solidarity.geodata

run: $(STAMP) assets messages
	-$(PY) -m solidarity.geodata --if-missing
	$(PY) -m solidarity.cli migrate
	$(PY) -m streamlit run app.py --server.port $(PORT)

# The app as visitors get it: nginx (installed from Debian's packages when missing, as .ci/run
# does) in front of APP_PROCESSES app processes on one store, on SERVE_PORT; Ctrl-C stops all.
# `make serve SERVE_PORT=9000 APP_PROCESSES=3`; defaults 8080 and 2 (see README "Hosting").
serve: $(STAMP) assets messages
	@PATH="$$PATH:/usr/sbin:/sbin" command -v nginx >/dev/null 2>&1 || deploy/install-nginx
	-$(PY) -m solidarity.geodata --if-missing
	$(PY) -m deploy.serve $(if $(SERVE_PORT),--port $(SERVE_PORT)) $(if $(APP_PROCESSES),--processes $(APP_PROCESSES))

# The store (DATABASE_URL, default data/solidarity.sqlite3): see README "Keeping the data".
migrate: $(STAMP)
	$(PY) -m solidarity.cli migrate

# make import-data FILE=path.csv [DRY_RUN=1] [WHO=you@example.org]
import-data: $(STAMP)
	@test -n "$(FILE)" || { echo "usage: make import-data FILE=path.csv [DRY_RUN=1] [WHO=you@example.org]"; exit 2; }
	$(PY) -m solidarity.cli import-data "$(FILE)" $(if $(filter 1 yes true,$(DRY_RUN)),--dry-run) $(if $(WHO),--who "$(WHO)")

# make export-data DIR=path
export-data: $(STAMP)
	@test -n "$(DIR)" || { echo "usage: make export-data DIR=path"; exit 2; }
	$(PY) -m solidarity.cli export-data "$(DIR)"

backup: $(STAMP)
	$(PY) -m solidarity.cli backup

# A local team account's password as an Argon2 hash, to paste into .streamlit/secrets.toml
# (reads the password from the terminal, twice, or one line from standard input).
password-hash: $(STAMP)
	@$(PY) -m solidarity.auth

test: $(STAMP) assets messages
	$(PY) -m ruff check .
	$(PY) -m pytest -n 2 --dist loadgroup

test-fast: $(STAMP) messages
	$(PY) -m pytest -m "not browser" -q

bench: $(STAMP) assets messages
	$(PY) -m bench

lint: $(STAMP)
	$(PY) -m ruff check .

format: $(STAMP)
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

clean:
	rm -rf $(VENV) node_modules static/vendor .pytest_cache .ruff_cache
