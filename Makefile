# pgmviz: two commands. `make run` starts the app, `make test` checks everything.
.PHONY: run test screenshots bench

PYTHON ?= python
PIP ?= $(PYTHON) -m pip
CHROMIUM ?= /usr/bin/chromium

# Debian's chromium drives the browser tests (Playwright must not download a browser).
# Installed as root, through sudo otherwise; noninteractive so it works without a terminal (CI).
define ensure_chromium
	@if [ ! -x $(CHROMIUM) ]; then \
		echo "$(CHROMIUM) missing: installing Debian's chromium"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	fi
endef

run:
	$(PIP) install -r requirements.txt
	streamlit run app.py

test:
	$(PIP) install -r requirements-test.txt
	$(ensure_chromium)
	PGMVIZ_CHROMIUM=$(CHROMIUM) $(PYTHON) -m pytest

# Rewrites docs/screenshots/: every page at its defaults (<key>.png) and the states the
# page-specific browser tests reach (e.g. filters_trained.png, fantasy_running.png).
screenshots:
	$(PIP) install -r requirements-test.txt
	$(ensure_chromium)
	PGMVIZ_UPDATE_SCREENSHOTS=1 PGMVIZ_CHROMIUM=$(CHROMIUM) $(PYTHON) -m pytest tests/browser

bench:
	$(PYTHON) bench/run.py
