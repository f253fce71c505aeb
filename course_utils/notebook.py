"""What every course notebook shares: the Colab badge, the setup cell, results.

The repository's address lives here and nowhere else. The notebooks' badges
and setup cells are written from it (`python -m course_utils sync-notebooks`)
and `tests/test_notebook_conventions.py` checks that they still match.

Each notebook `NN_topic.ipynb` is paired with a jupytext source `NN_topic.py`
(py:percent): edit the source, then `make notebooks-sync` rebuilds the
notebook from it and re-executes it, so the stored outputs are current.

`record_result` is how a notebook reports its key number (accuracy, F1, ...)
to `make course`, which runs every notebook and writes `build/course_report.md`.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

__all__ = ["ABSOLUTE_PATH", "BRANCH", "MAX_NOTEBOOK_BYTES", "NOTEBOOK_NAME", "REAL_CHECK", "REPO_SLUG",
           "REPO_URL", "RESULTS_ENV_VAR", "SETUP_MARKER", "colab_badge", "colab_url", "convention_problems",
           "peak_memory_mb", "record_result", "setup_cell_source", "source_differences", "source_path",
           "sync_notebook", "unsupported_numbers"]

REPO_SLUG = "audio-classification-course/audio-classification-course"
REPO_URL = f"https://github.com/{REPO_SLUG}"
BRANCH = "main"
RESULTS_ENV_VAR = "COURSE_RESULTS_DIR"

SETUP_MARKER = "# Setup: in Colab, install the course package; locally this does nothing."


def colab_url(notebook_name: str, folder: str = "notebooks") -> str:
    """The address that opens `<folder>/<notebook_name>` (notebooks/ or solutions/) in Colab."""
    return f"https://colab.research.google.com/github/{REPO_SLUG}/blob/{BRANCH}/{folder}/{notebook_name}"


def colab_badge(notebook_name: str, folder: str = "notebooks") -> str:
    """Markdown for the "Open in Colab" badge of one notebook."""
    return (f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
            f"({colab_url(notebook_name, folder)})")


def setup_cell_source() -> str:
    """The code of every notebook's setup cell.

    In Colab it installs `course_utils` from the repository (torch and
    torchaudio that Colab already has are kept: the package asks only for
    lower bounds). Anywhere else `google.colab` is not importable and the cell
    does nothing, so nbval and `make lab` use the local install.
    """
    return (
        f"{SETUP_MARKER}\n"
        "import sys\n"
        "if \"google.colab\" in sys.modules:\n"
        f"    %pip install -q \"course-utils @ git+{REPO_URL}@{BRANCH}\""
    )


def peak_memory_mb() -> float:
    """Peak resident memory of this process so far, in MiB (0.0 where unknown, e.g. Windows).

    What `make course` reports per notebook: everything the process ever held
    (Python, libraries, every model and dataset), from the operating system.
    Not the memory one call needs: that is `course_utils.measure.peak_memory_mib`.
    """
    try:
        import resource
    except ImportError:
        return 0.0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes.
    return peak / 1024**2 if sys.platform == "darwin" else peak / 1024


def record_result(notebook: str, **metrics: float | int | str) -> dict:
    """Report a notebook's key results, e.g. `record_result("03_cnn", test_accuracy=0.97)`.

    Always returns (and prints) the record. When `make course` runs the
    notebook it sets COURSE_RESULTS_DIR, and the record is also written there
    as JSON, atomically, with the kernel's peak memory.
    """
    if not metrics:
        raise ValueError("record_result needs at least one metric, e.g. test_accuracy=0.95")
    record = {"notebook": notebook, "metrics": metrics, "peak_memory_mb": round(peak_memory_mb(), 1)}
    out_dir = os.environ.get(RESULTS_ENV_VAR)
    if out_dir:
        path = Path(out_dir) / f"{notebook}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(record, indent=2))
        os.replace(tmp, path)
    shown = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in metrics.items())
    print(f"[{notebook}] {shown}")
    return record


def _folder(path: Path) -> str:
    """The repository folder a notebook's badge points into: solutions/ for worked solutions, else notebooks/."""
    return "solutions" if path.parent.name == "solutions" else "notebooks"


