"""Command line: `python -m course_utils {doctor,course,sync-notebooks}`."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_utils", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("doctor", help="check that this machine can run the course")
    course = sub.add_parser("course", help="run every notebook and write build/course_report.md")
    course.add_argument("notebooks", nargs="*", help="notebook paths (default: all, in order)")
    sub.add_parser("sync-notebooks", help="rewrite every notebook's Colab badge and setup cell")
    args = parser.parse_args(argv)

    if args.command == "doctor":
        from .env import doctor

        return doctor()
    if args.command == "course":
        from pathlib import Path

        from .course_report import run_course

        out, rows = run_course([Path(p) for p in args.notebooks] or None)
        print(out.read_text())
        return 0 if all(r["ok"] for r in rows) else 1
    if args.command == "sync-notebooks":
        from .course_report import course_notebooks
        from .notebook import sync_notebook

        for path in course_notebooks():
            changed = sync_notebook(path)
            print(f"{'updated' if changed else 'up to date'}: {path.name}")
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
