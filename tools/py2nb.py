"""Build a course notebook from a py-percent script, execute it, and save it with outputs.

    .venv/bin/python tools/py2nb.py draft.py notebooks/03_cnn_on_spectrograms.ipynb

The script uses `# %%` for code cells and `# %% [markdown]` for markdown cells
(markdown lines start with `# `). The first markdown cell gets the Colab badge
and a code cell starting with the setup marker gets the canonical setup code
(`course_utils.notebook`). With `--no-execute` the notebook is written without
outputs. The notebook is executed in notebooks/ as its working directory, as
nbval and JupyterLab do.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from course_utils.notebook import sync_notebook  # noqa: E402

CELL = re.compile(r"^# %%(?P<md> \[markdown\])?[^\n]*$", re.M)


def parse(text: str) -> list:
    cells = []
    marks = list(CELL.finditer(text))
    for i, m in enumerate(marks):
        body = text[m.end(): marks[i + 1].start() if i + 1 < len(marks) else len(text)].strip("\n")
        if m.group("md"):
            body = "\n".join(line[2:] if line.startswith("# ") else line.lstrip("#") for line in body.splitlines())
            cells.append(nbformat.v4.new_markdown_cell(body))
        elif body.strip():
            cells.append(nbformat.v4.new_code_cell(body))
    return cells


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("script")
    ap.add_argument("notebook")
    ap.add_argument("--no-execute", action="store_true")
    ap.add_argument("--timeout", type=int, default=900)
    args = ap.parse_args()
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                   "language_info": {"name": "python"}}
    nb.cells = parse(Path(args.script).read_text())
    out = Path(args.notebook)
    nbformat.write(nb, out)
    sync_notebook(out)
    if args.no_execute:
        return 0
    nb = nbformat.read(out, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=args.timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(out.parent)}}).execute()
    for cell in nb.cells:  # execution counts and timing metadata are noise in a diff
        cell.metadata.pop("execution", None)
    tmp = out.with_suffix(".ipynb.tmp")
    nbformat.write(nb, tmp)
    os.replace(tmp, out)
    print(f"{out}: executed in {time.perf_counter() - start:.0f} s, {out.stat().st_size / 1e3:.0f} kB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
