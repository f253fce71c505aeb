# Two commands from a fresh clone: `make test` and `make lab`.
# The first use creates .venv and installs the course; later uses reinstall
# only when pyproject.toml or constraints.txt changed.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install test unit notebooks notebooks-sync lab course slides doctor bench lock clean test-stack test-stacks test-gpu

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[test,lab,parity]"
	@touch $(STAMP)

test: $(STAMP)                 ## unit tests, then every notebook and solutions notebook under nbval
	$(BIN)/python -m pytest tests notebooks solutions

unit: $(STAMP)                 ## unit tests only
	$(BIN)/python -m pytest tests

notebooks: $(STAMP)            ## notebooks only, under nbval
	$(BIN)/python -m pytest notebooks

notebooks-sync: $(STAMP)       ## rebuild notebooks from their .py sources and re-execute them (NB="03 05" for some)
	$(BIN)/python -m course_utils sync-notebooks --execute $(NB)

lab: $(STAMP)                  ## JupyterLab on notebooks/ with the course's Python
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (audio course)" > /dev/null
	$(BIN)/jupyter lab notebooks/

course: $(STAMP)               ## run every notebook, write build/course_report.md
	$(BIN)/python -m course_utils course

slides: $(STAMP)               ## reveal.js slides of the notebooks in build/slides/ (NB="03 05" for some)
	$(BIN)/python -m course_utils slides $(NB)

doctor: $(STAMP)
	$(BIN)/python -m course_utils doctor

bench: $(STAMP)                ## every benchmark; figures go in BENCHMARKS.md
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# Other supported stacks: stacks/<name>.txt is a constraints file whose "# python: X.Y" line names the
# interpreter (python3.X, or pyenv's). Each stack gets its own .venv-<name>, rebuilt when its file changes.
STACK  ?= colab
STACKS := $(basename $(notdir $(wildcard stacks/*.txt)))
SVENV  := .venv-$(STACK)
SPYVER  = $(shell sed -n 's/^\# python: *//p' stacks/$(STACK).txt)

$(SVENV)/.installed: stacks/$(STACK).txt pyproject.toml
	@test -f stacks/$(STACK).txt || { echo "unknown STACK=$(STACK); choose one of: $(STACKS)"; exit 2; }
	@test -x $(SVENV)/bin/python || { py=$$(command -v python$(SPYVER) 2>/dev/null); \
	  $$py --version > /dev/null 2>&1 || py=$$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/$(SPYVER).*/bin/python 2>/dev/null | tail -1); \
	  test -n "$$py" || { echo "STACK=$(STACK) needs Python $(SPYVER): not found"; exit 2; }; $$py -m venv $(SVENV); }
	$(SVENV)/bin/python -m pip install --quiet --disable-pip-version-check -c stacks/$(STACK).txt -e ".[test]"
	@touch $@

test-stack: $(SVENV)/.installed   ## the whole suite on another stack: make test-stack STACK=colab (or oldest)
	$(SVENV)/bin/python -m pytest tests notebooks solutions

test-stacks:                   ## the whole suite on every stack in stacks/, one after another
	@for s in $(STACKS); do $(MAKE) --no-print-directory test-stack STACK=$$s || exit 1; done

test-gpu: $(STAMP)             ## notebooks and CUDA-only tests on the GPU (COURSE_DEVICE=cuda)
	COURSE_DEVICE=cuda $(BIN)/python -m pytest tests notebooks solutions

lock:                          ## rewrite constraints.txt from the current .venv (keeps the tomli pin Python 3.10 needs)
	{ $(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e '; grep '^tomli==' constraints.txt; } \
	  | sort -u -f > constraints.tmp && mv constraints.tmp constraints.txt

clean:
	rm -rf build .pytest_cache
