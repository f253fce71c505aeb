"""The average-spectrum baseline: what a classifier that ignores time can learn.

Average a clip's log-mel spectrogram over its frames and you get one vector
per clip, its "colour": which frequencies are loud, not when. A linear
classifier on that vector tells pitch and timbre apart, but it cannot tell a
sound from the same sound played backwards, because time reversal does not
change which frequencies are loud. The clip set's order pairs are built that
way, so this baseline sits near chance (50 %) inside each order pair, while a
model that sees time and frequency (a CNN on the full spectrogram) does not.

It is built from the same pieces as the heads on top of an encoder
(`course_utils.models.heads`), with a log-mel spectrogram as the "encoder":

    waveforms (N, S), lengths (N,)
      -> log-mel (dB)                 (N, n_mels, T)     course_utils.features.log_mel_spectrogram
      -> frames as a sequence         (N, T, n_mels)
      -> mask of each clip's frames   (N, T)             lengths_to_mask: padding excluded
      -> masked mean over time        (N, n_mels)        masked_mean_pool
      -> linear probe                 (N, classes)       train_linear_probe (logistic regression)

    >>> result = average_spectrum_baseline(make_clip_dataset())
    >>> result["accuracy"], result["pairs"]["chirp_up/chirp_down"]      # ~0.8 overall, ~0.5 inside an order pair
"""

from __future__ import annotations

import torch
from datasets import DatasetDict

from course_utils.data import ORDER_PAIRS, PITCH_PAIRS, clip_tensors
from course_utils.features import log_mel_spectrogram
from course_utils.models.heads import lengths_to_mask, masked_mean_pool, train_linear_probe

__all__ = ["time_averaged_log_mel", "baseline_logits", "baseline_accuracy", "average_spectrum_baseline"]

HOP_SECONDS = 0.010     # a frame every 10 ms (160 samples at 16 kHz)
WINDOW_SECONDS = 0.025  # each 25 ms long (400 samples at 16 kHz)


def time_averaged_log_mel(waveforms: torch.Tensor, lengths: torch.Tensor, sample_rate: int,
                          n_mels: int = 64) -> torch.Tensor:
    """Mean over each clip's own frames (padding excluded) of its log-mel (dB): `(N, S) -> (N, n_mels)`.

    `lengths` `(N,)` are the clips' true lengths in samples, as `clip_tensors`
    returns them. The STFT is centred, so frame t covers sample t * hop, and a
    clip of L samples fills frames 0 .. L // hop.
    """
    if not torch.is_tensor(waveforms) or not torch.is_tensor(lengths):
        bad = "waveforms" if not torch.is_tensor(waveforms) else "lengths"
        raise TypeError(f"{bad} must be a torch.Tensor (clip_tensors returns both), "
                        f"got {type(waveforms if bad == 'waveforms' else lengths).__name__}")
    if waveforms.ndim != 2 or lengths.shape != waveforms.shape[:1]:
        raise ValueError(f"waveforms must be (N, S) and lengths (N,), got {tuple(waveforms.shape)} and "
                         f"{tuple(lengths.shape)}")
    hop = round(HOP_SECONDS * sample_rate)
    logmel = log_mel_spectrogram(waveforms, sample_rate, n_fft=round(WINDOW_SECONDS * sample_rate),
                                 hop_length=hop, n_mels=n_mels, top_db=None)      # (N, n_mels, T)
    frames = (lengths // hop + 1).clamp(max=logmel.shape[-1])                      # (N,) frames that hold the clip
    mask = lengths_to_mask(frames, logmel.shape[-1])                               # (N, T)
    return masked_mean_pool(logmel.transpose(1, 2), mask)                          # (N, n_mels)


def baseline_logits(train: tuple, test: tuple, sample_rate: int, num_classes: int | None = None) -> torch.Tensor:
    """Fit the baseline on `train`, return its logits `(N_test, classes)` on `test`.

    `train` and `test` are `clip_tensors` triples `(waveforms, lengths, targets)`.
    The fit is convex and solved to convergence (`train_linear_probe`), so it
    has no seed: the same data give the same logits.
    """
    for name, part in (("train", train), ("test", test)):
        if not isinstance(part, (tuple, list)) or len(part) != 3:
            raise TypeError(f"{name} must be (waveforms, lengths, targets) as clip_tensors returns, "
                            f"got {type(part).__name__}")
    num_classes = num_classes or int(max(train[2].max(), test[2].max())) + 1
    probe = train_linear_probe(time_averaged_log_mel(train[0], train[1], sample_rate), train[2],
                               num_classes=num_classes)
    with torch.no_grad():
        return probe(time_averaged_log_mel(test[0], test[1], sample_rate))        # (N, classes)


def baseline_accuracy(train: tuple, test: tuple, sample_rate: int, num_classes: int | None = None) -> float:
    """Test accuracy of the baseline fitted on `train` (see `baseline_logits`).

    The number every comparison in the course puts beside its models: what a
    linear classifier on the average spectrum gets on the same split.
    """
    predicted = baseline_logits(train, test, sample_rate, num_classes).argmax(1)   # (N,)
    return float((predicted == test[2]).double().mean())


def average_spectrum_baseline(dataset: DatasetDict, train_split: str = "train", test_split: str = "test") -> dict:
    """Fit the baseline on one split of `dataset`, score it on another.

    Returns {"accuracy": overall, "pairs": {"a/b": accuracy inside the pair}, "per_class": {name: recall}}.
    Inside a pair, only the test clips of the two classes count and the
    classifier picks the likelier of the two (chance = 0.5). Pairs are the
    clip set's PITCH_PAIRS and ORDER_PAIRS whose classes are in `dataset`.
    """
    for split in (train_split, test_split):
        if split not in dataset:
            raise ValueError(f"dataset has no {split!r} split (splits: {list(dataset)})")
    labels = dataset[train_split].features["label"].names
    sample_rate = int(dataset[train_split][0]["audio"]["sampling_rate"])
    train, test = clip_tensors(dataset[train_split]), clip_tensors(dataset[test_split])  # (N, S), (N,), (N,)
    logits = baseline_logits(train, test, sample_rate, num_classes=len(labels))    # (N, classes)
    predicted, y_test = logits.argmax(1), test[2]
    result = {"accuracy": float((predicted == y_test).double().mean()), "pairs": {}, "per_class": {}}
    for c, name in enumerate(labels):
        result["per_class"][name] = float((predicted[y_test == c] == c).double().mean())
    for a, b in PITCH_PAIRS + ORDER_PAIRS:
        if a in labels and b in labels:
            ia, ib = labels.index(a), labels.index(b)
            inside = (y_test == ia) | (y_test == ib)
            picked_b = logits[inside][:, ib] > logits[inside][:, ia]
            result["pairs"][f"{a}/{b}"] = float((picked_b == (y_test[inside] == ib)).double().mean())
    return result
