"""Estimate the teaching time of each notebook from what is in it, and print a Markdown table.

    .venv/bin/python tools/teaching_times.py               # after `make course`, for the running column
    .venv/bin/python tools/teaching_times.py --minutes-per-exercise 10 --words-per-minute 100
    .venv/bin/python tools/teaching_times.py --timed docs/walkthroughs.csv   # beside your dry runs

These are estimates from a formula, not a timed walk-through with learners. A dry run is the
measurement: time each notebook once, as a learner would work it (read, run, do the exercises),
and write one row per notebook and person in a CSV file:

    notebook,minutes,who,date
    03,75,teacher,2026-12-01
    03,92,colleague,2026-12-02

`--timed` adds two columns: the median of the timed minutes for each notebook (with the number of
runs), and its ratio to the estimate, which says how to adjust the rates for your room.
For each `notebooks/NN_topic.ipynb`:

    reading       words of the markdown cells / WORDS_PER_MINUTE
                  (link addresses and HTML tags are not words; a token counts when it
                  holds a letter or a digit, so table rules and bullets do not)
    code reading  non-blank lines of the code cells / LINES_PER_MINUTE
                  (the Colab setup cell is not counted: it does nothing outside Colab)
    running       the notebook's headless wall time from `build/course_report.md`,
                  which `make course` writes on the machine it runs on. The notebooks do
                  not store run times (`execute_and_save` drops the cells' execution
                  metadata, so a diff shows no timing noise), so without a report the
                  column says to run `make course` and the total leaves running out.
                  It is added in full: learners wait for the cells that train.
    exercises     the notebook's `check("NN.name", ...)` calls x MINUTES_PER_EXERCISE

The output is Markdown that can be pasted into docs/TEACHING.md as it is: the
assumptions, the table, and the exercises counted. Adjust the rates after a
dry run with a learner or two, with the flags below.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import math
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from course_utils.notebook import SETUP_MARKER  # noqa: E402  (the one place the setup cell is defined)

WORDS_PER_MINUTE = 120      # technical prose with formulas and code names: slower than everyday reading
LINES_PER_MINUTE = 10       # reading code to follow it, not skimming it
MINUTES_PER_EXERCISE = 8    # from "predict a number, then check" (2 min) to "write a function" (15 min)

LINK_TARGET = re.compile(r"\]\([^)]*\)")   # [text](address): keep the text, drop the address
HTML_TAG = re.compile(r"<[^>]+>")
WORD = re.compile(r"\S*[A-Za-z0-9]\S*")
CHECK_CALL = re.compile(r"(?<![\w.])check\(\s*[\"'](\d\d\.[\w.-]+)[\"']")
REPORT_ROW = re.compile(r"^\|\s*(\d\d_[\w]+)\s*\|\s*([^|]*?)\s*\|\s*(\d+)\s*s\s*\|")


def cell_source(cell: dict) -> str:
    """A cell's source as one string (.ipynb files store it as a list of lines or as a string)."""
    source = cell.get("source", "")
    return source if isinstance(source, str) else "".join(source)


def markdown_words(text: str) -> int:
    """Words a reader reads in one markdown cell."""
    text = HTML_TAG.sub(" ", LINK_TARGET.sub("]", text))
    return len(WORD.findall(text))


def code_lines(text: str) -> int:
    """Non-blank lines of one code cell (0 for the Colab setup cell)."""
    if text.lstrip().startswith(SETUP_MARKER):
        return 0
    return sum(1 for line in text.splitlines() if line.strip())


