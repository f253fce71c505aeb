"""Exercises and the checks that teach (`check`): the machinery is in `core`, each notebook's exercises in
their own module, merged here into `EXERCISES` ("NN.name" -> Exercise).

    from course_utils.exercises import check
    check("02.frame_count", frame_count)   # not attempted yet / not yet (+ a hint) / right

One module per notebook, named for its topic:

    01 tasks · 02 spectrograms · 03 cnn · 04 ast_patching · 05 sequence · 06 frames
    07 augmentation · 08 choosing · 09 own_sounds
"""

from __future__ import annotations

import importlib
import pkgutil

from .core import EXERCISES, Exercise, Result, check, same

__all__ = ["EXERCISES", "Exercise", "Result", "check", "same"]


def _collect(merged: dict[str, Exercise]) -> None:
    """Every notebook module's EXERCISES, merged into `merged`; an id defined twice is an error."""
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name == "core":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for name, exercise in getattr(module, "EXERCISES", {}).items():
            if name in merged:
                raise RuntimeError(f"exercise {name!r} is defined twice (again in {module.__name__})")
            merged[name] = exercise


_collect(EXERCISES)  # core.EXERCISES, the registry `check` reads
