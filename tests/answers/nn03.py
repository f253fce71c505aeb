"""Notebook 03: the feature map's shape after the conv blocks, and the pooling + head."""

import torch


def feature_map_shape(n_mels, frames, channels):
    for _ in channels:                      # each block: padded 3x3 conv (same size), then a 2x2 max pool
        n_mels, frames = n_mels // 2, frames // 2
    return channels[-1], n_mels, frames


def pool_and_classify(feature_map, head, pooling):
    if pooling == "global":
        pooled = feature_map.mean(dim=(2, 3))                    # (B, C, F, T) -> (B, C)
    else:
        pooled = feature_map.mean(dim=3).reshape(len(feature_map), -1)  # (B, C, F) -> (B, C * F)
    return head(pooled)                                          # (B, num_classes)


SOLUTIONS = {"03.feature_map_shape": feature_map_shape, "03.pool_and_classify": pool_and_classify}
WRONG = {
    "03.feature_map_shape": [
        lambda f, t, c: (0, 0, 0), lambda f, t, c: (1, f, t), lambda f, t, c: (c[-1], f, t),
        lambda f, t, c: (c[-1], -(-f // 2 ** len(c)), -(-t // 2 ** len(c))),
        lambda f, t, c: (c[-1], t // 2 ** len(c), f // 2 ** len(c)), lambda f, t, c: (c[-1], f // 2, t // 2),
        lambda f, t, c: (c[0], f // 2 ** len(c), t // 2 ** len(c)),
        lambda f, t, c: (c[-1], f // 2 ** (len(c) - 1), t // 2 ** (len(c) - 1)),
        lambda f, t, c: (1, c[-1], f // 2 ** len(c), t // 2 ** len(c))],
    "03.pool_and_classify": [
        lambda x, h, p: torch.zeros(len(x), h.out_features), lambda x, h, p: x,
        lambda x, h, p: x.mean(dim=(2, 3)),
        lambda x, h, p: h(x.amax(dim=(2, 3)) if p == "global" else x.amax(dim=3).flatten(1)),
        lambda x, h, p: h(x.sum(dim=(2, 3)) if p == "global" else x.sum(dim=3).flatten(1)),
        lambda x, h, p: h(x.mean(dim=(2, 3)) if p == "global" else x.mean(dim=3).transpose(1, 2).flatten(1)),
        lambda x, h, p: h(x.mean(dim=(2, 3)) if p == "global" else x.mean(dim=2).flatten(1)),
        lambda x, h, p: h(x.mean(dim=(2, 3))),
        lambda x, h, p: h(x.mean(dim=(2, 3)) if p == "time" else x.mean(dim=3).flatten(1))],
}