def _set_badge_and_setup(nb, notebook_name: str, folder: str = "notebooks") -> None:
    """Write the Colab badge (first cell) and the canonical setup cell into a NotebookNode, in place."""
    first = nb.cells[0]
    lines = first.source.splitlines()
    badge = colab_badge(notebook_name, folder)
    idx = [i for i, line in enumerate(lines) if line.startswith("[![Open In Colab]")]
    if idx:
        lines[idx[0]] = badge
    else:
        lines[1:1] = ["", badge]
    first.source = "\n".join(lines)
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.startswith(SETUP_MARKER):
            cell.source = setup_cell_source()
            break


def _stable_ids(nb, old_cells) -> None:
    """Cell ids that do not churn: a cell keeps its old id when its source is unchanged, a new or
    edited cell gets one derived from its source (jupytext would draw random ones)."""
    import hashlib

    old_ids = {c.source: c.get("id") for c in old_cells}
    used = set()
    for i, cell in enumerate(nb.cells):
        cell_id = old_ids.get(cell.source) or hashlib.sha1(f"{i}:{cell.source}".encode()).hexdigest()[:12]
        while cell_id in used:
            cell_id = hashlib.sha1(cell_id.encode()).hexdigest()[:12]
        cell["id"] = cell_id
        used.add(cell_id)


def source_path(notebook: str | os.PathLike) -> Path:
    """The jupytext (py:percent) source paired with a notebook: `NN_topic.ipynb` <-> `NN_topic.py`."""
    return Path(notebook).with_suffix(".py")


def _write_text_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def sync_notebook(path: str | os.PathLike) -> bool:
    """Rebuild `NN_topic.ipynb` from its paired source `NN_topic.py`; return True when a file changed.

    The py:percent source is what a person edits and reviews (jupytext). This
    writes the Colab badge and setup cell into the source from this module's
    constants, then replaces the notebook's cells with the source's, keeping
    the stored outputs of every code cell whose code did not change (re-run
    changed notebooks with `execute_notebook`). Without a source (a notebook
    that was never paired), the badge and setup cell are rewritten in the
    notebook itself.
    """
    import jupytext
    import nbformat

    path = Path(path).with_suffix(".ipynb")
    source = source_path(path)
    if not source.exists():
        nb = nbformat.read(path, as_version=4)
        before = nbformat.writes(nb)
        _set_badge_and_setup(nb, path.name, _folder(path))
        after = nbformat.writes(nb)
        if after != before:
            _write_text_atomic(path, after)
        return after != before

    text = source.read_text()
    paired = jupytext.reads(text, fmt="py:percent")
    _set_badge_and_setup(paired, path.name, _folder(path))
    new_text = jupytext.writes(paired, fmt="py:percent")
    changed = new_text != text
    if changed:
        _write_text_atomic(source, new_text)
    if path.exists():
        old = nbformat.read(path, as_version=4)
        before = nbformat.writes(old)
        outputs = {c.source: c for c in old.cells if c.cell_type == "code"}
        for cell in paired.cells:
            kept = outputs.get(cell.source) if cell.cell_type == "code" else None
            if kept is not None:
                cell.outputs, cell.execution_count = kept.outputs, kept.execution_count
        paired.metadata = old.metadata
    else:
        before = ""
    paired.metadata.setdefault("jupytext", {})["formats"] = "ipynb,py:percent"
    _stable_ids(paired, old.cells if path.exists() else [])
    from .slides import slide_metadata  # reveal.js slide types, so jupyterlab-rise presents the stored notebook

    slide_metadata(paired, hidden=(SETUP_MARKER,))  # after the .py was written: the source stays free of them
    after = nbformat.writes(paired)
    if after != before:
        _write_text_atomic(path, after)
    return changed or after != before


