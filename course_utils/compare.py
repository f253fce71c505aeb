"""Which model when? Measure the course's three classifiers side by side, over seeds.

The seed ends with a table of which model to use for which job, written from
experience. This module measures the questions behind each row on the same
data, the same split and the same training recipe, and repeats every training
run over several seeds, because one run is one draw: a difference between two
models is a finding only when it is larger than the seed-to-seed spread
(|z| > 2, `course_utils.seeds`). Each step is its own function, so a notebook
can show them one at a time:

    accuracy       `over_seeds`: each model trained once per seed (validation picks the best epoch),
                   scored on test, the time-averaged log-mel linear baseline beside it
    small data     `over_seeds(per_class=k)`: the same on k clips per class, drawn at random per seed
                   (`few_per_class`)
    robustness     `noise_drops`: accuracy lost to pink noise at each SNR, from each model's own clean
                   accuracy (a model that starts lower has less to lose, so raw noisy accuracies mislead)
    cost           parameters, training seconds, `cpu_latency` per second of audio
    scaling        `scaling`: latency and peak memory of one forward pass versus clip length
                   (deterministic costs: no seeds needed)

`compare` runs them all and returns a `Comparison`; `verdicts` reads it against
the seed's table, calling a difference only where it clears the spread.

Time and memory are measured with `course_utils.measure` (`median_ms`,
`peak_memory_mib`), the instruments notebook 04 and the benchmarks use too.

The three classifiers are the course's own, small enough for a CPU:

    cnn       SpectrogramCNN: log-mel "image" -> conv blocks -> linear      (notebook 03)
    ast       ASTClassifier: Kaldi fbank -> 16x16 patches -> transformer   (notebook 04)
    wav2vec2  Wav2Vec2Classifier: raw waveform -> conv encoder ->
              transformer -> masked mean pool -> head                       (notebook 05)

All three are trained from scratch here: the course runs offline, so the
pretrained checkpoints (AudioSet AST, wav2vec2-base, XLSR) that the seed's
advice leans on are out of reach. `verdicts` says where that matters.

    >>> data = load_clip_data(dataset=course_utils.data.load_data("instruments"))
    >>> result = compare(data, seeds=(0, 1, 2), snrs=(10.0, 0.0), shots=(5,))
    >>> print(result.markdown())
    >>> for v in verdicts(result): print(v["task"], "->", v["verdict"])
"""

from __future__ import annotations

import copy
import statistics
import time
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from course_utils.augment import add_noise, reseed
from course_utils.baseline import baseline_accuracy
from course_utils.env import get_device
from course_utils.measure import median_ms, peak_memory_mib
from course_utils.models import count_parameters
from course_utils.models.base import check_labels, check_positive_int
from course_utils.seeds import show, z_against, z_score
from course_utils.train import evaluate, fit

__all__ = ["MODELS", "OPTIMIZER_SETTINGS", "EPOCHS", "AST_OVERRIDES", "SEED_TABLE", "NOISE_COLOR", "NOISE_SEED",
           "VERDICTS", "Z", "ClipData", "Comparison", "SeedRuns", "build_classifier", "load_clip_data",
           "few_per_class", "noise_accuracy", "noise_drops", "cpu_latency",
           "pairwise", "scaling", "compare", "over_seeds", "verdicts", "verdict_markdown"]

MODELS = ("cnn", "ast", "wav2vec2")
# AdamW settings per model: the ones each model's own notebook trains it with (03: CNN, 04: AST, 05: Wav2Vec2),
# chosen there on the validation split; never tuned here, and never on the test split.
OPTIMIZER_SETTINGS = {"cnn": dict(lr=3e-3, weight_decay=0.0),
                      "ast": dict(lr=2e-3, weight_decay=0.05),
                      "wav2vec2": dict(lr=3e-3, weight_decay=0.0)}
# Epochs for a training run with validation (`over_seeds`): the best epoch's weights are kept, so more epochs
# cost time, not accuracy. Enough for the real sets' few hundred clips to reach their best validation score.
EPOCHS = {"cnn": 20, "ast": 20, "wav2vec2": 20}
# The tiny AST as notebook 04 trains it: 64 mel bins and 2 layers (instead of 128 and 4) make
# 5 x 9 patches and a model small enough to learn 1-s clips from hundreds of examples, not thousands.
AST_OVERRIDES = dict(num_mel_bins=64, num_hidden_layers=2)
# The noise protocol, the same as notebook 07's: pink noise (power ~ 1/f, like rain or traffic rumble, harder on
# low frequencies than white noise), the SNR measured over the whole clip, one noise draw per SNR shared by every
# model and seed, so that the seeds vary the models only.
NOISE_COLOR = "pink"
NOISE_SEED = 2
# The course's bar for a finding: a gap larger than twice the combined seed-to-seed spread (`course_utils.seeds`).
Z = 2.0
# What `verdicts` can say about a row of the seed's table. "not settled": the measured gap is within the spread.
VERDICTS = ("borne out", "not borne out", "depends", "not settled")

# ----------------------------------------------------------------------------
# The models and the data


