"""`make course`: notebooks run headless, results recorded, report written."""

import json
from pathlib import Path

import nbformat
import pytest

from course_utils import notebook
from course_utils.course_report import format_report, run_course
from course_utils.notebook import colab_badge, record_result, setup_cell_source, sync_notebook


def _notebook(tmp_path: Path, name: str, body: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# T"), nbformat.v4.new_code_cell(body)]
    path = tmp_path / name
    nbformat.write(nb, path)
    return path


def test_run_course_writes_a_row_per_notebook(tmp_path: Path) -> None:
    good = _notebook(tmp_path, "01_good.ipynb",
                     "from course_utils.notebook import record_result\nrecord_result('01_good', accuracy=0.875)")
    bad = _notebook(tmp_path, "02_bad.ipynb", "raise ValueError('broken on purpose')")
    out, rows = run_course([good, bad], out=tmp_path / "build" / "report.md")
    assert [r["ok"] for r in rows] == [True, False]
    assert rows[0]["metrics"] == {"accuracy": 0.875} and rows[0]["peak_memory_mb"] > 10
    text = out.read_text()
    assert "| 01_good | ok |" in text and "accuracy = 0.875" in text
    assert "FAILED: ValueError: broken on purpose" in text
    assert not list(out.parent.glob("*.tmp")), "the report is written atomically"


def test_record_result_writes_json_only_when_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(notebook.RESULTS_ENV_VAR, raising=False)
    rec = record_result("05_x", f1=0.5)
    assert rec["metrics"] == {"f1": 0.5} and not list(tmp_path.iterdir())
    monkeypatch.setenv(notebook.RESULTS_ENV_VAR, str(tmp_path))
    record_result("05_x", f1=0.75)
    assert json.loads((tmp_path / "05_x.json").read_text())["metrics"] == {"f1": 0.75}
    with pytest.raises(ValueError, match="at least one metric"):
        record_result("05_x")


def test_format_report_shows_missing_results_plainly() -> None:
    text = format_report([{"notebook": "01_a", "seconds": 3.2, "ok": True, "error": "",
                           "peak_memory_mb": None, "metrics": {}}])
    assert "| 01_a | ok | 3 s | n/a | n/a |" in text


def test_sync_notebook_writes_the_badge_and_setup_cell(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# 07 · Title\n[![Open In Colab](x)](x)\n\n**Learning goals**"),
                nbformat.v4.new_code_cell(notebook.SETUP_MARKER)]
    path = tmp_path / "07_title.ipynb"
    nbformat.write(nb, path)
    assert sync_notebook(path) is True
    synced = nbformat.read(path, as_version=4)
    assert colab_badge("07_title.ipynb") in synced.cells[0].source
    assert synced.cells[1].source == setup_cell_source()
    assert sync_notebook(path) is False


def test_sync_notebook_rebuilds_from_the_source_and_keeps_unchanged_outputs(tmp_path: Path) -> None:
    path = tmp_path / "07_title.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# 07 · Title\n\n**Learning goals**"),
                nbformat.v4.new_code_cell("x = 1", outputs=[nbformat.v4.new_output("stream", text="kept\n")]),
                nbformat.v4.new_code_cell("y = 2", outputs=[nbformat.v4.new_output("stream", text="stale\n")])]
    nbformat.write(nb, path)
    source = notebook.source_path(path)
    source.write_text("# %% [markdown]\n# # 07 · Title\n#\n# **Learning goals**\n\n"
                      "# %%\nx = 1\n\n# %%\ny = 3\n\n# %% [markdown]\n# new text\n")
    assert notebook.source_differences(path) != []
    assert sync_notebook(path) is True
    synced = nbformat.read(path, as_version=4)
    assert [c.source for c in synced.cells[1:]] == ["x = 1", "y = 3", "new text"]
    assert synced.cells[1].outputs[0].text == "kept\n"  # same code: output kept
    assert synced.cells[2].outputs == []  # edited code: output dropped until re-executed
    assert colab_badge("07_title.ipynb") in source.read_text()  # the badge goes into the source
    assert notebook.source_differences(path) == []
    assert sync_notebook(path) is False


def test_source_differences_names_a_missing_source(tmp_path: Path) -> None:
    path = tmp_path / "07_title.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), path)
    assert "no paired source" in notebook.source_differences(path)[0]


def test_setup_cell_is_a_no_op_outside_colab() -> None:
    from IPython.core.inputtransformer2 import TransformerManager

    python = TransformerManager().transform_cell(setup_cell_source())
    exec(compile(python, "setup", "exec"), {"get_ipython": lambda: pytest.fail("ran pip outside Colab")})
