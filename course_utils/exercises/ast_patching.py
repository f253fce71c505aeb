"""Notebook 04's exercises: the AST's patch grid."""

from __future__ import annotations

from .core import Exercise


def _patch_cases() -> list[tuple]:
    return [(1024, 128), (98, 128), (498, 128), (98, 64), (300, 128)]


def _patch_reference(num_frames: int, num_mel_bins: int) -> tuple[int, int]:
    from transformers import ASTConfig

    from course_utils.models.ast import patch_grid

    return patch_grid(ASTConfig(max_length=num_frames, num_mel_bins=num_mel_bins))


EXERCISES: dict[str, Exercise] = {
    "04.patch_grid": Exercise(
        title="the patch grid (frequency patches, time patches) of an AST input",
        reference=_patch_reference, cases=_patch_cases,
        hint="a 16-wide window moved by a stride of 10 over n positions fits (n - 16) // 10 + 1 times; "
             "do it once along frequency (mel bins) and once along time (frames)",
        mistakes=[("no overlap", lambda t, f: (f // 16, t // 16),
                   "you cut non-overlapping 16x16 tiles; AST's patches overlap: they move by a stride of 10"),
                  ("swapped", lambda t, f: ((t - 16) // 10 + 1, (f - 16) // 10 + 1),
                   "the two numbers are swapped: the grid is (frequency patches, time patches)")]),
}