def build_classifier(name: str, labels: list[str], *, sample_rate: int = 16000, num_samples: int = 16000,
                     seed: int = 0) -> nn.Module:
    """A fresh, randomly initialised course classifier `name` ("cnn", "ast" or "wav2vec2").

    `num_samples` is the clip length it is built for (AST's position embeddings
    and input length depend on it; the other two accept any length). The AST is
    notebook 04's (`AST_OVERRIDES` of `tiny_ast_config`). The Wav2Vec2 normalises
    each clip to zero mean and unit variance (`do_normalize=True`, what the
    pretrained checkpoints' feature extractors do): without it, quiet real
    recordings leave the tiny model at chance (notebook 05, section 3).

    Clips shorter than a second (a folder of clicks or taps) are tried once
    through the new model: too short for it (the CNN needs 8 frames, the AST
    one fbank frame, Wav2Vec2 one receptive field) is an error here that says
    how to pad them, not one at the first training batch.
    """
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; choose from {MODELS}")
    check_labels(labels)
    check_positive_int(num_samples, "num_samples")
    check_positive_int(sample_rate, "sample_rate")
    if num_samples >= sample_rate:  # every model reads one second
        return _new_classifier(name, labels, sample_rate, num_samples, seed)
    try:
        model = _new_classifier(name, labels, sample_rate, num_samples, seed)
        with torch.no_grad():
            model.eval()(torch.zeros(1, num_samples))  # (1, S) of silence: eval mode changes no weight or statistic
    except ValueError as exc:
        raise ValueError(f"clips of {num_samples} samples ({num_samples / sample_rate:.3g} s at {sample_rate} Hz) are "
                         f"too short for the {name} model ({exc}). Pad every clip with silence to 1 s: "
                         f"load_clip_data(dataset=..., num_samples={sample_rate})") from None
    return model.train()


def _new_classifier(name: str, labels: list[str], sample_rate: int, num_samples: int, seed: int) -> nn.Module:
    torch.manual_seed(seed)
    if name == "cnn":
        from course_utils.models.cnn import SpectrogramCNN

        return SpectrogramCNN(labels, sample_rate=sample_rate, num_samples=num_samples)
    if name == "ast":
        from course_utils.models.ast import ASTClassifier

        return ASTClassifier(labels, config=dict(AST_OVERRIDES), sample_rate=sample_rate, num_samples=num_samples)
    from course_utils.models.wav2vec2 import Wav2Vec2Classifier, tiny_wav2vec2_config

    return Wav2Vec2Classifier(labels, tiny_wav2vec2_config(), sample_rate=sample_rate, num_samples=num_samples,
                              do_normalize=True)


@dataclass
class ClipData:
    """A dataset as tensors: each part is `(waveforms (N, S), lengths (N,), targets (N,))`, one S for all three.

    `labels` are the class names, in target order.
    """

    train: tuple
    validation: tuple
    test: tuple
    labels: list[str]
    sample_rate: int


def load_clip_data(n_per_class: int = 150, seed: int = 0, sample_rate: int = 16000, classes: list[str] | None = None,
                   dataset=None, num_samples: int | None = None) -> ClipData:
    """The clip set (`course_utils.data.make_clip_dataset`, split 70/15/15) as tensors.

    Pass `dataset` (a DatasetDict with train/validation/test, e.g. from
    `course_utils.data.load_audiofolder` on your own folder) to use other data;
    `n_per_class`, `seed`, `sample_rate` and `classes` then do not apply.
    Clips keep their length: every part is zero-padded to the longest clip of
    the three splits (so a model built for the training clips fits the test
    clips too). Pass `num_samples` for a fixed length instead; clips longer
    than that are cut. A dataset of one class, or with a class that has no
    training clip, is refused: no classifier can learn it.
    """
    from course_utils.data import clip_tensors, make_clip_dataset

    ds = dataset if dataset is not None else make_clip_dataset(n_per_class=n_per_class, seed=seed,
                                                               sample_rate=sample_rate, classes=classes)
    missing = [s for s in ("train", "validation", "test") if s not in ds]
    if missing:
        raise ValueError(f"the dataset needs train, validation and test splits; missing {missing}")
    labels = list(ds["train"].features["label"].names)
    if len(labels) < 2:
        raise ValueError(f"the dataset has one class, {labels}: a classifier needs at least two to tell apart; add a "
                         "folder of another class (e.g. 'other': everything that is not it)")
    parts = {split: clip_tensors(ds[split], num_samples) for split in ("train", "validation", "test")}
    unseen = [labels[c] for c, n in enumerate(torch.bincount(parts["train"][2], minlength=len(labels))) if n == 0]
    if unseen:
        raise ValueError(f"class(es) {unseen} have no clip in the train split, so no model can learn them; add "
                         "their clips to train, or remove them from the dataset")
    longest = max(waves.shape[1] for waves, _, _ in parts.values())
    parts = {split: (F.pad(waves, (0, longest - waves.shape[1])), lengths, targets)  # zeros at the end: (N, longest)
             for split, (waves, lengths, targets) in parts.items()}
    rate = ds["train"][0]["audio"]["sampling_rate"]
    return ClipData(train=parts["train"], validation=parts["validation"], test=parts["test"],
                    labels=labels, sample_rate=int(rate))


# ----------------------------------------------------------------------------
# Training and scoring


def few_per_class(part: tuple, k: int, seed: int = 0, class_names: list[str] | None = None) -> tuple:
    """`k` examples of every class, drawn at random with `seed`: a small training set, one draw per seed.

    `part` ends with the targets, e.g. `(waveforms, lengths, targets)`; the rows
    kept stay in the split's order. Why not the first `k`? A real set is stored
    in an order: `instruments` keeps the 6 notes of one instrument together, so
    the first 5 clips of a class would all be one instrument, and "5 clips per
    class" would quietly mean "1 instrument per family". A random draw spreads
    them, and drawing anew per seed puts the luck of the draw into the spread
    over seeds, where it belongs. Nested: for one seed, the clips drawn for
    k = 5 are among those for k = 10. (`course_utils.data.per_class_subset`
    with `seed=`.)
    """
    from course_utils.data import per_class_subset

    return per_class_subset(part, k, class_names, seed=seed)


