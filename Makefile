# pgmviz: two commands. `make run` starts the app, `make test` checks everything.
.PHONY: run test screenshots bench serve

PYTHON ?= python
PIP ?= $(PYTHON) -m pip
CHROMIUM ?= /usr/bin/chromium
WORKERS ?= 2
PORT ?= 8501

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

# Debian's nginx fronts `make serve` and its browser test (tests/browser/test_serve_browser.py);
# installed the same way. Only the binary is used: scripts/serve.py runs it with its own config.
define ensure_nginx
	@if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then \
		echo "nginx missing: installing Debian's nginx"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx; \
	fi
endef

# Debian's graphviz: its `dot` draws the pages' graphviz diagrams as PNG / SVG / PDF for slides
# (pgmviz.ui.graph_files; the tests fail without it). Installed the same way.
define ensure_graphviz
	@if ! command -v dot >/dev/null; then \
		echo "graphviz's dot missing: installing Debian's graphviz"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends graphviz; \
	fi
endef

# `make run` / `make serve` work without it (the diagrams' slide downloads then say dot is missing),
# so there a failed install (no network, no sudo) is reported and the app starts anyway.
define try_graphviz
	@command -v dot >/dev/null || ( \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends graphviz ) \
		|| echo "graphviz not installed: the app runs; its diagrams' slide downloads are off until it is"
endef

run:
	$(PIP) install -r requirements.txt
	$(try_graphviz)
	streamlit run app.py

test:
	$(PIP) install -r requirements-test.txt
	$(ensure_chromium)
	$(ensure_nginx)
	$(ensure_graphviz)
	PGMVIZ_CHROMIUM=$(CHROMIUM) $(PYTHON) -m pytest

# Rewrites docs/screenshots/: every page at its defaults (<key>.png) and the states the
# page-specific browser tests reach (e.g. filters_trained.png, fantasy_running.png).
screenshots:
	$(PIP) install -r requirements-test.txt
	$(ensure_chromium)
	$(ensure_graphviz)
	PGMVIZ_UPDATE_SCREENSHOTS=1 PGMVIZ_CHROMIUM=$(CHROMIUM) $(PYTHON) -m pytest tests/browser

# A class: WORKERS Streamlit processes behind nginx on PORT (sticky sessions, websockets,
# restarts); Ctrl-C stops all of it. See "Using it in a class" in the README.
serve:
	$(PIP) install -r requirements.txt
	$(ensure_nginx)
	$(try_graphviz)
	$(PYTHON) scripts/serve.py --workers $(WORKERS) --port $(PORT)

bench:
	$(PYTHON) bench/run.py