def source_differences(path: str | os.PathLike) -> list[str]:
    """Where a notebook's cells differ from its paired jupytext source (empty list: in sync)."""
    import jupytext
    import nbformat

    path = Path(path)
    source = source_path(path)
    if not source.exists():
        return [f"{path.name} has no paired source {source.name} (pair it: jupytext --set-formats ipynb,py:percent)"]
    nb = nbformat.read(path, as_version=4)
    src = jupytext.read(source)
    problems = []
    if len(nb.cells) != len(src.cells):
        problems.append(f"{path.name} has {len(nb.cells)} cells, {source.name} has {len(src.cells)}")
    for i, (a, b) in enumerate(zip(nb.cells, src.cells)):
        if (a.cell_type, a.source) != (b.cell_type, b.source):
            problems.append(f"cell {i} differs: {a.cell_type} {a.source[:60]!r} vs {b.cell_type} {b.source[:60]!r}")
    return problems


# ----------------------------------------------------------------------------
# Conventions every course notebook keeps (tests/test_notebook_conventions.py)

NOTEBOOK_NAME = re.compile(r"^\d\d_[a-z0-9]+(_[a-z0-9]+)*\.ipynb$")
ABSOLUTE_PATH = re.compile(r"(?<![\w.])(/work/|/tmp/|/home/|/root/|/Users/|/private/var/|[A-Z]:\\\\Users)")
REAL_CHECK = re.compile(r"^\s*assert\b|^# NBVAL_CHECK_OUTPUT", re.M)
CHECK_CALL = re.compile(r"""check\(\s*["'](\d\d\.\w+)["']""")  # an exercise's check cell: check("NN.name", ...)
MIN_EXERCISES = 2  # per notebook, each with its check (course_utils.exercises) and a worked solution
MAX_NOTEBOOK_BYTES = 2_000_000


def convention_problems(path: str | os.PathLike) -> list[str]:
    """Every way a notebook breaks the course's conventions (empty list: none)."""
    import nbformat

    path = Path(path)
    problems = []
    if not NOTEBOOK_NAME.match(path.name):
        problems.append(f"file name {path.name!r} is not NN_snake_case.ipynb")
    size = path.stat().st_size
    if size > MAX_NOTEBOOK_BYTES:
        problems.append(f"{size / 1e6:.1f} MB on disk, more than {MAX_NOTEBOOK_BYTES / 1e6:.0f} MB")
    nb = nbformat.read(path, as_version=4)
    cells = nb.cells
    if not cells:
        return problems + ["the notebook has no cells"]

    first = cells[0]
    if first.cell_type != "markdown" or not first.source.lstrip().startswith("# "):
        problems.append("the first cell is not a markdown cell starting with a '# ' title")
    else:
        if colab_badge(path.name, _folder(path)) not in first.source:
            problems.append("the first cell lacks this notebook's Open in Colab badge "
                            "(run `make notebooks-sync`)")
        if "learning goals" not in first.source.lower():
            problems.append("the first cell lacks the learning goals")
    if not any(c.cell_type == "code" and c.source == setup_cell_source() for c in cells[:3]):
        problems.append("no canonical setup cell among the first three cells "
                        "(run `make notebooks-sync`)")
    last = cells[-1]
    if last.cell_type != "markdown" or "summary" not in last.source.lower() or "next" not in last.source.lower():
        problems.append("the last cell is not a markdown summary with a 'next' pointer")

    self_check = [c for c in cells if c.cell_type == "markdown" and c.source.lstrip().startswith("## Self-check")]
    if not self_check or self_check[0].source.count("<details>") < 3:
        problems.append("no '## Self-check' cell with at least 3 questions, each answer in a <details> block")

    code = "\n".join(c.source for c in cells if c.cell_type == "code")
    exercises = set(CHECK_CALL.findall(code))
    if len(exercises) < MIN_EXERCISES:
        problems.append(f"{len(exercises)} exercise(s) with a check; every notebook has at least {MIN_EXERCISES} "
                        f"(a 'Your turn' cell ending in check(\"NN.name\", answer), course_utils.exercises)")
    if not REAL_CHECK.search(code):
        problems.append("no real check: add an assert on a key number or a # NBVAL_CHECK_OUTPUT cell")
    if "record_result(" not in code:
        problems.append("no record_result(...) call, so `make course` cannot report a key result")

    for i, cell in enumerate(cells):
        texts = [cell.source]
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                problems.append(f"cell {i} has a stored error output ({out.get('ename')})")
            texts.append(out.get("text", "") if isinstance(out.get("text", ""), str) else "".join(out["text"]))
            texts.append(str(out.get("data", {}).get("text/plain", "")))
        for text in texts:
            m = ABSOLUTE_PATH.search(text)
            if m:
                problems.append(f"cell {i} contains an absolute path of the author's machine ({m.group(0)!r}...)")
                break
    return problems