def noise_accuracy(model: nn.Module, test: tuple, snr_db: float | None, *, seed: int = NOISE_SEED,
                   color: str = NOISE_COLOR, device=None) -> float:
    """Test accuracy with noise added at `snr_db` dB to every clip (None: clean).

    The noise (`color`: pink by default, the protocol of notebook 07) is drawn
    from a generator seeded with `seed`, so every model hears exactly the same
    noisy clips.
    """
    waves, lengths, targets = test
    if snr_db is not None:
        waves = add_noise(waves, snr_db, color, generator=torch.Generator().manual_seed(seed))
    return evaluate(model, (waves, lengths, targets), device=device)["accuracy"]


def noise_drops(models: dict, test: tuple, snrs=(10.0, 0.0), *, color: str = NOISE_COLOR, seed: int = NOISE_SEED,
                device=None) -> list[dict]:
    """How much accuracy each trained model loses to noise: its clean test accuracy minus its noisy one.

    `models`: {(name, seed): model}, as `over_seeds(..., keep_models=True)` keeps
    them in `.models`. Every model hears the same noisy test clips (one draw per
    SNR, `noise_accuracy`). Rows: {model, seed, snr_db, clean_accuracy, accuracy, drop}.

    Why the drop and not the noisy accuracy? The models do not start equal: a
    model at 0.4 that falls to 0.2 has lost more than one at 0.15 that falls to
    0.12, although the second ends lower. Comparing the drop, seed by seed,
    measures what noise does to each model. A model near chance has almost
    nothing to lose, so its small drop says nothing about robustness:
    `verdicts` only ranks models that beat chance beyond the spread.
    """
    if not models:
        raise ValueError("models is empty: pass over_seeds(..., keep_models=True).models")
    snrs = [float(s) for s in snrs]
    if not snrs:
        raise ValueError("snrs must hold at least one SNR in dB, e.g. (10.0, 0.0)")
    rows = []
    for (name, model_seed), model in models.items():
        clean = noise_accuracy(model, test, None, device=device)
        for snr in snrs:
            noisy = noise_accuracy(model, test, snr, seed=seed, color=color, device=device)
            rows.append({"model": name, "seed": model_seed, "snr_db": snr, "clean_accuracy": clean,
                         "accuracy": noisy, "drop": clean - noisy})
    return rows


def cpu_latency(model: nn.Module, num_samples: int, sample_rate: int, *, repeats: int = 5) -> float:
    """Milliseconds of CPU time per second of audio for one clip of `num_samples` (median of `repeats`).

    Measured on a copy of the model on the CPU, whatever device it trained on:
    the CPU is where a small model is usually deployed, and the number compares
    across machines better than a GPU's.
    """
    cpu_model = copy.deepcopy(model).to("cpu").eval()
    x = torch.randn(1, num_samples, generator=torch.Generator().manual_seed(0)) * 0.1  # (1, S)
    with torch.no_grad():
        return median_ms(lambda: cpu_model(x), repeats, "cpu") / (num_samples / sample_rate)


def pairwise(values: dict[str, list[float]], z: float = Z) -> list[dict]:
    """Every pair of models compared over seeds: {a, b, gap (mean a - mean b), z, differs (|z| > `z`)}."""
    names = list(values)
    rows = []
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            score = z_score(values[a], values[b])
            rows.append({"a": a, "b": b, "gap": statistics.mean(values[a]) - statistics.mean(values[b]),
                         "z": score, "differs": abs(score) > z})
    return rows


# ----------------------------------------------------------------------------
# Latency and memory versus clip length


def scaling(names=MODELS, clip_seconds=(1, 2, 4, 8), *, labels: list[str], sample_rate: int = 16000,
            repeats: int = 5, device=None) -> list[dict]:
    """Latency per second of audio and peak memory of one forward pass on one clip, per model and clip length.

    Each model is built for each length (weights do not change the cost) and
    measured with `course_utils.measure` (`median_ms`, `peak_memory_mib`: the
    memory a forward pass needs on top of the weights and the input). Rows:
    {model, clip_seconds, latency_ms, latency_ms_per_audio_s, memory_mb (MiB), memory_mb_per_audio_s, device}.
    """
    device = torch.device(device) if device is not None else get_device()
    rows = []
    for name in names:
        for seconds in clip_seconds:
            n = int(round(seconds * sample_rate))
            model = build_classifier(name, labels, sample_rate=sample_rate, num_samples=n).to(device).eval()
            x = (torch.randn(1, n, generator=torch.Generator().manual_seed(0)) * 0.1).to(device)  # (1, n)
            with torch.no_grad():
                latency = median_ms(lambda: model(x), repeats, device)
                memory = peak_memory_mib(lambda: model(x), device)
            rows.append({"model": name, "clip_seconds": float(seconds), "latency_ms": latency,
                         "latency_ms_per_audio_s": latency / seconds, "memory_mb": memory,
                         "memory_mb_per_audio_s": memory / seconds, "device": device.type})
    return rows


# ----------------------------------------------------------------------------
# Over seeds: the same training, several seeds, the baseline beside it


