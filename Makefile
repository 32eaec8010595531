# Quick start: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test test-all lint bench clean models models-finetune wheel wheel-check mutation

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# The CPU build of torch first, or sentence-transformers pulls a multi-GB CUDA build.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[all]'
	touch $(STAMP)

# Headless Chromium for the bulletin's end-to-end test (tests/test_bulletin_browser.py):
# installed with apt-get where it is missing and apt-get is usable; otherwise a note, and
# that test is skipped.
CHROMIUM_STAMP := $(VENV)/.chromium
$(CHROMIUM_STAMP): $(STAMP)
	@if command -v chromium >/dev/null 2>&1; then \
		echo "chromium: $$(command -v chromium)"; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		(apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium) \
		|| echo "note: apt-get could not install chromium; the bulletin browser test will be skipped"; \
	elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then \
		(sudo apt-get update -qq && sudo apt-get install -y -qq --no-install-recommends chromium) \
		|| echo "note: apt-get could not install chromium; the bulletin browser test will be skipped"; \
	else \
		echo "note: chromium not found and apt-get not usable; the bulletin browser test will be skipped"; \
	fi
	@if command -v chromium >/dev/null 2>&1; then touch $@; fi

demo: $(STAMP)
	$(PY) -m doorstroom_match.demo

test: $(STAMP) $(CHROMIUM_STAMP)
	$(PY) -m pytest -q

test-all: $(STAMP)
	$(PY) -m pytest -q -m ''

# Mutation testing (mutmut) of the rule-carrying modules, one at a time, each with only the
# tests that cover it; not part of `make test` (tens of minutes on 2 cores). Scores and the
# equivalent mutants: tests/README.md. One module: `make mutation MODULES=core`.
MODULES ?=
mutation: $(STAMP)
	nice -n 10 $(PY) -m tests.mutation $(MODULES)

lint: $(STAMP)
	$(VENV)/bin/ruff check doorstroom_match benchmarks models tests

# The wheel and sdist in dist/ (offline: the build tools come from .venv).
wheel: $(STAMP)
	$(PY) -m build --no-isolation --outdir dist .

# Build, install the wheel into a clean venv outside the repository and run it there
# (about a minute; see .ci/wheel-check).
wheel-check: $(STAMP)
	.ci/wheel-check $(PY)

bench: $(STAMP)
	$(PY) -m benchmarks.core --json

clean:
	rm -rf $(VENV) build dist *.egg-info

# Rebuild the models: the weekly batch's TF-IDF text encoder (models/batch-tfidf.npz, 13 MB,
# fitted on the shipped ESCO titles in seconds; a cold week loads it instead of fitting it),
# then the job-title models: the adapter (models/title-adapter.npz, 0.6 MB), the word
# substitutions (models/title-substitutions.json, 0.2 MB), the static query table
# (models/title-static.npz: MiniLM distilled onto n-grams and words for cheap queries; a few
# minutes, most of them embedding its ~41,000 training titles once), MiniLM in int8 for the
# queries (models/title-minilm-int8.onnx, 23 MB, about a minute; needs onnx, installed here)
# and the re-rankers
# (models/title-reranker.json, 2 MB: label- and posting-style queries embedded by MiniLM in
# float; models/title-reranker-int8.json: the same queries embedded in int8, the default query
# path; ISCO group rows in the corpora), all committed. The re-ranker's step
# builds the out-of-fold rows of 5 folds and runs the nested CV of both recipes before its
# final fit: about 1.5 hours on the shared 2-core machine, 10-15 minutes on a quiet one
# (rows and results are kept in
# build/title_reranker_rows, named by the query encoder and a hash of the code that makes
# them, and reused). The re-ranker of the static table's queries
# (models/title-reranker-static.json, for query_encoder="static", 2 MB) is not rebuilt here:
# python -m models.train_title_reranker --query-encoder static (1.5-2 hours more). The
# fine-tuned model
# (models/titles-minilm-nl, ~90 MB, not in git, 5-8 minutes) is optional and only used when
# the adapter is absent or asked for.
models: $(STAMP)
	$(PY) -m models.train_batch_encoder --out doorstroom_match/data/models/batch-tfidf.npz
	$(PY) -m models.train_title_adapter --out doorstroom_match/data/models/title-adapter.npz
	$(PY) -m models.train_title_substitutions --out doorstroom_match/data/models/title-substitutions.json
	$(PY) -m models.train_title_static --out doorstroom_match/data/models/title-static.npz
	$(PY) -m pip install --quiet onnx  # build time only: exporting MiniLM for the int8 queries
	$(PY) -m models.export_title_int8 --out doorstroom_match/data/models/title-minilm-int8.onnx
	$(PY) -m models.train_title_reranker --out doorstroom_match/data/models/title-reranker.json
	$(PY) -m models.train_title_reranker --query-encoder int8 --out doorstroom_match/data/models/title-reranker-int8.json

models-finetune: $(STAMP)
	$(PY) -m models.train_titles --out models/titles-minilm-nl