# ----------------------------------------------------------------------------
# Every number in the text comes from the notebook or names its source

NUMBER = re.compile(r"(?<![\w.])\d+\.\d+(?:\s?%)?|(?<![\w.])\d+\s?%")  # 0.987, 95.6 %, 40%: not 3 or v2
QUOTED = re.compile(r"\]\(https?://|\bpaper\b|model card|\bet al\.|\bquoted\b|\breported\b|\bpublished\b|"
                    r"\(\d{4}\)|\b(?:19|20)\d{2}\b", re.IGNORECASE)


def _sentences(markdown: str) -> list[str]:
    """Markdown split into sentences (and table cells), code spans and formulas removed."""
    text = re.sub(r"```.*?```|`[^`]*`|\$\$.*?\$\$|\$[^$]*\$", " ", markdown, flags=re.DOTALL)
    return [part for line in text.splitlines() for part in re.split(r"(?<=[.!?])\s+(?=[A-Z(])|\|", line)]


def _number_forms(token: str) -> set[str]:
    """The ways a number in the text may appear in an output: 0.98 as 0.98, 0.980, 98 %, 98.0%."""
    value = token.rstrip("% ").strip()
    forms = {value}
    if token.strip().endswith("%"):
        number = float(value)
        forms |= {f"{number / 100:.{d}f}".rstrip("0").rstrip(".") for d in range(2, 5)}
        forms |= {f"{number:.1f}", f"{number:.0f}"}
    else:
        decimals = len(value.split(".")[1])
        number = float(value)
        forms |= {f"{number * 100:.{max(0, decimals - 2)}f}"}  # 0.98 -> 98 (a percentage in the output)
    return forms


def unsupported_numbers(path: str | os.PathLike) -> list[str]:
    """Decimal numbers and percentages in the markdown that the notebook's code and outputs never show.

    A number a reader meets in the text must be one the notebook printed (or set
    in its code), so that a rerun on another stack cannot leave the text behind;
    a number quoted from elsewhere names its source in the same sentence (a link,
    "paper", "model card", "et al.", a year). Returns "cell i: 'number' in '...'"
    for each number that is neither.
    """
    import nbformat

    nb = nbformat.read(Path(path), as_version=4)
    shown = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        shown.append(cell.source)
        for out in cell.get("outputs", []):
            text = out.get("text", "")
            shown.append(text if isinstance(text, str) else "".join(text))
            for kind in ("text/plain", "text/markdown", "text/html"):
                shown.append(str(out.get("data", {}).get(kind, "")))
    shown_text = "\n".join(shown)
    found = set(re.findall(r"\d+(?:\.\d+)?", shown_text))
    problems = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        for sentence in _sentences(cell.source):
            if QUOTED.search(sentence):
                continue
            for token in NUMBER.findall(sentence):
                if not _number_forms(token) & found:
                    problems.append(f"cell {i}: {token.strip()!r} in {sentence.strip()[:100]!r}")
    return problems