@dataclass
class SeedRuns:
    """Test accuracies of each model over seeds, and the average-spectrum baseline on the same split.

    `rows`: one dict per (model, seed): {model, seed, test_accuracy, best_epoch, train_seconds, parameters,
    train_examples}.
    `baseline`: the linear probe on the time-averaged log-mel (no seed: it is convex).
    `baselines`: when each seed trained on its own draw of the training set (`over_seeds(per_class=k)`), the
    baseline fitted on each draw, in seed order (`baseline` is then their mean); empty otherwise.
    """

    rows: list[dict]
    baseline: float
    labels: list[str]
    settings: dict = field(default_factory=dict)
    models: dict = field(default_factory=dict, repr=False)  # (name, seed) -> trained model, when kept
    baselines: list[float] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        """The models run, in the order they ran."""
        return list(dict.fromkeys(r["model"] for r in self.rows))

    def accuracies(self, name: str) -> list[float]:
        """The test accuracies of `name`, one per seed, in seed order."""
        values = [r["test_accuracy"] for r in self.rows if r["model"] == name]
        if not values:
            raise KeyError(f"no runs of {name!r}; models here: {sorted({r['model'] for r in self.rows})}")
        return values

    def z_vs_baseline(self, name: str) -> float:
        """`name` against the baseline in units of the spread: against its per-draw values when it has them."""
        if len(self.baselines) >= 2:
            return z_score(self.accuracies(name), self.baselines)
        return z_against(self.accuracies(name), self.baseline)

    def z_vs_chance(self, name: str) -> float:
        """How far above chance (1 / classes) `name` is, in units of its spread over seeds."""
        return z_against(self.accuracies(name), 1 / len(self.labels))

    def markdown(self) -> str:
        """One row per model: mean ± std over seeds, z against the baseline, training time; the baseline last."""
        n = len(self.settings.get("seeds", ()))
        lines = [f"| model | test accuracy (mean ± std, {n} seeds) | z vs baseline | train s per seed |",
                 "|---|---|---|---|"]
        for name in self.names:
            acc = self.accuracies(name)
            seconds = sum(r["train_seconds"] for r in self.rows if r["model"] == name) / len(acc)
            lines.append(f"| {name} | {show(acc)} | {self.z_vs_baseline(name):+.1f} | {seconds:.1f} |")
        if len(self.baselines) >= 2:
            lines.append(f"| time-averaged log-mel + linear (baseline) | {show(self.baselines)} (one per draw) | | |")
        else:
            lines.append(f"| time-averaged log-mel + linear (baseline) | {self.baseline:.3f} (no seed) | | |")
        lines.append(f"| chance | {1 / len(self.labels):.3f} | | |")
        return "\n".join(lines)


def over_seeds(data: ClipData, names=MODELS, seeds=(0, 1, 2), *, epochs: int | dict | None = None,
               batch_size: int = 32, augment=None, settings: dict | None = None, keep_models: bool = False,
               per_class: int | None = None, device=None, log=print) -> SeedRuns:
    """Train each of `names` once per seed (validation picks the best epoch), score on test; baseline beside.

    The seed draws the initial weights, the batch order and any augmentation,
    so the spread over seeds is what a learner who reruns the notebook sees;
    a difference smaller than it is not a finding (`course_utils.seeds`).
    `epochs`: one number for all models, a {name: epochs} dict, or None (`EPOCHS`).
    `settings`: {name: {lr=, weight_decay=}} overriding `OPTIMIZER_SETTINGS`.
    `augment` is passed to `fit` (training batches only). `keep_models=True`
    keeps every trained model in `.models[(name, seed)]`.
    `per_class`: train on only that many clips of each class, drawn anew for
    each seed (`few_per_class`); the baseline is then fitted on each draw too
    (`.baselines`), so models and baseline see the same clips. Validation and
    test stay whole.
    """
    unknown = [n for n in names if n not in MODELS]
    if unknown or not names:
        raise ValueError(f"names must be models from {MODELS}, got {list(names)}")
    seeds = list(seeds)
    if not seeds or any(isinstance(s, bool) or not isinstance(s, int) for s in seeds):
        raise ValueError(f"seeds must be a non-empty list of ints, got {seeds!r}")
    device = torch.device(device) if device is not None else get_device()
    log = log or (lambda *a, **k: None)
    if per_class is None:
        trains = {seed: data.train for seed in seeds}
        baselines = []
        baseline = baseline_accuracy(data.train, data.test, data.sample_rate, len(data.labels))
    else:
        trains = {seed: few_per_class(data.train, per_class, seed, data.labels) for seed in seeds}
        baselines = [baseline_accuracy(trains[seed], data.test, data.sample_rate, len(data.labels)) for seed in seeds]
        baseline = statistics.mean(baselines)
    rows, models = [], {}
    for name in names:
        n_epochs = epochs.get(name, EPOCHS[name]) if isinstance(epochs, dict) else (epochs or EPOCHS[name])
        optim = {**OPTIMIZER_SETTINGS[name], **((settings or {}).get(name, {}))}
        for seed in seeds:
            train = trains[seed]
            model = build_classifier(name, data.labels, sample_rate=data.sample_rate,
                                     num_samples=train[0].shape[1], seed=seed)
            reseed([augment], seed)  # this seed's augmentation draws, whatever ran before it
            start = time.perf_counter()
            history = fit(model, train, data.validation, epochs=n_epochs, batch_size=batch_size,
                          augment=augment, seed=seed, device=device, progress=False, **optim)
            seconds = time.perf_counter() - start
            accuracy = evaluate(model, data.test, device=device)["accuracy"]
            rows.append({"model": name, "seed": seed, "test_accuracy": accuracy,
                         "best_epoch": history.best_epoch, "train_seconds": seconds,
                         "parameters": count_parameters(model), "train_examples": int(train[0].shape[0])})
            if keep_models:
                models[(name, seed)] = model
            log(f"{name:>8} seed {seed}: test accuracy {accuracy:.3f} (best epoch {history.best_epoch} "
                f"of {n_epochs}, {seconds:.0f} s)")
    return SeedRuns(rows=rows, baseline=baseline, labels=list(data.labels), models=models, baselines=baselines,
                    settings={"seeds": seeds, "epochs": epochs, "batch_size": batch_size, "per_class": per_class,
                              "augment": getattr(augment, "__name__", repr(augment)) if augment else None,
                              "device": device.type})


