# The commands: `make run`, `make test` and `make bench`. Everything else is what they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: run test bench browser oidc-provider wrk install install-test translations extract-messages mail-snapshots clean

run: install
	$(BIN)/coordinator db upgrade
	$(BIN)/coordinator demo --if-empty
	$(BIN)/coordinator run

test: install-test browser oidc-provider
	$(BIN)/python -m pytest -n 2 -p no:cacheprovider

# every benchmark, each bounded in time (about 25 min in all on this 2-core machine), on SQLite and
# PostgreSQL; results in bench/results/<name>.json (committed), tables in docs/PERFORMANCE.md from them.
# The follow-up's national data set takes 30 min more: make bench BENCH_FOLLOWUP="--history-years 10".
BENCH_FOLLOWUP ?= --no-national --history-years 3 --rounds 2 --seconds 10
bench: install-test wrk
	$(BIN)/python -m bench.plan_city
	$(BIN)/python -m bench.plan_national
	$(BIN)/python -m bench.fanout
	$(BIN)/python -m bench.fanout_scale
	$(BIN)/python -m bench.reminders
	$(BIN)/python -m bench.feed
	$(BIN)/python -m bench.feed_http
	$(BIN)/python -m bench.feed_http --postgres
	$(BIN)/python -m bench.publish
	$(BIN)/python -m bench.web --sqlite
	$(BIN)/python -m bench.web
	$(BIN)/python -m bench.followup $(BENCH_FOLLOWUP)
	$(BIN)/python -m bench.tables

# Debian's wrk for the load over HTTP (bench/web.py, bench/followup.py)
wrk:
	@command -v wrk >/dev/null || apt-get install -y -q wrk >/dev/null

# the OpenID Connect provider the sign-in tests run on loopback (tests/oidc, npm); without Node.js they skip,
# or fail under CI=true
oidc-provider:
	@test -d tests/oidc/node_modules/oidc-provider || ! command -v npm >/dev/null || npm ci --prefix tests/oidc --no-audit --no-fund --silent

# Debian's Chromium for the browser journeys (tests/e2e); without it they skip, or fail under CI=true
browser:
	@command -v chromium >/dev/null || apt-get install -y -q chromium >/dev/null || test "$$CI" != "true"

install: $(VENV)/.installed translations
install-test: $(VENV)/.installed-test translations

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

# compiled catalogues (.mo) are built, not committed
translations: $(VENV)/.installed
	$(BIN)/python -m coordinator.translations.compile

# after marking new UI strings: refresh the English catalogue, then translate the empty msgstrs
extract-messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k lazy_gettext -k _l --no-location --sort-output -o coordinator/translations/messages.pot .
	$(BIN)/pybabel update -i coordinator/translations/messages.pot -d coordinator/translations --no-fuzzy-matching --ignore-obsolete

# after changing a mail on purpose: write tests/snapshots/emails/ anew, then read its diff
mail-snapshots: install-test
	UPDATE_MAIL_SNAPSHOTS=1 $(BIN)/python -m pytest tests/unit/test_mail_snapshots.py -n 0 -q

clean:
	rm -rf $(VENV) instance
