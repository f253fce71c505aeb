"""tools/teaching_times.py: the teacher's guide's time table (issue #17).

The estimate's counting rules, the dry-run CSV that a teacher fills in (`--timed`), and that the
table pasted into docs/TEACHING.md still counts what is in the notebooks today.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("teaching_times", ROOT / "tools" / "teaching_times.py")
tt = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tt)

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
STEMS = [p.stem for p in NOTEBOOKS]


def test_words_skip_link_addresses_tags_and_table_rules():
    assert tt.markdown_words("See [the README](https://example.com/a/b) <br> now") == 4
    assert tt.markdown_words("| a | b |\n| --- | --- |\n- 3 dB") == 4
    assert tt.markdown_words("") == 0


def test_code_lines_skip_blank_lines_and_the_setup_cell():
    assert tt.code_lines("x = 1\n\n  \ny = 2\n") == 2
    assert tt.code_lines(f"{tt.SETUP_MARKER}\nimport sys\n!pip install x\n") == 0


def test_a_notebook_is_counted_from_its_cells(tmp_path):
    nb = {"cells": [{"cell_type": "markdown", "source": ["# Title\n", "two words"]},
                    {"cell_type": "code", "source": "a = 1\ncheck(\"03.shape\", a)\n"},
                    {"cell_type": "code", "source": f"{tt.SETUP_MARKER}\nprint(1)"}]}
    path = tmp_path / "03_x.ipynb"
    path.write_text(json.dumps(nb))
    assert tt.notebook_counts(path) == {"words": 3, "lines": 2, "exercises": ["03.shape"]}


def write_csv(tmp_path, text: str) -> Path:
    path = tmp_path / "walkthroughs.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_csv_from_excel_with_blank_lines_is_read_and_lines_are_counted_as_in_the_file(tmp_path):
    path = tmp_path / "walkthroughs.csv"
    path.write_bytes("\ufeffnotebook,minutes\r\n03,60\r\n\r\n04,60\r\n".encode("utf-8"))
    assert tt.read_timed(path, STEMS) == {STEMS[2]: [60.0], STEMS[3]: [60.0]}
    with pytest.raises(ValueError, match=r"line 4: minutes must be a positive number"):
        tt.read_timed(write_csv(tmp_path, "notebook,minutes\n03,60\n\n04,-1\n"), STEMS)


def test_dry_runs_are_read_by_number_or_name(tmp_path):
    path = write_csv(tmp_path, "notebook,minutes,who\n03,60,a\n3,90,b\n" f"{STEMS[0]},45,a\n")
    timed = tt.read_timed(path, STEMS)
    assert timed == {STEMS[2]: [60.0, 90.0], STEMS[0]: [45.0]}


@pytest.mark.parametrize("text, pattern", [
    ("notebook,who\n03,a\n", r"must name the columns notebook, minutes \(missing: minutes"),
    ("notebook,minutes\n42,60\n", r"line 2: notebook '42' is not one of 01, 02"),
    ("notebook,minutes\n03,60\n04,soon\n", r"line 3: minutes must be a positive number, got 'soon'"),
    ("notebook,minutes\n03,0\n", r"line 2: minutes must be a positive number, got '0'"),
    ("notebook,minutes\n03,nan\n", r"minutes must be a positive number, got 'nan'"),
])
def test_a_wrong_dry_run_row_is_named(tmp_path, text, pattern):
    with pytest.raises(ValueError, match=pattern):
        tt.read_timed(write_csv(tmp_path, text), STEMS)


def test_the_table_gives_the_median_of_the_dry_runs_and_its_ratio_to_the_estimate(tmp_path):
    report = tmp_path / "course_report.md"
    report.write_text("- date: today\n- machine: here\n\n| notebook | status | wall |\n| --- | --- | --- |\n"
                      + "".join(f"| {stem} | ok | 60 s |\n" for stem in STEMS), encoding="utf-8")
    plain = tt.table(NOTEBOOKS, report, 120, 10, 8)
    first = next(line for line in plain.splitlines() if line.startswith(f"| {STEMS[0]} "))
    hours, mins = re.search(r"\| (?:(\d+) h )?(\d+) min \|$", first).groups()
    estimate = 60 * int(hours or 0) + int(mins)
    timed = tt.table(NOTEBOOKS, report, 120, 10, 8, {STEMS[0]: [30.0, 50.0, 40.0]})
    row = next(line for line in timed.splitlines() if line.startswith(f"| {STEMS[0]} "))
    assert row.startswith(first[:-1])                      # the estimate is unchanged
    assert row.endswith(f"| 40 min (3) | {40 / estimate:.2f} |")
    assert next(line for line in timed.splitlines() if line.startswith(f"| {STEMS[1]} ")).endswith("not timed | |")
    assert "median of 3 timed dry runs" in timed


def test_the_command_refuses_a_bad_csv_in_one_line(tmp_path, capsys):
    assert tt.main(["--timed", str(write_csv(tmp_path, "notebook,minutes\n99,5\n"))]) == 2
    assert "notebook '99' is not one of" in capsys.readouterr().err
    assert tt.main(["--timed", str(tmp_path / "missing.csv")]) == 2


def test_the_guide_counts_what_is_in_the_notebooks_today():
    """docs/TEACHING.md's pasted table: words, code lines and exercises as the notebooks hold them now
    (after editing a notebook, rerun the tool and paste its output between the BEGIN/END markers)."""
    guide = (ROOT / "docs" / "TEACHING.md").read_text(encoding="utf-8")
    block = guide.split("<!-- BEGIN teaching_times")[1].split("<!-- END teaching_times")[0]
    rows = {m.group(1): m.groups()[1:] for m in re.finditer(
        r"^\| (\d\d_\w+) \| ([\d,]+) words: \d+ min \| (\d+) lines: \d+ min \| [^|]* \| (\d+): \d+ min \|", block, re.M)}
    assert sorted(rows) == STEMS
    for path in NOTEBOOKS:
        counts = tt.notebook_counts(path)
        assert rows[path.stem] == (f"{counts['words']:,}", str(counts["lines"]), str(len(counts["exercises"]))), \
            f"{path.stem}: rerun tools/teaching_times.py and paste its table into docs/TEACHING.md"
