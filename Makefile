# Two commands from a fresh clone: `make test` and `make lab`.
# The first use creates .venv and installs the course; later uses reinstall
# only when pyproject.toml or constraints.txt changed.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install test unit notebooks notebooks-sync lab course doctor bench lock clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[test,lab]"
	@touch $(STAMP)

test: $(STAMP)                 ## unit tests, then every notebook under nbval
	$(BIN)/python -m pytest tests notebooks

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

doctor: $(STAMP)
	$(BIN)/python -m course_utils doctor

bench: $(STAMP)                ## every benchmark; figures go in BENCHMARKS.md
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

lock:                          ## rewrite constraints.txt from the current .venv
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e ' > constraints.txt

clean:
	rm -rf build .pytest_cache