def notebook_counts(path: Path) -> dict:
    """Markdown words, code lines and exercise ids of one notebook."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    texts = [(c["cell_type"], cell_source(c)) for c in cells]
    exercises = [m for kind, text in texts if kind == "code" for m in CHECK_CALL.findall(text)]
    return {"words": sum(markdown_words(t) for kind, t in texts if kind == "markdown"),
            "lines": sum(code_lines(t) for kind, t in texts if kind == "code"),
            "exercises": exercises}


def read_report(path: Path) -> tuple[dict[str, tuple[int, str]], list[str]]:
    """{notebook: (seconds, status)} and the header lines (date, machine, total) of a course report."""
    if not path.exists():
        return {}, []
    rows, header = {}, []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("- "):
            header.append(line[2:])
        match = REPORT_ROW.match(line)
        if match:
            rows[match.group(1)] = (int(match.group(3)), match.group(2))
    return rows, header


TIMED_COLUMNS = ("notebook", "minutes")


def read_timed(path: Path, notebooks: list[str]) -> dict[str, list[float]]:
    """{notebook stem: [minutes, ...]} from a dry-run CSV (columns notebook, minutes; others are notes).

    `notebook` is the two-digit number ("03") or the stem ("03_cnn_on_spectrograms").
    A row that names no notebook in the course, or whose minutes are not a positive number, is an
    error that names the row: a typo must not drop a measurement without a word.
    """
    with path.open(newline="", encoding="utf-8-sig") as f:  # -sig: Excel's "CSV UTF-8" starts with a BOM
        reader = csv.DictReader(f)
        missing = [c for c in TIMED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: the first line must name the columns {', '.join(TIMED_COLUMNS)} "
                             f"(missing: {', '.join(missing)}; found: {reader.fieldnames})")
        by_number = {stem[:2]: stem for stem in notebooks}
        timed: dict[str, list[float]] = {}
        for row in reader:
            line = reader.line_num  # the file's line, blank lines counted
            name = (row["notebook"] or "").strip()
            stem = name if name in notebooks else by_number.get(name.zfill(2) if name.isdigit() else name)
            if stem is None:
                raise ValueError(f"{path}, line {line}: notebook {name!r} is not one of "
                                 f"{', '.join(sorted(by_number))} (or their full names)")
            try:
                value = float(row["minutes"])
            except (TypeError, ValueError):
                value = math.nan
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{path}, line {line}: minutes must be a positive number, got {row['minutes']!r}")
            timed.setdefault(stem, []).append(value)
    return timed


def minutes(value: float) -> int:
    """Whole minutes, rounded up: a teacher plans with the longer estimate."""
    return math.ceil(value - 1e-9)


def hours_minutes(total: int) -> str:
    return f"{total // 60} h {total % 60:02d} min" if total >= 60 else f"{total} min"


def table(notebooks: list[Path], report: Path, words_per_minute: float, lines_per_minute: float,
          minutes_per_exercise: float, timed: dict[str, list[float]] | None = None) -> str:
    """The assumptions, the table and the exercises counted, as Markdown (with `timed`: the dry runs too)."""
    runs, header = read_report(report)
    timed = timed or {}
    try:
        shown_report = report.resolve().relative_to(ROOT)
    except ValueError:
        shown_report = report
    lines = [
        "Estimated by `tools/teaching_times.py` from the notebooks' contents (not timed with learners):",
        "",
        f"- **reading**: the markdown cells' words at {words_per_minute:g} words/min (technical text with formulas);",
        f"- **code reading**: the code cells' non-blank lines at {lines_per_minute:g} lines/min "
        "(the Colab setup cell not counted);",
        (f"- **running**: the headless wall time in `{shown_report}` ({'; '.join(header[:2])}), added in full;"
         if runs else f"- **running**: not known yet: `{shown_report}` is missing, so run `make course` "
                      "and then this tool again (the totals below leave running out);"),
        f"- **exercises**: the notebook's `check(...)` calls at {minutes_per_exercise:g} min each;",
        "- every column is rounded up to whole minutes; the total is their sum.",
    ]
    if timed:
        lines.append(f"- **timed**: the median of {sum(map(len, timed.values()))} timed dry runs "
                     "(runs per notebook in brackets); **timed / total** is its ratio to the estimate.")
    lines += ["", "| notebook | reading | code reading | running | exercises | total |"
              + (" timed | timed / total |" if timed else ""),
              "| --- | ---: | ---: | ---: | ---: | ---: |" + (" ---: | ---: |" if timed else "")]
    sums = {"words": 0, "lines": 0, "seconds": 0, "ran": 0, "exercises": 0, "total": 0}
    all_ran = bool(runs)
    exercise_lines = []
    for path in notebooks:
        counts = notebook_counts(path)
        read = minutes(counts["words"] / words_per_minute)
        code = minutes(counts["lines"] / lines_per_minute)
        work = minutes(len(counts["exercises"]) * minutes_per_exercise)
        total = read + code + work
        if path.stem in runs and runs[path.stem][1] == "ok":
            seconds = runs[path.stem][0]
            running = f"{seconds} s: {minutes(seconds / 60)} min"
            total += minutes(seconds / 60)
            sums["seconds"] += seconds
            sums["ran"] += 1
        else:
            all_ran = False
            running = ("run `make course`" if not runs else
                       "not in the report" if path.stem not in runs else "failed in the report")
        sums["words"] += counts["words"]
        sums["lines"] += counts["lines"]
        sums["exercises"] += len(counts["exercises"])
        sums["total"] += total
        row = (f"| {path.stem} | {counts['words']:,} words: {read} min | {counts['lines']} lines: {code} min "
               f"| {running} | {len(counts['exercises'])}: {work} min | {hours_minutes(total)} |")
        if timed:
            runs_here = timed.get(path.stem, [])
            median = statistics.median(runs_here) if runs_here else None
            row += (f" {hours_minutes(minutes(median))} ({len(runs_here)}) | {median / total:.2f} |" if median
                    else " not timed | |")
        lines.append(row)
        exercise_lines.append(f"- {path.stem[:2]}: " + (", ".join(f"`{e}`" for e in counts["exercises"]) or "none yet"))
    running_total = (f"{sums['seconds']:,} s: {minutes(sums['seconds'] / 60)} min" if all_ran
                     else f"{sums['seconds']:,} s for {sums['ran']} of {len(notebooks)}" if runs else "run `make course`")
    lines.append(f"| **all {len(notebooks)}** | {sums['words']:,} words | {sums['lines']:,} lines | {running_total} "
                 f"| {sums['exercises']} | **{hours_minutes(sums['total'])}**"
                 + ("" if all_ran else " + running") + " |" + (" | |" if timed else ""))
    lines += ["", "Exercises counted (`check(\"NN.name\", ...)` in each notebook):", ""] + exercise_lines
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notebooks", type=Path, default=ROOT / "notebooks", help="folder of NN_topic.ipynb")
    parser.add_argument("--report", type=Path, default=ROOT / "build" / "course_report.md",
                        help="the report `make course` writes (for the running column)")
    parser.add_argument("--words-per-minute", type=float, default=WORDS_PER_MINUTE)
    parser.add_argument("--lines-per-minute", type=float, default=LINES_PER_MINUTE)
    parser.add_argument("--minutes-per-exercise", type=float, default=MINUTES_PER_EXERCISE)
    parser.add_argument("--timed", type=Path, help="a CSV of dry runs (notebook,minutes,...): adds their medians")
    args = parser.parse_args(argv)
    notebooks = sorted(args.notebooks.glob("[0-9][0-9]_*.ipynb"))
    if not notebooks:
        print(f"no NN_topic.ipynb notebooks in {args.notebooks}", file=sys.stderr)
        return 2
    if min(args.words_per_minute, args.lines_per_minute) <= 0 or args.minutes_per_exercise < 0:
        print("the rates must be positive (and minutes per exercise not negative)", file=sys.stderr)
        return 2
    try:
        timed = read_timed(args.timed, [p.stem for p in notebooks]) if args.timed else None
    except (OSError, ValueError) as exc:
        print(exc, file=sys.stderr)
        return 2
    print(table(notebooks, args.report, args.words_per_minute, args.lines_per_minute, args.minutes_per_exercise,
                timed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
