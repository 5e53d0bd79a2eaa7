# The two commands a newcomer needs: `make book` builds the site, `make test` tests it.
# Both create the virtual environment on first use and are fast when nothing changed.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# node_modules holds the site's browser code (thebe), KaTeX (maths typeset at build time),
# and axe-core and Lighthouse for the tests and benchmarks
NPM_STAMP := node_modules/.installed
HTML   := _build/html
PDF    := _build/pdf/deep-learning-workshops.pdf
# Strict: warnings are errors, every cross-reference must resolve.
JB_FLAGS := --warningiserror --nitpick --keep-going

.DEFAULT_GOAL := help
.PHONY: help book site test test-unit notebooks chromium poppler serve bench bench-pages lock clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): requirements.txt constraints.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

$(NPM_STAMP): package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "npm (Node.js) is needed to install the site's browser code: see README" >&2; exit 1; }
	npm ci --no-audit --no-fund
	touch $@

book: site chromium poppler $(PDF)  ## build the site into _build/html and its PDF, executing changed chapters

site: $(STAMP) $(NPM_STAMP)  ## the site alone, without printing its PDF: the quick loop while writing
	$(PY) tools/build_book.py $(JB_FLAGS)

test-unit: $(STAMP)  ## the package tests only
	$(PY) -m pytest tests -m "not browser and not slow"

# The PDF, which every page's download menu links, is printed from the built pages by
# Chromium (tools/pdf.py) and copied into the site; it is printed again only when a
# page, the toc, the version or the printing tool changed.
$(PDF): $(wildcard $(HTML)/*.html $(HTML)/book/*.html) _toc.yml pyproject.toml \
        tools/pdf.py tools/pdf.css | site chromium poppler
	$(PY) tools/pdf.py

# The tests run side by side, one worker per core (at most four), each taking the next
# test when it is free; `make test PYTEST_WORKERS=0` runs them one after another.
PYTEST_WORKERS ?= auto
test: book  ## package tests, strict book build, PDF, notebook and browser tests
	$(PY) -m pytest tests --numprocesses=$(PYTEST_WORKERS) --maxprocesses=4 --dist=worksteal

notebooks: $(STAMP)  ## regenerate the paired .ipynb of every chapter from its .md
	$(PY) tools/notebooks.py sync

chromium:  ## make sure Debian's Chromium (it prints the PDF, the browser tests drive it) is installed
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else \
	    echo "The PDF and the browser tests need Chromium: sudo apt-get install chromium (Debian); make site builds the site alone" >&2; \
	    exit 1; \
	  fi; }

poppler:  ## make sure poppler-utils (pdfinfo, pdftotext), which read the PDF, is installed
	@command -v pdftotext >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils; \
	  else \
	    echo "The PDF needs poppler-utils: sudo apt-get install poppler-utils (Debian); make site builds the site alone" >&2; \
	    exit 1; \
	  fi; }

serve: book  ## serve the built site on http://127.0.0.1:8000
	$(PY) -m http.server --bind 127.0.0.1 --directory $(HTML) 8000

bench: book chromium  ## build-time budgets, training-loop overhead, playground speed
	@# all run; the target fails if any misses a goal
	$(PY) benchmarks/bench_training.py; status=$$?; \
	$(PY) benchmarks/bench_playground.py || status=1; \
	$(PY) benchmarks/bench_build.py && exit $$status

bench-pages: book chromium  ## Lighthouse scores of every chapter page, phone and desktop
	$(PY) benchmarks/bench_lighthouse.py

lock:  ## re-resolve constraints.txt from requirements.txt (needs the package index)
	rm -rf /tmp/dlbook-lock && $(PYTHON) -m venv /tmp/dlbook-lock
	/tmp/dlbook-lock/bin/pip install --quiet $$(grep -v -e '^-c' -e '^#' requirements.txt)
	{ echo "# Every package the book environment resolves to, pinned. Regenerate with \`make lock\`."; \
	  /tmp/dlbook-lock/bin/pip freeze | sed 's/+cpu$$//'; } > constraints.txt

clean:  ## remove the built site and the execution cache (keeps .venv)
	rm -rf _build
