"""Notebook 03's exercises: the feature map's shape after the conv blocks, and the pooling + head.

Both references run the course's own `SpectrogramCNN` (course_utils.models.cnn): its conv blocks on a
picture of zeros for the shape; its `pool` on a given feature map, then the given head.
"""

from __future__ import annotations

import torch
from torch import nn

from .core import Exercise, same

__all__ = ["EXERCISES"]

# ----------------------------------------------------------------------------
# 03.feature_map_shape: (channels, mel rows, frames) after the conv blocks


def _shape_cases() -> list[tuple]:
    # (n_mels, frames, channels): the notebook's 1-s picture first, then longer clips, odd frame counts,
    # fewer or narrower blocks. n_mels must divide by 2 ** len(channels) (the course checks it).
    return [(32, 51, (16, 32, 64)), (64, 101, (16, 32, 64)), (32, 63, (16, 32, 64)), (32, 50, (8, 16)),
            (16, 9, (4,)), (8, 17, (3, 5, 7))]


def _cnn(n_mels: int, channels: tuple[int, ...], pooling: str = "global"):
    from course_utils.models.cnn import SpectrogramCNN

    return SpectrogramCNN(["a", "b"], config={"n_mels": n_mels, "channels": tuple(channels), "pooling": pooling}).eval()


def _shape_reference(n_mels: int, frames: int, channels: tuple[int, ...]) -> tuple[int, int, int]:
    with torch.no_grad():
        feature_map = _cnn(n_mels, channels).blocks(torch.zeros(1, 1, n_mels, frames))  # (1, C, F', T')
    return tuple(feature_map.shape[1:])


def _compare_shape(got, expected: tuple[int, int, int], case: tuple) -> str | None:
    if isinstance(got, torch.Size):
        got = tuple(got)
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        return f"it returned {got!r}; the answer is three numbers (channels, mel rows, frames), without the batch"
    if any(isinstance(g, float) and g != int(g) for g in got):
        return f"it returned {got!r}; a shape holds whole numbers (a max pool drops what does not fit)"
    names = ("the channel count", "the mel-row count", "the frame count")
    wrong = [name for name, g, e in zip(names, got, expected) if g != e]
    if not wrong:
        return None
    named = wrong[0] if len(wrong) == 1 else ", ".join(wrong[:-1]) + " and " + wrong[-1]
    return f"it returned {tuple(got)!r}: {named} {'is' if len(wrong) == 1 else 'are'} wrong"


