"""Command line: `python -m course_utils {doctor,course,sync-notebooks,slides}`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_utils", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("doctor", help="check that this machine can run the course")
    course = sub.add_parser("course", help="run every notebook and write build/course_report.md")
    course.add_argument("notebooks", nargs="*", help="notebook paths (default: all, in order)")
    sync = sub.add_parser("sync-notebooks", help="rebuild notebooks from their jupytext sources (NN_topic.py)")
    sync.add_argument("notebooks", nargs="*", help="notebook or source paths, or NN prefixes (default: all)")
    sync.add_argument("--execute", action="store_true", help="re-execute each notebook and store its outputs")
    slides = sub.add_parser("slides", help="write reveal.js slides of the notebooks to build/slides/")
    slides.add_argument("notebooks", nargs="*", help="NN prefixes or notebook paths (default: all)")
    args = parser.parse_args(argv)

    if args.command == "doctor":
        from .env import doctor

        return doctor()
    if args.command == "course":
        from .course_report import run_course

        out, rows = run_course([Path(p) for p in args.notebooks] or None)
        print(out.read_text())
        return 0 if all(r["ok"] for r in rows) else 1
    if args.command == "sync-notebooks":
        from .course_report import course_notebooks, execute_and_save, solution_notebooks
        from .notebook import sync_notebook

        wanted = [str(w) for w in args.notebooks]
        paths = [p for p in course_notebooks() + solution_notebooks()
                 if not wanted or any(p.stem == Path(w).stem or p.name.startswith(w) for w in wanted)]
        if wanted and not paths:
            print(f"no course notebook matches {wanted}", file=sys.stderr)
            return 2
        for path in paths:
            changed = sync_notebook(path)
            print(f"{'updated' if changed else 'up to date'}: {path.name}", flush=True)
            if args.execute:
                print(f"  executed in {execute_and_save(path):.0f} s", flush=True)
        return 0
    if args.command == "slides":
        from .course_report import BUILD_DIR, course_notebooks
        from .notebook import SETUP_MARKER
        from .slides import export_slides

        try:
            import nbconvert  # noqa: F401
        except ImportError:
            print("slides need nbconvert: pip install nbconvert (the course's `lab` extra has it)", file=sys.stderr)
            return 2
        wanted = [str(w) for w in args.notebooks]
        paths = [p for p in course_notebooks()
                 if not wanted or any(p.stem == Path(w).stem or p.name.startswith(w) for w in wanted)]
        if wanted and not paths:
            print(f"no course notebook matches {wanted}", file=sys.stderr)
            return 2
        for path in paths:
            out = export_slides(path, BUILD_DIR / "slides", hidden=(SETUP_MARKER,))  # the Colab setup cell: not shown
            print(f"wrote {out.relative_to(BUILD_DIR.parent)}", flush=True)
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
