"""Pictures of training: learning curves, confusion matrices, misclassified clips.

Every function returns the matplotlib Figure (closed, so a notebook shows it
once, where you `display` it or leave it as the cell's last value), which
keeps them usable in scripts and tests as well as in notebooks.

    >>> plot_learning_curves(history)
    >>> plot_confusion_matrix(scores["confusion"], model.labels)
    >>> misclassified_gallery(test_x, scores["labels"], scores["predictions"], model.labels, sample_rate=16000)
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch

__all__ = ["misclassified_gallery", "plot_confusion_matrix", "plot_learning_curves"]


def plot_learning_curves(history, title: str | None = None):
    """Loss (train and validation) and validation accuracy / macro-F1 per epoch, from a `train.History`."""
    epochs = np.arange(1, len(history) + 1)
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3.2))
    ax_loss.plot(epochs, history.train_loss, "o-", label="train")
    ax_loss.plot(epochs, history.val_loss, "o-", label="validation")
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy", title="loss")
    ax_acc.plot(epochs, history.val_accuracy, "o-", label="accuracy")
    ax_acc.plot(epochs, history.val_macro_f1, "s--", label="macro-F1")
    ax_acc.set(xlabel="epoch", ylabel="score", title="validation", ylim=(0, 1.02))
    if history.best_epoch is not None:
        for ax in (ax_loss, ax_acc):
            ax.axvline(history.best_epoch + 1, color="gray", ls=":", lw=1, label="best (restored)")
    for ax in (ax_loss, ax_acc):
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_confusion_matrix(confusion, labels: list[str], normalize: bool = True, title: str | None = None, ax=None):
    """Heat map of a confusion matrix `(C, C)` (rows: true class, columns: predicted).

    With `normalize`, each row is divided by its total, so the diagonal reads as
    per-class recall; the counts are still written in the cells.
    """
    counts = torch.as_tensor(confusion).cpu().numpy()
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1] or counts.shape[0] != len(labels):
        raise ValueError(f"confusion must be ({len(labels)}, {len(labels)}) for {len(labels)} labels, got shape {counts.shape}")
    shown = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1) if normalize else counts
    own = ax is None
    if own:
        size = 2.5 + 0.42 * len(labels)
        fig, ax = plt.subplots(figsize=(size, size))
    else:
        fig = ax.figure
    ax.imshow(shown, cmap="Blues", vmin=0, vmax=1 if normalize else max(counts.max(), 1))
    ticks = np.arange(len(labels))
    ax.set_xticks(ticks, labels, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(ticks, labels, fontsize=8)
    ax.set(xlabel="predicted", ylabel="true", title=title or "confusion matrix")
    for i in range(len(labels)):
        for j in range(len(labels)):
            if counts[i, j]:
                ax.text(j, i, int(counts[i, j]), ha="center", va="center", fontsize=7,
                        color="white" if shown[i, j] > 0.5 * shown.max() else "black")
    if own:
        fig.tight_layout()
        plt.close(fig)
    return fig


def misclassified_gallery(waveforms, labels, predictions, class_names: list[str], sample_rate: int,
                          max_items: int = 4, probabilities=None, show: bool = True,
                          indices: list[int] | None = None) -> list[int]:
    """Show the log-mel spectrogram of up to `max_items` misclassified clips, each with a player.

    `waveforms (N, S)`, `labels (N,)`, `predictions (N,)`; `probabilities (N, C)` adds the
    model's confidence to each title. `indices` shows those clips instead of the
    misclassified ones (e.g. the least confident). Returns the indices of the clips shown
    (all of the candidates when `show=False`, which displays nothing).
    """
    from course_utils.features import log_mel_spectrogram

    labels, predictions = torch.as_tensor(labels).cpu(), torch.as_tensor(predictions).cpu()
    wrong = torch.nonzero(labels != predictions).flatten().tolist() if indices is None else list(indices)
    if not show:
        return wrong
    from IPython.display import Audio, display

    if not wrong:
        print("no misclassified clips: nothing to show")
        return []
    picked = wrong[:max_items]
    fig, axes = plt.subplots(1, len(picked), figsize=(2.6 * len(picked), 2.6), squeeze=False)
    for ax, i in zip(axes[0], picked):
        wave = torch.as_tensor(waveforms[i]).float().cpu()
        spec = log_mel_spectrogram(wave, sample_rate=sample_rate)  # (n_mels, frames)
        ax.imshow(spec.numpy(), origin="lower", aspect="auto", cmap="magma")
        conf = f" ({float(probabilities[i, predictions[i]]):.2f})" if probabilities is not None else ""
        ax.set_title(f"#{i}: {class_names[labels[i]]}\n-> {class_names[predictions[i]]}{conf}", fontsize=8)
        ax.set(xlabel="frame", ylabel="mel bin" if ax is axes[0][0] else None)
    fig.tight_layout()
    plt.close(fig)
    display(fig)
    for i in picked:
        print(f"#{i}: true {class_names[labels[i]]}, predicted {class_names[predictions[i]]}")
        display(Audio(torch.as_tensor(waveforms[i]).float().cpu().numpy(), rate=sample_rate))
    return picked