# ----------------------------------------------------------------------------
# The whole comparison: accuracy, small data, noise, cost and scaling, together


@dataclass
class Comparison:
    """Everything `compare` measured, each part from its own step (see the module docstring).

    `runs`: accuracy over seeds on the whole training split (the models kept);
    `noise`: `noise_drops` rows; `latency`: {model: CPU ms per audio second};
    `curve`: {k: SeedRuns on k clips per class}; `scaling`: `scaling` rows.
    """

    runs: SeedRuns
    noise: list[dict] = field(default_factory=list)
    latency: dict = field(default_factory=dict)
    curve: dict = field(default_factory=dict)
    scaling: list[dict] = field(default_factory=list)
    settings: dict = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return self.runs.names

    @property
    def labels(self) -> list[str]:
        return self.runs.labels

    @property
    def chance(self) -> float:
        return 1 / len(self.labels)

    @property
    def models(self) -> dict:
        """{(name, seed): trained model}."""
        return self.runs.models

    @property
    def snrs(self) -> list[float]:
        """The SNRs measured, loudest noise last."""
        return sorted({r["snr_db"] for r in self.noise}, reverse=True)

    def accuracies(self, name: str) -> list[float]:
        return self.runs.accuracies(name)

    def learned(self, name: str, z: float = Z) -> bool:
        """Did `name` beat chance by more than `z` of its own spread over seeds?"""
        return self.runs.z_vs_chance(name) > z

    def drops(self, name: str, snr_db: float) -> list[float]:
        """Accuracy `name` lost at `snr_db` from its own clean accuracy, one number per seed, in seed order."""
        values = [r["drop"] for r in self.noise if r["model"] == name and r["snr_db"] == float(snr_db)]
        if not values:
            raise KeyError(f"no noise measurement of {name!r} at {snr_db!r} dB; SNRs here: {self.snrs}")
        return values

    def row(self, name: str) -> dict:
        """One model's summary: means over seeds (for plots and `record_result`)."""
        rows = [r for r in self.runs.rows if r["model"] == name]
        if not rows:
            raise KeyError(f"no runs of {name!r}; models here: {self.names}")
        acc = self.accuracies(name)
        return {"model": name, "parameters": rows[0]["parameters"], "test_accuracy": statistics.mean(acc),
                "test_accuracy_std": statistics.stdev(acc) if len(acc) > 1 else 0.0,
                "train_seconds": statistics.mean(r["train_seconds"] for r in rows),
                "latency_ms_per_audio_s": self.latency.get(name),
                "drop": {s: statistics.mean(self.drops(name, s)) for s in self.snrs}}

    @property
    def table(self) -> list[dict]:
        return [self.row(name) for name in self.names]

    def markdown(self) -> str:
        """The main table: accuracy over seeds, z against the baseline, cost, and the drop under noise."""
        n = len(self.runs.settings.get("seeds", ()))
        head = ["model", "params", f"test accuracy ({n} seeds)", "z vs baseline", "train s per seed",
                "ms per audio s (CPU)"] + [f"drop @ {s:g} dB" for s in self.snrs]
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for name in self.names:
            r = self.row(name)
            latency = f"{r['latency_ms_per_audio_s']:.1f}" if r["latency_ms_per_audio_s"] is not None else ""
            cells = [name, f"{r['parameters']:,}", show(self.accuracies(name)), f"{self.runs.z_vs_baseline(name):+.1f}",
                     f"{r['train_seconds']:.1f}", latency] + [show(self.drops(name, s)) for s in self.snrs]
            lines.append("| " + " | ".join(cells) + " |")
        blank = [""] * (len(head) - 3)
        lines.append("| " + " | ".join(["time-averaged log-mel + linear (baseline)", "",
                                        f"{self.runs.baseline:.3f} (no seed)"] + blank) + " |")
        lines.append("| " + " | ".join(["chance", "", f"{self.chance:.3f}"] + blank) + " |")
        return "\n".join(lines)

    def noise_markdown(self) -> str:
        """Each pair of models: the gap between their drops at each SNR, and its z (|z| > 2: a finding)."""
        head = ["models (a - b)"] + [f"drop gap @ {s:g} dB (z)" for s in self.snrs]
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        per_snr = [pairwise({n: self.drops(n, s) for n in self.names}) for s in self.snrs]
        for i, pair in enumerate(per_snr[0] if per_snr else []):
            cells = [f"{pair['a']} - {pair['b']}"]
            for rows in per_snr:
                p = rows[i]
                cells.append(f"{p['gap']:+.3f} (z = {p['z']:+.1f}{', clears the spread' if p['differs'] else ''})")
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines)

    def curve_markdown(self) -> str:
        """Accuracy at each k clips per class and on the whole split, over seeds; the baseline on the same clips."""
        ks = sorted(self.curve)
        head = ["model"] + [f"{k} per class" for k in ks] + [f"all ({self.runs.rows[0]['train_examples']} clips)"]
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for name in self.names:
            lines.append("| " + " | ".join([name] + [show(self.curve[k].accuracies(name)) for k in ks]
                                          + [show(self.accuracies(name))]) + " |")
        base = [show(self.curve[k].baselines) if len(self.curve[k].baselines) >= 2 else f"{self.curve[k].baseline:.3f}"
                for k in ks]
        lines.append("| " + " | ".join(["baseline (same clips)"] + base + [f"{self.runs.baseline:.3f}"]) + " |")
        lines.append("| " + " | ".join(["chance"] + [f"{self.chance:.3f}"] * (len(ks) + 1)) + " |")
        return "\n".join(lines)


