"""Slides from the notebooks: a teacher presents from the same source the learners run.

reveal.js (what nbconvert's slides and JupyterLab's RISE extension show) reads
one field per cell, `cell.metadata["slideshow"]["slide_type"]`:

    "slide"      starts a new slide (left to right)
    "subslide"   starts a slide below the current one (top to bottom)
    "-"          continues the current slide
    "skip"       is never shown

`slide_metadata` sets it on every cell by a rule you can predict from the
notebook's headings, so nobody tags cells by hand and a new cell is placed
the moment its heading is written:

    markdown starting with "# " or "## "   -> "slide"     (the title, each section, the Self-check, the Summary)
    markdown starting with "### "          -> "subslide"  (a step inside a section, each "### Your turn")
    a code cell starting with a `hidden`   -> "skip"      (the course passes its Colab setup cell's first line,
      prefix                                               `course_utils.notebook.SETUP_MARKER`: that cell does
                                                           nothing outside Colab)
    every other cell, code or markdown     -> "-"         (it continues the slide above it)

A cell's existing "slideshow" entry is replaced, so the rule, not an old
hand edit, decides. Long cells stay on their slide: the exported slides
scroll (`reveal_scroll`), so nothing is cut off. (The setup cell's marker is
passed in rather than imported, so that `course_utils.notebook` can apply the
rule when it syncs a notebook, without an import cycle.)

`export_slides` writes a notebook's reveal.js HTML with nbconvert's
SlidesExporter (`make slides` does every notebook into `build/slides/`).
Writing needs no network; viewing the HTML loads reveal.js (and MathJax for
the formulas) from a CDN, so open it once online, or present live in
JupyterLab with `jupyterlab-rise` (not installed by the course:
`pip install jupyterlab-rise`), which reads the same metadata.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path

__all__ = ["export_slides", "slide_metadata", "slide_type"]


def slide_type(cell, hidden: tuple[str, ...] = ()) -> str:
    """The reveal.js slide type the course's rule gives one cell (see the module docstring).

    `hidden`: first lines of code cells never shown, e.g. `(SETUP_MARKER,)`.
    """
    source = cell.source.lstrip()
    if cell.cell_type == "markdown":
        if source.startswith(("# ", "## ")):
            return "slide"
        if source.startswith("### "):
            return "subslide"
        return "-"
    if cell.cell_type == "code" and hidden and source.startswith(tuple(hidden)):
        return "skip"
    return "-"


def slide_metadata(nb, hidden: tuple[str, ...] = ()):
    """Set `metadata["slideshow"]["slide_type"]` on every cell of an nbformat notebook, in place; return it.

    The rule is `slide_type`'s: "# "/"## " headings start a slide, "### "
    headings a subslide, code cells starting with a `hidden` prefix (the
    course passes the Colab setup cell's `SETUP_MARKER`) are skipped,
    everything else continues the slide above. Applying it twice changes nothing.
    """
    for cell in nb.cells:
        cell.metadata["slideshow"] = {"slide_type": slide_type(cell, hidden)}
    return nb


def export_slides(path: str | os.PathLike, out_dir: str | os.PathLike, hidden: tuple[str, ...] = ()) -> Path:
    """Write `out_dir/<notebook>.slides.html` (reveal.js) from a notebook with its stored outputs; return its path.

    The notebook file is not changed: the slide metadata (with `hidden` as in
    `slide_metadata`) is set on a copy in memory. Input and output prompts are
    left out (`In [3]:` takes room on a slide) and slides scroll when a cell
    is taller than the screen.
    """
    import nbformat
    from nbconvert import SlidesExporter

    path = Path(path)
    nb = slide_metadata(copy.deepcopy(nbformat.read(path, as_version=4)), hidden)
    exporter = SlidesExporter(reveal_scroll=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, resources = exporter.from_notebook_node(nb, resources={"metadata": {"name": path.stem}})
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"{path.stem}{resources.get('output_extension', '.slides.html')}"
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(body, encoding="utf-8")
    os.replace(tmp, out)
    return out
