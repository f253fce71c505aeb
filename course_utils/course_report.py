"""`make course`: run every notebook headless and write `build/course_report.md`.

A workshop teacher runs this on each laptop before the day starts. Each
notebook is executed in order in a fresh kernel (nbclient); the report has
one row per notebook with its wall time, the kernel's peak memory and the key
result the notebook recorded with `course_utils.notebook.record_result`.
"""

from __future__ import annotations

import json
import os
import platform
import re
import time
from datetime import datetime, timezone
from pathlib import Path

from .env import PROJECT_ROOT
from .notebook import RESULTS_ENV_VAR

__all__ = ["ANSI", "BUILD_DIR", "NOTEBOOK_DIR", "SOLUTIONS_DIR", "course_notebooks", "solution_notebooks",
           "execute_and_save", "execute_notebook", "format_report", "run_course", "run_notebook"]

NOTEBOOK_DIR = PROJECT_ROOT / "notebooks"
SOLUTIONS_DIR = PROJECT_ROOT / "solutions"
BUILD_DIR = PROJECT_ROOT / "build"
ANSI = re.compile(r"\x1b\[[0-9;]*m")  # colour codes in tracebacks


def course_notebooks(notebook_dir: Path = NOTEBOOK_DIR) -> list[Path]:
    """The course's notebooks in reading order (their names start with NN_)."""
    return sorted(p for p in notebook_dir.glob("[0-9][0-9]_*.ipynb"))


def solution_notebooks(solutions_dir: Path = SOLUTIONS_DIR) -> list[Path]:
    """The worked solutions, `solutions/NN_topic_solutions.ipynb`, and sources not yet built into one."""
    found = solutions_dir.glob("[0-9][0-9]_*_solutions.*")
    return sorted({p.with_suffix(".ipynb") for p in found if p.suffix in (".ipynb", ".py")})


def execute_notebook(nb, path: Path, timeout: int = 1200):
    """Run a notebook (an nbformat NotebookNode read from `path`) in a fresh kernel, in place,
    with the notebook's folder as working directory, as nbval and JupyterLab do."""
    from nbclient import NotebookClient

    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(Path(path).parent)}})
    client.execute()
    return nb


def execute_and_save(path: Path, timeout: int = 1200) -> float:
    """Re-execute a notebook and store its outputs (atomically); return the seconds it took."""
    import nbformat

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    execute_notebook(nb, path, timeout)
    for cell in nb.cells:  # execution timings are noise in a diff
        cell.metadata.pop("execution", None)
    tmp = path.with_name(f".{path.name}.tmp")
    nbformat.write(nb, tmp)
    os.replace(tmp, path)
    return time.perf_counter() - start


def run_notebook(path: Path, results_dir: Path, timeout: int = 1200) -> dict:
    """Execute one notebook in a fresh kernel; return its row of the report."""
    import nbformat
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(path, as_version=4)
    os.environ[RESULTS_ENV_VAR] = str(results_dir)
    start = time.perf_counter()
    error = ""
    try:
        execute_notebook(nb, path, timeout)
    except CellExecutionError as exc:
        error = ANSI.sub("", str(exc)).strip().splitlines()[-1][:200]
    except Exception as exc:  # kernel died, timeout
        error = f"{type(exc).__name__}: {exc}"[:200]
    seconds = time.perf_counter() - start
    record_path = results_dir / f"{path.stem}.json"
    record = json.loads(record_path.read_text()) if record_path.exists() else {}
    return {"notebook": path.stem, "seconds": seconds, "ok": not error, "error": error,
            "peak_memory_mb": record.get("peak_memory_mb"), "metrics": record.get("metrics", {})}


def format_report(rows: list[dict]) -> str:
    """The report as Markdown: a header with the machine, then the table."""
    import torch

    total = sum(r["seconds"] for r in rows)
    lines = [
        "# Course report",
        "",
        f"- date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"- machine: {platform.machine()}, {os.cpu_count()} CPU cores, python {platform.python_version()}, "
        f"torch {torch.__version__}, device {os.environ.get('COURSE_DEVICE') or ('cuda' if torch.cuda.is_available() else 'cpu')}",
        f"- total: {total / 60:.1f} min for {len(rows)} notebooks, "
        f"{sum(r['ok'] for r in rows)} ran without error",
        "",
        "| notebook | status | wall time | peak memory | key result |",
        "| --- | --- | ---: | ---: | --- |",
    ]
    for r in rows:
        mem = f"{r['peak_memory_mb']:.0f} MiB" if r["peak_memory_mb"] else "n/a"
        result = ", ".join(f"{k} = {v:.3g}" if isinstance(v, float) else f"{k} = {v}"
                           for k, v in r["metrics"].items()) or "n/a"
        status = "ok" if r["ok"] else f"FAILED: {r['error']}"
        lines.append(f"| {r['notebook']} | {status} | {r['seconds']:.0f} s | {mem} | {result} |")
    return "\n".join(lines) + "\n"


def run_course(notebooks: list[Path] | None = None, out: Path | None = None) -> tuple[Path, list[dict]]:
    """Run the notebooks in order and write the report (atomically). Returns (path, rows)."""
    notebooks = course_notebooks() if notebooks is None else notebooks
    out = out or BUILD_DIR / "course_report.md"
    results_dir = out.parent / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    for path in notebooks:
        print(f"running {path.name} ...", flush=True)
        row = run_notebook(path, results_dir)
        print(f"  {'ok' if row['ok'] else 'FAILED'} in {row['seconds']:.0f} s {row['error']}", flush=True)
        rows.append(row)
    tmp = out.with_suffix(".md.tmp")
    tmp.write_text(format_report(rows))
    os.replace(tmp, out)
    return out, rows