def compare(data: ClipData, names=MODELS, seeds=(0, 1, 2), *, epochs: int | dict | None = None,
            snrs=(10.0, 0.0), shots=(5,), clip_seconds=(1, 2, 4, 8), repeats: int = 5, batch_size: int = 32,
            device=None, log=print) -> Comparison:
    """Every step in one call: `over_seeds`, `noise_drops`, `cpu_latency`, the small-data runs, `scaling`.

    `shots`: clips per class for the small-data runs (`()`: none); `clip_seconds`:
    lengths for `scaling` (`()`: none). CPU latency is measured on the seed-0
    model (weights do not change the cost) with one clip of the data's length.
    `log` reports progress (pass `None` for silence).
    """
    unknown = [n for n in names if n not in MODELS]
    if unknown or not names:
        raise ValueError(f"names must be models from {MODELS}, got {list(names)}")
    shots = sorted(set(shots))
    if any(isinstance(k, bool) or not isinstance(k, int) or k < 1 for k in shots):
        raise ValueError(f"shots must be positive numbers of clips per class, got {shots}")
    if shots:
        counts = torch.bincount(data.train[-1], minlength=len(data.labels))
        fewest = int(counts.min())
        if shots[-1] > fewest:
            name = data.labels[int(counts.argmin())]
            raise ValueError(f"shots asks for {shots[-1]} clips per class, but class {name!r} has only {fewest} "
                             f"training clips, fewer than k={shots[-1]}; lower shots")
    device = torch.device(device) if device is not None else get_device()
    runs = over_seeds(data, names, seeds, epochs=epochs, batch_size=batch_size, keep_models=True, device=device,
                      log=log)
    noise = noise_drops(runs.models, data.test, snrs, device=device)
    first = list(seeds)[0]
    latency = {name: cpu_latency(runs.models[(name, first)], data.test[0].shape[1], data.sample_rate,
                                 repeats=repeats) for name in names}
    curve = {k: over_seeds(data, names, seeds, epochs=epochs, batch_size=batch_size, per_class=k, device=device,
                           log=log) for k in shots}
    scale = scaling(names, clip_seconds, labels=data.labels, sample_rate=data.sample_rate, repeats=repeats,
                    device=device) if clip_seconds else []
    return Comparison(runs=runs, noise=noise, latency=latency, curve=curve, scaling=scale,
                      settings={"seeds": list(seeds), "snrs": [float(s) for s in snrs], "shots": shots,
                                "clip_seconds": list(clip_seconds), "sample_rate": data.sample_rate,
                                "noise": f"{NOISE_COLOR}, one draw (seed {NOISE_SEED}) per SNR",
                                "device": device.type})


# ----------------------------------------------------------------------------
# The seed's table, row by row, against the measurements

SEED_TABLE = [
    {"task": "one label for the whole clip", "seed_recommends": "Wav2Vec2ForSequenceClassification / AST / CNN",
     "seed_reason": "they aggregate the whole signal's features and classify"},
    {"task": "labels along the time axis", "seed_recommends": "Wav2Vec2ForAudioFrameClassification",
     "seed_reason": "it gives frame-level outputs"},
    {"task": "very long audio (seconds to minutes)", "seed_recommends": "Wav2Vec2-based",
     "seed_reason": "strong raw-waveform encoding"},
    {"task": "small dataset", "seed_recommends": "spectrogram + CNN/ViT",
     "seed_reason": "generally more stable"},
    {"task": "multilingual or noisy audio", "seed_recommends": "Wav2Vec2 XLSR",
     "seed_reason": "large multilingual pretraining"},
]


def _scale_at(result: Comparison, name: str, seconds: float, key: str) -> float:
    return next(r[key] for r in result.scaling if r["model"] == name and r["clip_seconds"] == float(seconds))


def _all(n: int) -> str:
    return {2: "both", 3: "all three"}.get(n, f"all {n}")


def _gaps(pairs: list[dict]) -> str:
    """The pairs that clear the spread, as 'a > b (z = +3.1)'."""
    out = []
    for p in pairs:
        if p["differs"]:
            hi, lo = (p["a"], p["b"]) if p["z"] > 0 else (p["b"], p["a"])
            out.append(f"{hi} > {lo} (z = {abs(p['z']):.1f})")
    return ", ".join(out)


