"""The average-spectrum baseline: what a model that ignores time can learn.

Average a clip's log-mel spectrogram over its frames and you get one vector
per clip, its "colour": which frequencies are loud, not when. A logistic
regression on that vector tells pitch and timbre apart, but it cannot tell a
sound from the same sound played backwards, because time reversal does not
change which frequencies are loud. The clip set's order pairs are built that
way, so this baseline sits near chance (50 %) inside each order pair, while a
model that sees time and frequency (a CNN on the full spectrogram) does not.
"""

from __future__ import annotations

import torch
from datasets import DatasetDict

from ..features import log_mel_spectrogram
from .clips import ORDER_PAIRS, PITCH_PAIRS
from .tables import clip_tensors

HOP = 160
N_FFT = 400


def time_averaged_log_mel(waves: torch.Tensor, lengths: torch.Tensor, sample_rate: int, n_mels: int = 64) -> torch.Tensor:
    """Mean over each clip's own frames (padding excluded) of its log-mel (dB): `(N, S) -> (N, n_mels)`."""
    hop = int(HOP * sample_rate / 16000)
    logmel = log_mel_spectrogram(waves, sample_rate, n_fft=int(N_FFT * sample_rate / 16000), hop_length=hop,
                                 n_mels=n_mels, top_db=None)         # (N, n_mels, frames)
    frames = (lengths // hop + 1).clamp(max=logmel.shape[-1])         # (N,) frames that hold the clip
    mask = (torch.arange(logmel.shape[-1])[None, :] < frames[:, None]).to(logmel.dtype)  # (N, frames)
    return (logmel * mask[:, None, :]).sum(-1) / frames[:, None]      # (N, n_mels)


def fit_logistic_regression(x: torch.Tensor, y: torch.Tensor, n_classes: int, l2: float = 1e-3) -> torch.nn.Linear:
    """Multinomial logistic regression with an L2 penalty, fitted by L-BFGS (deterministic)."""
    model = torch.nn.Linear(x.shape[1], n_classes, dtype=torch.float64)
    torch.nn.init.zeros_(model.weight)
    torch.nn.init.zeros_(model.bias)
    opt = torch.optim.LBFGS(model.parameters(), max_iter=300, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y) + l2 * model.weight.pow(2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return model


def average_spectrum_baseline(ds: DatasetDict, train_split: str = "train", test_split: str = "test") -> dict:
    """Fit the baseline on one split, score it on another.

    Returns {"accuracy": overall, "pairs": {"a/b": accuracy inside the pair}, "per_class": {...}}.
    Inside a pair, only the test clips of the two classes count and the model
    picks the likelier of the two (chance = 0.5).
    """
    names = ds[train_split].features["label"].names
    sr = int(ds[train_split][0]["audio"]["sampling_rate"])
    feats = {}
    for split in (train_split, test_split):
        waves, lengths, labels = clip_tensors(ds[split])
        feats[split] = (time_averaged_log_mel(waves, lengths, sr).double(), labels)
    x_train, y_train = feats[train_split]
    mean, std = x_train.mean(0), x_train.std(0) + 1e-6
    model = fit_logistic_regression((x_train - mean) / std, y_train, len(names))
    x_test, y_test = feats[test_split]
    with torch.no_grad():
        logits = model((x_test - mean) / std)                         # (N, classes)
    pred = logits.argmax(1)
    result = {"accuracy": float((pred == y_test).double().mean()), "pairs": {}, "per_class": {}}
    for c, name in enumerate(names):
        result["per_class"][name] = float((pred[y_test == c] == c).double().mean())
    for a, b in ORDER_PAIRS + PITCH_PAIRS:
        if a in names and b in names:
            ia, ib = names.index(a), names.index(b)
            sel = (y_test == ia) | (y_test == ib)
            picked_b = logits[sel][:, ib] > logits[sel][:, ia]
            result["pairs"][f"{a}/{b}"] = float((picked_b == (y_test[sel] == ib)).double().mean())
    return result


__all__ = ["time_averaged_log_mel", "fit_logistic_regression", "average_spectrum_baseline"]