def _shape_ceil(n_mels: int, frames: int, channels: tuple[int, ...]) -> tuple[int, int, int]:
    k = 2 ** len(channels)
    return channels[-1], -(-n_mels // k), -(-frames // k)


def _shape_swapped(n_mels: int, frames: int, channels: tuple[int, ...]) -> tuple[int, int, int]:
    channels_out, rows, columns = _shape_reference(n_mels, frames, channels)
    return channels_out, columns, rows


def _shape_once(n_mels: int, frames: int, channels: tuple[int, ...]) -> tuple[int, int, int]:
    return channels[-1], n_mels // 2, frames // 2


def _shape_unpooled(n_mels: int, frames: int, channels: tuple[int, ...]) -> tuple[int, int, int]:
    return channels[-1], n_mels, frames


# ----------------------------------------------------------------------------
# 03.pool_and_classify: feature map (B, C, F, T) -> logits, for both poolings


def _seeded_linear(in_features: int, out_features: int, seed: int) -> nn.Linear:
    g = torch.Generator().manual_seed(seed)
    head = nn.Linear(in_features, out_features)
    with torch.no_grad():
        head.weight.copy_(torch.randn(out_features, in_features, generator=g) / in_features ** 0.5)
        head.bias.copy_(torch.randn(out_features, generator=g))
    return head.requires_grad_(False)


def _pool_cases() -> list[tuple]:
    g = torch.Generator().manual_seed(3)
    maps = {"notebook": torch.randn(2, 64, 4, 6, generator=g), "square": torch.randn(3, 8, 5, 5, generator=g),
            "long": torch.randn(1, 16, 2, 12, generator=g)}
    return [
        (maps["notebook"], _seeded_linear(64, 10, 0), "global"),  # the notebook's CNN on 1-s clips
        (maps["notebook"], _seeded_linear(64 * 4, 10, 1), "time"),  # the same map, pooled over time only
        (maps["square"], _seeded_linear(8, 4, 2), "global"),
        (maps["square"], _seeded_linear(8 * 5, 4, 3), "time"),
        (maps["long"], _seeded_linear(16 * 2, 3, 4), "time"),
        (maps["long"], _seeded_linear(16, 3, 5), "global"),
    ]


def _pool_reference(feature_map: torch.Tensor, head: nn.Linear, pooling: str) -> torch.Tensor:
    """The course CNN's own pooling (`SpectrogramCNN.pool`), then the given head."""
    _, channels, rows, _ = feature_map.shape
    model = _cnn(rows * 2, (channels,), pooling)  # one conv block: `rows` rows after it
    with torch.no_grad():
        return head(model.pool(feature_map))  # (B, num_classes)


def _describe_pool(case: tuple) -> str:
    feature_map, head, pooling = case
    return (f"a feature map of shape {tuple(feature_map.shape)}, a head Linear({head.in_features}, "
            f"{head.out_features}), pooling={pooling!r}")


def _compare_pool(got, expected: torch.Tensor, case: tuple) -> str | None:
    if torch.is_tensor(got) and got.requires_grad:
        got = got.detach()
    return same(got, expected, case, atol=1e-5)


def _pool_max(feature_map: torch.Tensor, head: nn.Linear, pooling: str) -> torch.Tensor:
    pooled = feature_map.amax(dim=(2, 3)) if pooling == "global" else feature_map.amax(dim=3).flatten(1)
    return head(pooled)


def _pool_rows_first(feature_map: torch.Tensor, head: nn.Linear, pooling: str) -> torch.Tensor:
    if pooling == "global":
        return _pool_reference(feature_map, head, pooling)
    return head(feature_map.mean(dim=3).transpose(1, 2).flatten(1))  # (B, F * C): row by row


def _pool_sum(feature_map: torch.Tensor, head: nn.Linear, pooling: str) -> torch.Tensor:
    pooled = feature_map.sum(dim=(2, 3)) if pooling == "global" else feature_map.sum(dim=3).flatten(1)
    return head(pooled)


EXERCISES: dict[str, Exercise] = {
    "03.feature_map_shape": Exercise(
        title="the feature map's shape after the conv blocks",
        reference=_shape_reference, cases=_shape_cases, compare=_compare_shape,
        hint="a 3x3 convolution with padding=1 keeps the picture's size and sets the channels to the block's "
             "width; each 2x2 max pool halves both axes, rounding down; there is one per block",
        mistakes=[("rounds up", _shape_ceil,
                   "you rounded up: a 2x2 max pool drops an odd last row or column (floor), it does not pad"),
                  ("swapped", _shape_swapped,
                   "the last two numbers are swapped: the feature map is (channels, mel rows, frames), like the "
                   "picture"),
                  ("halved once", _shape_once,
                   "you halved once; every conv block ends in its own 2x2 max pool, so k blocks divide by 2**k"),
                  ("no pooling", _shape_unpooled,
                   "you kept the picture's size: the padded 3x3 convolutions do, but each block's max pool "
                   "halves it")]),
    "03.pool_and_classify": Exercise(
        title="from the feature map to logits: pool, then the linear head",
        reference=_pool_reference, cases=_pool_cases, compare=_compare_pool, describe=_describe_pool,
        hint="'global': average each channel over frequency and time, (B, C, F, T) -> (B, C); 'time': average "
             "over time only, (B, C, F), then flatten each channel's rows one after another into (B, C * F); "
             "then apply head",
        mistakes=[("max", _pool_max,
                   "you took the maximum; the course's CNN averages (global *average* pooling)"),
                  ("rows first", _pool_rows_first,
                   "the right numbers in another order: flatten (B, C, F) as it is, channel by channel, which is the "
                   "order the head's weights were trained for; you put the frequency rows first"),
                  ("sum", _pool_sum,
                   "you summed; the course's CNN averages, so that the head's input does not grow with the clip's "
                   "length")]),
}