def verdicts(result: Comparison, frame_hop_seconds: float | None = None, window_hop_seconds: float = 0.5,
             z: float = Z) -> list[dict]:
    """The seed's rows with what was measured and a verdict (one of `VERDICTS`).

    Every verdict is computed from `result` by the rule written next to it.
    Accuracy rules read the seeds: a model "learned" the task when it beats
    chance by more than `z` of its spread; two models differ when their gap
    clears `z` combined spreads (`course_utils.seeds.z_score`); a gap within
    the spread is "not settled", never a ranking. Cost rules (time-aligned
    labels, long audio) read deterministic measurements and need no seeds.
    Rows whose measurement or model is missing from `result` are skipped.
    `frame_hop_seconds`: a Wav2Vec2 frame head's label spacing (default: the
    course model's encoder stride / sample rate, 20 ms); `window_hop_seconds`:
    the hop a clip model would slide at.
    """
    if frame_hop_seconds is None:
        from course_utils.models.wav2vec2 import encoder_stride, tiny_wav2vec2_config

        frame_hop_seconds = encoder_stride(tiny_wav2vec2_config()) / result.settings.get("sample_rate", 16000)
    names = result.names
    out = []

    def add(i, measured, verdict, why):
        assert verdict in VERDICTS, verdict
        out.append({**SEED_TABLE[i], "measured": measured, "verdict": verdict, "why": why})

    # 1. Clip label: does every model learn the task (above chance beyond its spread)? Do any two differ?
    acc = {n: result.accuracies(n) for n in names}
    learned = {n: result.learned(n, z) for n in names}
    pairs = pairwise(acc, z)
    above_baseline = [n for n in names if result.runs.z_vs_baseline(n) > z]
    measured = (", ".join(f"{n} {show(a, 2)}" for n, a in acc.items())
                + f"; baseline {result.runs.baseline:.2f}, chance {result.chance:.2f}")
    beyond = (f"; above the linear baseline beyond the spread: {', '.join(above_baseline)}" if above_baseline
              else "; none beats the linear baseline beyond the spread")
    if not any(learned.values()):
        add(0, measured, "not borne out", "no model beat chance beyond its seed spread on this data and budget")
    elif all(learned.values()) and not any(p["differs"] for p in pairs):
        add(0, measured, "borne out", f"{_all(len(names))} learn clip labels beyond chance, and no two differ "
            f"beyond the seed spread" + beyond)
    else:
        failed = [n for n in names if not learned[n]]
        why = f"{_all(len(names))} are clip classifiers, but "
        why += (f"{' and '.join(failed)} did not beat chance beyond the spread" if failed else "all learn the task")
        gaps = _gaps(pairs)
        why += (f"; beyond the spread: {gaps}" if gaps else "; no two differ beyond the spread") + beyond
        add(0, measured, "depends", why)

    # 2. Time-aligned labels: a frame head gives a label every stride from one pass; a clip model needs one
    #    forward per hop to give a label per hop. Measured: the CNN's cost of sliding 1-s windows at the
    #    frame head's spacing versus one pass of the Wav2Vec2 encoder (the frame head adds one linear layer).
    if "cnn" in names and "wav2vec2" in names and result.scaling:
        cnn_window_ms = _scale_at(result, "cnn", 1, "latency_ms")  # one 1-s window
        sliding_ms = cnn_window_ms / frame_hop_seconds  # windows per audio second at that hop
        frame_ms = _scale_at(result, "wav2vec2", 1, "latency_ms_per_audio_s")
        measured = (f"labels every {1000 * frame_hop_seconds:.0f} ms: "
                    f"wav2vec2 frame pass {frame_ms:.1f} ms per audio s; "
                    f"CNN sliding 1-s windows at that hop {sliding_ms:.0f} ms per audio s "
                    f"(at a {window_hop_seconds:g}-s hop: {cnn_window_ms / window_hop_seconds:.1f})")
        if frame_ms < sliding_ms:
            add(1, measured, "borne out", f"one pass gives every frame; a clip model pays one forward per label, "
                f"x{sliding_ms / frame_ms:.0f} here, so it only suits coarse timing (`course_utils.inference`)")
        else:
            add(1, measured, "not borne out", "sliding a clip model at the frame spacing was cheaper here")

    # 3. Long audio: is Wav2Vec2 the cheapest per second of audio, at the longest length measured?
    if result.scaling and "wav2vec2" in names:
        longest = max(r["clip_seconds"] for r in result.scaling)
        shortest = min(r["clip_seconds"] for r in result.scaling)
        lat = {n: _scale_at(result, n, longest, "latency_ms_per_audio_s") for n in names}
        mem = {n: _scale_at(result, n, longest, "memory_mb") for n in names}
        growth = {n: lat[n] / _scale_at(result, n, shortest, "latency_ms_per_audio_s") for n in names}
        measured = "; ".join(f"{n} {lat[n]:.1f} ms/s, {mem[n]:.1f} MiB at {longest:g} s" for n in names)
        cheapest = min(lat, key=lat.get)
        if cheapest == "wav2vec2" and mem["wav2vec2"] <= min(mem.values()):
            add(2, measured, "borne out", "the raw-waveform model is the cheapest per second of long audio here, "
                "in time and memory (and any model can also run on hours with `course_utils.inference`)")
        elif cheapest == "wav2vec2":
            leanest = min(mem, key=mem.get)
            add(2, measured, "depends", f"wav2vec2 is the fastest per second of audio but {leanest} needs less "
                f"memory; with sliding windows or chunks (`course_utils.inference`) memory is bounded for any model")
        else:
            add(2, measured, "not borne out", f"{cheapest} is cheaper per second of audio at {longest:g} s "
                f"(ms per audio second, longest / shortest clip: wav2vec2 x{growth['wav2vec2']:.1f}, "
                f"{cheapest} x{growth[cheapest]:.1f}); long audio is a question of windowing, and any "
                f"model runs on hours in bounded memory with sliding windows or chunks (`course_utils.inference`)")

    # 4. Small data: at the fewest clips per class, do the spectrogram models beat the raw-waveform one
    #    beyond the spread?
    spectro = [n for n in ("cnn", "ast") if n in names]
    if result.curve and spectro and "wav2vec2" in names:
        k = min(result.curve)
        runs = result.curve[k]
        small = {n: runs.accuracies(n) for n in names}
        base = show(runs.baselines, 2) if len(runs.baselines) >= 2 else f"{runs.baseline:.2f}"
        measured = (", ".join(f"{n} {show(a, 2)}" for n, a in small.items())
                    + f" at {k} clips per class (baseline {base}, chance {result.chance:.2f})")
        zs = {n: z_score(small[n], small["wav2vec2"]) for n in spectro}
        shown = ", ".join(f"{n} - wav2vec2: z = {zs[n]:+.1f}" for n in spectro)
        if all(v > z for v in zs.values()):
            add(3, measured, "borne out", f"the spectrogram models learn more from few clips than the raw-waveform "
                f"model, beyond the spread ({shown})")
        elif any(v > z for v in zs.values()):
            good = [n for n in spectro if zs[n] > z]
            rest = [n for n in spectro if zs[n] <= z]
            add(3, measured, "depends", f"{good[0]} beats wav2vec2 beyond the spread, {rest[0]} "
                f"does not ({shown}): from scratch a transformer on spectrogram patches (the ViT route) is "
                f"data-hungry; its small-data strength comes from pretraining")
        elif any(v < -z for v in zs.values()):
            add(3, measured, "not borne out", f"the raw-waveform model learned more from few clips here ({shown})")
        else:
            add(3, measured, "not settled", f"with {k} clips per class the seeds spread too much to rank the "
                f"models ({shown})")

    # 5. Noisy audio: among the models that learned the task, which loses least of its own clean accuracy at
    #    the loudest noise? (A model at chance has nothing left to lose.) Multilingual: not testable offline.
    if result.noise and "wav2vec2" in names:
        snr = min(result.snrs)
        drops = {n: result.drops(n, snr) for n in names}
        measured = (", ".join(f"{n} {show(d, 2)}" for n, d in drops.items())
                    + f" accuracy lost at {snr:g} dB SNR ({NOISE_COLOR} noise), each from its own clean accuracy")
        pretrained = ("XLSR's robustness comes from pretraining on ~436k hours of speech in 128 languages, which "
                      "this offline course cannot test (nor the multilingual part)")
        ranked = [n for n in names if learned[n]]
        if "wav2vec2" not in ranked:
            add(4, measured, "not settled", f"wav2vec2 did not beat chance beyond the spread here, so it had little "
                f"to lose and its drop says nothing about robustness; {pretrained}")
        elif len(ranked) < 2:
            add(4, measured, "not settled", f"only wav2vec2 learned the task beyond the spread: nothing to compare "
                f"it with; {pretrained}")
        else:
            others = [n for n in ranked if n != "wav2vec2"]
            zs = {n: z_score(drops[n], drops["wav2vec2"]) for n in others}  # > 0: n loses more than wav2vec2
            shown = ", ".join(f"{n} - wav2vec2: z = {zs[n]:+.1f}" for n in others)
            more = [n for n in others if zs[n] > z]  # lose more than wav2vec2, beyond the spread
            less = [n for n in others if zs[n] < -z]  # lose less than wav2vec2, beyond the spread
            # a drop is bounded by what a model has above chance: name it wherever wav2vec2 "loses less"
            room = ("a model can only lose what it has above chance: "
                    + ", ".join(f"{n} {sum(acc[n]) / len(acc[n]) - result.chance:.2f}" for n in ranked))
            if less:
                verb = "loses" if len(less) == 1 else "lose"
                add(4, measured, "depends", f"noise: from scratch {' and '.join(less)} {verb} less than wav2vec2 "
                    f"beyond the spread ({shown}), so the robustness is not in the architecture; {pretrained}")
            elif more == others:
                add(4, measured, "depends", f"noise: the raw-waveform model loses less than the others beyond the "
                    f"spread even from scratch ({shown}; {room}); multilingual: untested (no XLSR weights offline)")
            elif more:
                rest = [n for n in others if n not in more]
                add(4, measured, "not settled", f"noise: wav2vec2 loses less than {' and '.join(more)} beyond the "
                    f"spread but not than {' and '.join(rest)} ({shown}; {room}), so no architecture is clearly "
                    f"the robust one from scratch; {pretrained}")
            else:
                add(4, measured, "not settled", f"noise: the drops are within the seed spread ({shown}), so no "
                    f"architecture is clearly the robust one from scratch; {pretrained}")
    return out


def verdict_markdown(rows: list[dict]) -> str:
    """The verdicts as a Markdown table: seed's row, what was measured, verdict and why."""
    lines = ["| task | seed recommends | measured | verdict | why |", "|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['task']} | {r['seed_recommends']} | {r['measured']} | **{r['verdict']}** | {r['why']} |")
    return "\n".join(lines)
