"""Notebook 04's exercises: the AST's patch grid; the length of its token sequence."""

from __future__ import annotations

import torch

from .core import Exercise

__all__ = ["EXERCISES"]


def _patch_cases() -> list[tuple]:
    return [(1024, 128), (98, 128), (498, 128), (98, 64), (300, 128)]


def _patch_reference(num_frames: int, num_mel_bins: int) -> tuple[int, int]:
    from transformers import ASTConfig

    from course_utils.models.ast import patch_grid

    return patch_grid(ASTConfig(max_length=num_frames, num_mel_bins=num_mel_bins))


def _token_cases() -> list[tuple]:
    # 4000, 4240 and 15440 samples: there, counting frames as samples // 160 (or centred) crosses a patch boundary
    return [(16000,), (4240,), (48000,), (160000,), (15440,), (4000,)]


def _token_reference(num_samples: int) -> int:
    """The sequence length the course's AST makes: its embedding step run on a clip's fbank."""
    from course_utils.fast_features import ASTFeatures
    from course_utils.models.ast import AST, tiny_ast_config

    frames = ASTFeatures(16000, num_mel_bins=128).num_frames(num_samples)
    with torch.random.fork_rng(devices=[]), torch.no_grad():  # building a model draws weights: leave the RNG as it was
        model = AST(tiny_ast_config(max_length=frames, num_mel_bins=128)).eval()
        return int(model.embed(torch.zeros(1, frames, 128)).shape[1])  # (1, N, D) -> N


def _tokens(frames: int, special: int = 2) -> int:
    return special + ((128 - 16) // 10 + 1) * ((frames - 16) // 10 + 1)


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
    "04.num_tokens": Exercise(
        title="how many tokens enter AST's encoder for a clip of num_samples samples at 16 kHz",
        reference=_token_reference, cases=_token_cases,
        hint="three steps: frames = 1 + (num_samples - 400) // 160 (a 25 ms window every 10 ms, no padding); "
             "the patch grid over 128 mel bins x frames; then the special tokens in front",
        mistakes=[("no special tokens", lambda n: _tokens(1 + (n - 400) // 160, special=0),
                   "you counted the patches; [CLS] and [DIST] go in front of them"),
                  ("one special token", lambda n: _tokens(1 + (n - 400) // 160, special=1),
                   "AST has two special tokens in front of the patches: [CLS] and [DIST]"),
                  ("frames from the hop alone", lambda n: _tokens(n // 160),
                   "samples // 160 is the frame rate, but each frame needs a whole 25 ms window (400 samples): "
                   "the last window must fit inside the clip"),
                  ("centred frames", lambda n: _tokens(1 + n // 160),
                   "that is notebook 02's centred frame count; Kaldi's fbank does not pad the clip: its first "
                   "frame starts at sample 0"),
                  ("no overlap", lambda n: 2 + (128 // 16) * ((1 + (n - 400) // 160) // 16),
                   "you cut non-overlapping 16x16 tiles; AST's patches overlap: they move by a stride of 10")]),
}
