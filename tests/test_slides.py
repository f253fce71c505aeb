"""Slides from the notebooks: the slide rule, and `make slides` writing reveal.js HTML."""

from pathlib import Path

import nbformat
import pytest

from course_utils.course_report import course_notebooks
from course_utils.notebook import SETUP_MARKER, setup_cell_source
from course_utils.slides import export_slides, slide_metadata


def _small_notebook():
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        md("# 07 · Title\n\n**Learning goals**"),
        code(setup_cell_source()),
        code("import torch"),
        md("## A section"),
        md("Some text under it.\n\n### not a heading at the start"),
        code("x = 1\n" * 40),  # long: still continues its slide
        md("  ### Your turn: a step"),  # leading spaces do not matter
        code("check('07.x', answer)"),
        md("#### a small heading"),
        md("## Self-check\n\n<details><summary>1</summary>a</details>"),
        md("## Summary\n\n**Next:** 08"),
    ]
    nb.cells[2].metadata["slideshow"] = {"slide_type": "fragment"}  # an old hand edit: the rule wins
    return nb


def _types(nb) -> list[str]:
    return [c.metadata["slideshow"]["slide_type"] for c in nb.cells]


def test_the_slide_rule_follows_the_headings() -> None:
    nb = slide_metadata(_small_notebook(), hidden=(SETUP_MARKER,))
    assert _types(nb) == ["slide", "skip", "-", "slide", "-", "-", "subslide", "-", "-", "slide", "slide"]
    assert _types(slide_metadata(nb, hidden=(SETUP_MARKER,))) == _types(nb), "applying the rule twice changes nothing"
    assert _types(slide_metadata(_small_notebook()))[1] == "-", "without `hidden` every code cell is shown"


def test_every_course_notebook_has_at_least_three_slides() -> None:
    notebooks = course_notebooks()
    assert notebooks, "no course notebooks found"
    for path in notebooks:
        nb = slide_metadata(nbformat.read(path, as_version=4), hidden=(SETUP_MARKER,))
        types = _types(nb)
        assert types[0] == "slide", f"{path.name}: the title cell does not start a slide"
        assert types.count("slide") >= 3, f"{path.name}: only {types.count('slide')} slides"
        assert types.count("skip") == 1, f"{path.name}: the Colab setup cell is not the one skipped cell"


def test_export_writes_reveal_html_and_leaves_the_notebook_alone(tmp_path: Path) -> None:
    pytest.importorskip("nbconvert")
    path = course_notebooks()[0]
    before = path.read_bytes()
    out = export_slides(path, tmp_path / "slides", hidden=(SETUP_MARKER,))
    assert out == tmp_path / "slides" / f"{path.stem}.slides.html"
    html = out.read_text(encoding="utf-8")
    assert "reveal" in html.lower() and "Reveal.initialize" in html
    assert html.count("<section") >= 3, "each slide is a reveal.js <section>"
    assert "google.colab" not in html, "the skipped setup cell is not shown"
    assert path.read_bytes() == before, "the notebook on disk is not changed"
    assert not list(out.parent.glob(".*.tmp")), "the HTML is written atomically"
