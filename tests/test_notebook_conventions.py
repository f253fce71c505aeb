"""Every course notebook keeps the conventions; the checker catches each breach."""

from pathlib import Path

import nbformat
import pytest

import re

from course_utils.course_report import course_notebooks, solution_notebooks
from course_utils.exercises import EXERCISES
from course_utils.notebook import (CHECK_CALL, colab_badge, convention_problems, setup_cell_source,
                                   source_differences, unsupported_numbers)

NOTEBOOKS = course_notebooks()
SOLUTIONS = solution_notebooks()


def _code(path: Path) -> str:
    return "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_course_notebook_keeps_conventions(path: Path) -> None:
    assert convention_problems(path) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_matches_its_jupytext_source(path: Path) -> None:
    """Edit notebooks/NN_topic.py, then `make notebooks-sync`: the .ipynb must hold the same cells."""
    assert source_differences(path) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_numbers_in_the_text_come_from_the_notebook_or_name_their_source(path: Path) -> None:
    """A decimal or a percentage in markdown is printed (or set) by the notebook, or quoted with its source."""
    assert unsupported_numbers(path) == []


def test_the_number_checker_reads_outputs_percentages_and_sources(tmp_path: Path) -> None:
    nb = _good_notebook()
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", name="stdout", text="accuracy 0.873\n")]
    nb.cells.insert(3, nbformat.v4.new_markdown_cell(
        "The model reaches 0.873 (87.3 %). AST reaches 95.6% on ESC-50 (Gong et al., 2021). It gets 0.91 here, "
        "and `lr = 0.003` is a setting."))
    assert unsupported_numbers(_write(tmp_path, nb)) == ["cell 3: '0.91' in 'It gets 0.91 here, and   is a setting.'"]


def test_every_exercise_is_known_and_solved_in_the_solutions_notebook() -> None:
    """Each `check("NN.name", ...)` in a notebook names an exercise of course_utils.exercises, and
    solutions/NN_topic_solutions.ipynb asserts that a worked solution passes that same check."""
    solved = {}
    for path in SOLUTIONS:
        for name in CHECK_CALL.findall(_code(path)):
            solved[name] = path.name
        assert re.findall(r"assert check\(", _code(path)), f"{path.name} asserts no check"
    for path in NOTEBOOKS:
        for name in CHECK_CALL.findall(_code(path)):
            assert name in EXERCISES, f"{path.name} checks an unknown exercise {name!r}"
            assert name.split(".")[0] == path.name[:2], f"{path.name} uses another notebook's exercise {name!r}"
            assert solved.get(name) == f"{path.stem}_solutions.ipynb", f"no worked solution of {name!r}"


@pytest.mark.parametrize("path", SOLUTIONS, ids=[p.name for p in SOLUTIONS])
def test_solutions_notebook_matches_its_source_and_has_a_badge(path: Path) -> None:
    assert path.exists(), f"{path.name}: run `make notebooks-sync NB={path.name[:2]}` to build it from its source"
    assert source_differences(path) == []
    first = nbformat.read(path, as_version=4).cells[0].source
    assert colab_badge(path.name, "solutions") in first
    assert (path.parent.parent / "notebooks" / path.name.replace("_solutions", "")).exists()


def test_every_notebook_name_is_numbered_and_unique() -> None:
    numbers = [p.name[:2] for p in NOTEBOOKS]
    assert len(numbers) == len(set(numbers)), f"two notebooks share a number: {numbers}"
    stray = [p.name for p in (NOTEBOOKS[0].parent if NOTEBOOKS else Path("notebooks")).glob("*.ipynb")
             if p not in NOTEBOOKS]
    assert stray == [], f"notebooks outside the NN_name scheme: {stray}"


# ---------------------------------------------------------------------------
# The checker itself: a good notebook passes, each kind of breakage is named.

def _good_notebook(name: str = "99_example_topic.ipynb") -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell(f"# 99 · Example\n\n{colab_badge(name)}\n\n**Learning goals**\n- one"),
        nbformat.v4.new_code_cell(setup_cell_source()),
        nbformat.v4.new_code_cell("x = 1 + 1\nassert x == 2"),
        nbformat.v4.new_code_cell('check("99.first", lambda: ...)\ncheck("99.second", lambda: ...)'),
        nbformat.v4.new_code_cell('from course_utils.notebook import record_result\nrecord_result("99_example_topic", x=2)'),
        nbformat.v4.new_markdown_cell("## Self-check\n\n" + "\n\n".join(
            f"{i}. Why?\n<details><summary>Answer</summary>Because.</details>" for i in (1, 2, 3))),
        nbformat.v4.new_markdown_cell("## Summary\n- it works\n\n**Next:** nothing"),
    ]
    return nb


def _write(tmp_path: Path, nb, name: str = "99_example_topic.ipynb") -> Path:
    path = tmp_path / name
    nbformat.write(nb, path)
    return path


def test_checker_accepts_a_good_notebook(tmp_path: Path) -> None:
    assert convention_problems(_write(tmp_path, _good_notebook())) == []


BREAKAGES = {
    "name": (lambda nb: nb, "Example Topic.ipynb", "not NN_snake_case"),
    "title": (lambda nb: nb.cells[0].update(source="no title here"), None, "'# ' title"),
    "badge": (lambda nb: nb.cells[0].update(source="# 99 · T\n\n**Learning goals**\n- a"), None, "Colab badge"),
    "goals": (lambda nb: nb.cells[0].update(source=f"# 99 · T\n{colab_badge('99_example_topic.ipynb')}"), None,
              "learning goals"),
    "setup": (lambda nb: nb.cells.pop(1), None, "setup cell"),
    "summary": (lambda nb: nb.cells.pop(), None, "summary"),
    "self-check": (lambda nb: nb.cells.pop(-2), None, "Self-check"),
    "check": (lambda nb: nb.cells[2].update(source="x = 1 + 1"), None, "no real check"),
    "record": (lambda nb: nb.cells[4].update(source="print(2)"), None, "record_result"),
    "exercises": (lambda nb: nb.cells[3].update(source='check("99.first", lambda: ...)'), None,
                  "1 exercise(s) with a check"),
    "error": (lambda nb: nb.cells[2].update(outputs=[nbformat.v4.new_output(
        "error", ename="ValueError", evalue="boom", traceback=[])]), None, "stored error output"),
    "abspath": (lambda nb: nb.cells[2].update(source="open('/work/main/data/x.wav')\nassert True"), None,
                "absolute path"),
    "size": (lambda nb: nb.cells[2].update(source="assert True\n# " + "x" * 2_100_000), None, "MB on disk"),
}


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_checker_names_each_breakage(tmp_path: Path, breakage: str) -> None:
    mutate, name, expected = BREAKAGES[breakage]
    nb = _good_notebook()
    mutate(nb)
    problems = convention_problems(_write(tmp_path, nb, name or "99_example_topic.ipynb"))
    assert any(expected in p for p in problems), problems


def test_readme_lists_every_notebook_with_its_colab_badge() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    missing = [p.name for p in NOTEBOOKS if colab_badge(p.name) not in readme]
    assert missing == [], f"README lacks the Colab badge of {missing}"
