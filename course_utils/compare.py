"""Which model when? Measure the course's three classifiers side by side.

The seed ends with a table of which model to use for which job, written from
experience. This module measures the questions behind each row on the same
data, the same split and the same training budget:

    accuracy       test accuracy after training on k clips per class (k = 5 ... 100):
                   the whole curve, so "small data" is a measurement, not a feeling
    cost           parameters, training time, inference latency per second of audio
    scaling        latency and peak memory of one forward pass versus clip length
    robustness     test accuracy when white noise is added at a given SNR
                   (`course_utils.augment.add_noise`, the transform of notebook 07)

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

    >>> data = load_clip_data(n_per_class=40)
    >>> result = compare(data, shots=(5, 20), steps=120)
    >>> print(result.markdown())
    >>> for v in verdicts(result): print(v["task"], "->", v["verdict"])
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from course_utils.augment import add_noise
from course_utils.baseline import baseline_accuracy
from course_utils.data import per_class_subset
from course_utils.env import get_device
from course_utils.measure import median_ms, peak_memory_mib
from course_utils.models import count_parameters
from course_utils.seeds import show, z_against
from course_utils.train import evaluate, fit

__all__ = ["MODELS", "OPTIMIZER_SETTINGS", "EPOCHS", "AST_OVERRIDES", "SEED_TABLE", "ClipData", "Trained",
           "Comparison", "SeedRuns", "build_classifier", "load_clip_data", "epochs_for", "train_classifier",
           "noise_accuracy", "scaling", "compare", "over_seeds", "verdicts", "verdict_markdown"]

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
# 6 x 9 patches and a model small enough to learn 1-s clips from hundreds of examples, not thousands.
AST_OVERRIDES = dict(num_mel_bins=64, num_hidden_layers=2)

# ----------------------------------------------------------------------------
# The models and the data


def build_classifier(name: str, labels: list[str], *, sample_rate: int = 16000, num_samples: int = 16000,
                     seed: int = 0) -> nn.Module:
    """A fresh, randomly initialised course classifier `name` ("cnn", "ast" or "wav2vec2").

    `num_samples` is the clip length it is built for (AST's position embeddings
    and input length depend on it; the other two accept any length). The AST is
    notebook 04's (`AST_OVERRIDES` of `tiny_ast_config`).
    """
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; choose from {MODELS}")
    torch.manual_seed(seed)
    if name == "cnn":
        from course_utils.models.cnn import SpectrogramCNN

        return SpectrogramCNN(labels, sample_rate=sample_rate, num_samples=num_samples)
    if name == "ast":
        from course_utils.models.ast import ASTClassifier

        return ASTClassifier(labels, config=dict(AST_OVERRIDES), sample_rate=sample_rate, num_samples=num_samples)
    from course_utils.models.wav2vec2 import Wav2Vec2Classifier, tiny_wav2vec2_config

    return Wav2Vec2Classifier(labels, tiny_wav2vec2_config(), sample_rate=sample_rate, num_samples=num_samples)


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
    than that are cut.
    """
    from course_utils.data import clip_tensors, make_clip_dataset

    ds = dataset if dataset is not None else make_clip_dataset(n_per_class=n_per_class, seed=seed,
                                                               sample_rate=sample_rate, classes=classes)
    missing = [s for s in ("train", "validation", "test") if s not in ds]
    if missing:
        raise ValueError(f"the dataset needs train, validation and test splits; missing {missing}")
    parts = {split: clip_tensors(ds[split], num_samples) for split in ("train", "validation", "test")}
    longest = max(waves.shape[1] for waves, _, _ in parts.values())
    parts = {split: (F.pad(waves, (0, longest - waves.shape[1])), lengths, targets)  # zeros at the end: (N, longest)
             for split, (waves, lengths, targets) in parts.items()}
    rate = ds["train"][0]["audio"]["sampling_rate"]
    return ClipData(train=parts["train"], validation=parts["validation"], test=parts["test"],
                    labels=list(ds["train"].features["label"].names), sample_rate=int(rate))


# ----------------------------------------------------------------------------
# Training and scoring


@dataclass
class Trained:
    """A trained model and what it cost."""

    name: str
    model: nn.Module
    per_class: int
    train_examples: int
    epochs: int
    train_seconds: float
    test_accuracy: float


def epochs_for(steps: int, n_examples: int, batch_size: int) -> int:
    """Epochs that give about `steps` optimizer steps: the same training budget whatever the data size."""
    return max(1, math.ceil(steps / math.ceil(n_examples / batch_size)))


def train_classifier(name: str, data: ClipData, *, per_class: int | None = None, steps: int = 120,
                     batch_size: int = 32, seed: int = 0, device=None) -> Trained:
    """Train a fresh `name` on `per_class` clips of each class (None: the whole train split) for ~`steps` steps.

    Every model gets the same budget of optimizer steps and is scored as it
    ends (no validation during training: with 5 clips per class, validating
    every epoch would cost more than training, and picking the best epoch on
    the validation set would favour the models that happen to swing most).
    Each model uses its own notebook's optimizer settings (`OPTIMIZER_SETTINGS`).
    """
    train = data.train if per_class is None else per_class_subset(data.train, per_class)
    n = train[0].shape[0]
    epochs = epochs_for(steps, n, batch_size)
    model = build_classifier(name, data.labels, sample_rate=data.sample_rate, num_samples=train[0].shape[1], seed=seed)
    start = time.perf_counter()
    fit(model, train, None, epochs=epochs, **OPTIMIZER_SETTINGS[name], batch_size=batch_size, seed=seed,
        device=device, progress=False)
    seconds = time.perf_counter() - start
    accuracy = evaluate(model, data.test, device=device)["accuracy"]
    return Trained(name, model, per_class or n // len(data.labels), n, epochs, seconds, accuracy)


def noise_accuracy(model: nn.Module, test: tuple, snr_db: float | None, *, seed: int = 0, device=None) -> float:
    """Test accuracy with white noise added at `snr_db` dB to every clip (None: clean).

    The noise is drawn from a generator seeded with `seed`, so every model hears
    exactly the same noisy clips.
    """
    waves, lengths, targets = test
    if snr_db is not None:
        waves = add_noise(waves, snr_db, generator=torch.Generator().manual_seed(seed))
    return evaluate(model, (waves, lengths, targets), device=device)["accuracy"]


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
# The whole comparison


@dataclass
class Comparison:
    """Everything `compare` measured. Each list holds plain dicts (one per row), ready for a table or a plot."""

    table: list[dict]            # one row per model: accuracy, params, training time, latency, noise accuracy
    curve: list[dict]            # {model, per_class, train_examples, test_accuracy, train_seconds}
    scaling: list[dict]          # see `scaling`
    noise: list[dict]            # {model, snr_db (None = clean), accuracy}
    labels: list[str]
    settings: dict = field(default_factory=dict)
    models: dict = field(default_factory=dict, repr=False)  # name -> the model trained on the most data

    def row(self, name: str) -> dict:
        return next(r for r in self.table if r["model"] == name)

    def markdown(self) -> str:
        """The measured table as Markdown (rounded)."""
        snrs = self.settings.get("snrs", ())
        head = ["model", "params", f"test acc ({self.settings.get('max_per_class')}/class)", "train s",
                "ms per audio s (CPU)"] + [f"acc @ {s:g} dB" for s in snrs]
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for r in self.table:
            cells = [r["model"], f"{r['parameters']:,}", f"{r['test_accuracy']:.3f}", f"{r['train_seconds']:.1f}",
                     f"{r['latency_ms_per_audio_s']:.1f}"] + [f"{r['noise_accuracy'][s]:.3f}" for s in snrs]
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines)


def compare(data: ClipData, names=MODELS, *, shots=(5, 10, 20, 50, 100), steps: int = 120, batch_size: int = 32,
            snrs=(20.0, 10.0, 0.0), clip_seconds=(1, 2, 4, 8), repeats: int = 5, seed: int = 0,
            device=None, log=print) -> Comparison:
    """Train every model at every `shots` (clips per class), then measure cost, scaling and noise robustness.

    The models trained on the most data (the largest of `shots`) fill the main
    table. Latency per audio second in the table is for one test clip on the CPU;
    `scaling` has the other lengths (on `device`). `log` reports progress
    (pass `None` for silence).
    """
    unknown = [n for n in names if n not in MODELS]
    if unknown or not names:
        raise ValueError(f"names must be models from {MODELS}, got {list(names)}")
    shots = sorted(set(shots))
    if not shots or shots[0] < 1:
        raise ValueError(f"shots must be positive numbers of clips per class, got {shots}")
    device = torch.device(device) if device is not None else get_device()
    log = log or (lambda *a, **k: None)
    curve, best = [], {}
    for name in names:
        for k in shots:
            trained = train_classifier(name, data, per_class=k, steps=steps, batch_size=batch_size, seed=seed,
                                       device=device)
            curve.append({"model": name, "per_class": k, "train_examples": trained.train_examples,
                          "epochs": trained.epochs, "test_accuracy": trained.test_accuracy,
                          "train_seconds": trained.train_seconds})
            log(f"{name:>8}: {k:>3} per class -> test accuracy {trained.test_accuracy:.3f} "
                f"({trained.train_seconds:.0f} s)")
            best[name] = trained
    noise = []
    for name in names:
        for snr in (None, *snrs):
            noise.append({"model": name, "snr_db": snr,
                          "accuracy": noise_accuracy(best[name].model, data.test, snr, seed=seed, device=device)})
    cpu_latency = {}
    x = data.test[0][:1]  # (1, S): one real clip, padded to the data's length
    for name in names:
        model = best[name].model.to("cpu").eval()
        with torch.no_grad():
            cpu_latency[name] = median_ms(lambda: model(x), repeats, "cpu") / (x.shape[1] / data.sample_rate)
        best[name].model.to(device)
    scale = scaling(names, clip_seconds, labels=data.labels, sample_rate=data.sample_rate, repeats=repeats,
                    device=device)
    table = []
    for name in names:
        t = best[name]
        table.append({"model": name, "parameters": count_parameters(t.model), "test_accuracy": t.test_accuracy,
                      "train_seconds": t.train_seconds, "train_examples": t.train_examples,
                      "latency_ms_per_audio_s": cpu_latency[name],
                      "noise_accuracy": {r["snr_db"]: r["accuracy"] for r in noise if r["model"] == name and r["snr_db"] is not None},
                      "clean_accuracy": next(r["accuracy"] for r in noise if r["model"] == name and r["snr_db"] is None)})
    settings = {"shots": shots, "max_per_class": shots[-1], "steps": steps, "batch_size": batch_size,
                "sample_rate": data.sample_rate,
                "snrs": tuple(snrs), "clip_seconds": tuple(clip_seconds), "seed": seed, "device": device.type}
    return Comparison(table=table, curve=curve, scaling=scale, noise=noise, labels=list(data.labels),
                      settings=settings, models={name: best[name].model for name in names})


# ----------------------------------------------------------------------------
# Over seeds: the same training, several seeds, the baseline beside it


@dataclass
class SeedRuns:
    """Test accuracies of each model over seeds, and the average-spectrum baseline on the same split.

    `rows`: one dict per (model, seed): {model, seed, test_accuracy, best_epoch, train_seconds}.
    `baseline`: the linear probe on the time-averaged log-mel (no seed: it is convex).
    """

    rows: list[dict]
    baseline: float
    labels: list[str]
    settings: dict = field(default_factory=dict)
    models: dict = field(default_factory=dict, repr=False)  # (name, seed) -> trained model, when kept

    def accuracies(self, name: str) -> list[float]:
        """The test accuracies of `name`, one per seed, in seed order."""
        values = [r["test_accuracy"] for r in self.rows if r["model"] == name]
        if not values:
            raise KeyError(f"no runs of {name!r}; models here: {sorted({r['model'] for r in self.rows})}")
        return values

    def markdown(self) -> str:
        """One row per model: mean ± std over seeds, z against the baseline, training time; the baseline last."""
        names = list(dict.fromkeys(r["model"] for r in self.rows))
        n = len(self.settings.get("seeds", ()))
        lines = [f"| model | test accuracy (mean ± std, {n} seeds) | z vs baseline | train s per seed |",
                 "|---|---|---|---|"]
        for name in names:
            acc = self.accuracies(name)
            seconds = sum(r["train_seconds"] for r in self.rows if r["model"] == name) / len(acc)
            lines.append(f"| {name} | {show(acc)} | {z_against(acc, self.baseline):+.1f} | {seconds:.1f} |")
        lines.append(f"| time-averaged log-mel + linear (baseline) | {self.baseline:.3f} (no seed) | | |")
        lines.append(f"| chance | {1 / len(self.labels):.3f} | | |")
        return "\n".join(lines)


def over_seeds(data: ClipData, names=MODELS, seeds=(0, 1, 2), *, epochs: int | dict | None = None,
               batch_size: int = 32, augment=None, settings: dict | None = None, keep_models: bool = False,
               device=None, log=print) -> SeedRuns:
    """Train each of `names` once per seed (validation picks the best epoch), score on test; baseline beside.

    The seed draws the initial weights, the batch order and any augmentation,
    so the spread over seeds is what a learner who reruns the notebook sees;
    a difference smaller than it is not a finding (`course_utils.seeds`).
    `epochs`: one number for all models, a {name: epochs} dict, or None (`EPOCHS`).
    `settings`: {name: {lr=, weight_decay=}} overriding `OPTIMIZER_SETTINGS`.
    `augment` is passed to `fit` (training batches only). `keep_models=True`
    keeps every trained model in `.models[(name, seed)]`.
    """
    unknown = [n for n in names if n not in MODELS]
    if unknown or not names:
        raise ValueError(f"names must be models from {MODELS}, got {list(names)}")
    seeds = list(seeds)
    if not seeds or any(isinstance(s, bool) or not isinstance(s, int) for s in seeds):
        raise ValueError(f"seeds must be a non-empty list of ints, got {seeds!r}")
    device = torch.device(device) if device is not None else get_device()
    log = log or (lambda *a, **k: None)
    baseline = baseline_accuracy(data.train, data.test, data.sample_rate, len(data.labels))
    rows, models = [], {}
    for name in names:
        n_epochs = epochs.get(name, EPOCHS[name]) if isinstance(epochs, dict) else (epochs or EPOCHS[name])
        optim = {**OPTIMIZER_SETTINGS[name], **((settings or {}).get(name, {}))}
        for seed in seeds:
            model = build_classifier(name, data.labels, sample_rate=data.sample_rate,
                                     num_samples=data.train[0].shape[1], seed=seed)
            start = time.perf_counter()
            history = fit(model, data.train, data.validation, epochs=n_epochs, batch_size=batch_size,
                          augment=augment, seed=seed, device=device, progress=False, **optim)
            seconds = time.perf_counter() - start
            accuracy = evaluate(model, data.test, device=device)["accuracy"]
            rows.append({"model": name, "seed": seed, "test_accuracy": accuracy,
                         "best_epoch": history.best_epoch, "train_seconds": seconds})
            if keep_models:
                models[(name, seed)] = model
            log(f"{name:>8} seed {seed}: test accuracy {accuracy:.3f} (best epoch {history.best_epoch} "
                f"of {n_epochs}, {seconds:.0f} s)")
    return SeedRuns(rows=rows, baseline=baseline, labels=list(data.labels), models=models,
                    settings={"seeds": seeds, "epochs": epochs, "batch_size": batch_size,
                              "augment": getattr(augment, "__name__", repr(augment)) if augment else None,
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


def _curve_at(result: Comparison, name: str, k: int) -> float:
    return next(r["test_accuracy"] for r in result.curve if r["model"] == name and r["per_class"] == k)


def _scale_at(result: Comparison, name: str, seconds: float, key: str) -> float:
    return next(r[key] for r in result.scaling if r["model"] == name and r["clip_seconds"] == float(seconds))


def verdicts(result: Comparison, frame_hop_seconds: float | None = None, window_hop_seconds: float = 0.5) -> list[dict]:
    """The seed's rows with what was measured and a verdict: "borne out", "not borne out" or "depends".

    Every verdict is computed from `result` by the rule written next to it
    (rows whose model is missing from the comparison are skipped).
    `frame_hop_seconds`: a Wav2Vec2 frame head's label spacing (default: the
    course model's encoder stride / sample rate, 20 ms); `window_hop_seconds`:
    the hop a clip model would slide at.
    """
    if frame_hop_seconds is None:
        from course_utils.models.wav2vec2 import encoder_stride
        from course_utils.models.wav2vec2 import tiny_wav2vec2_config

        frame_hop_seconds = encoder_stride(tiny_wav2vec2_config()) / result.settings.get("sample_rate", 16000)
    names = [r["model"] for r in result.table]
    chance = 1.0 / len(result.labels)
    out = []

    def add(i, measured, verdict, why):
        out.append({**SEED_TABLE[i], "measured": measured, "verdict": verdict, "why": why})

    # 1. Clip label: every model learns the task (well above chance); borne out if they end close together.
    acc = {n: result.row(n)["test_accuracy"] for n in names}
    works = {n: a >= max(0.5, 3 * chance) for n, a in acc.items()}
    spread = max(acc.values()) - min(acc.values())
    measured = ", ".join(f"{n} {a:.2f}" for n, a in acc.items())
    if all(works.values()) and spread <= 0.1:
        add(0, measured, "borne out", f"all three classify clips well and within {spread:.2f} of each other")
    elif all(works.values()):
        lead, lag = max(acc, key=acc.get), min(acc, key=acc.get)
        add(0, measured, "depends", f"all are clip classifiers and all learn the task, but on the same small budget "
            f"{lead} leads {lag} by {spread:.2f}; from scratch, {lag} needs more data or pretraining to catch up")
    elif any(works.values()):
        lead = max(acc, key=acc.get)
        add(0, measured, "depends", f"all are clip classifiers, but on the same small budget {lead} leads by "
            f"{spread:.2f}; the transformers need more data or pretraining to catch up")
    else:
        add(0, measured, "not borne out", "no model learned the task on this budget")

    # 2. Time-aligned labels: a frame head gives a label every stride from one pass; a clip model needs one
    #    forward per hop to give a label per hop. Measured: the CNN's cost of sliding 1-s windows at the
    #    frame head's spacing versus one pass of the Wav2Vec2 encoder (the frame head adds one linear layer).
    if "cnn" in names and "wav2vec2" in names:
        cnn_window_ms = _scale_at(result, "cnn", 1, "latency_ms")  # one 1-s window
        sliding_ms = cnn_window_ms / frame_hop_seconds  # windows per audio second at that hop
        frame_ms = _scale_at(result, "wav2vec2", 1, "latency_ms_per_audio_s")
        measured = (f"labels every {1000 * frame_hop_seconds:.0f} ms: wav2vec2 frame pass {frame_ms:.1f} ms per audio s; "
                    f"CNN sliding 1-s windows at that hop {sliding_ms:.0f} ms per audio s "
                    f"(at a {window_hop_seconds:g}-s hop: {cnn_window_ms / window_hop_seconds:.1f})")
        if frame_ms < sliding_ms:
            add(1, measured, "borne out", f"one pass gives every frame; a clip model pays one forward per label, "
                f"x{sliding_ms / frame_ms:.0f} here, so it only suits coarse timing (`course_utils.inference`)")
        else:
            add(1, measured, "not borne out", "sliding a clip model at the frame spacing was cheaper here")

    # 3. Long audio: is Wav2Vec2 the cheapest per second of audio, at the longest length measured?
    longest = max(r["clip_seconds"] for r in result.scaling)
    lat = {n: _scale_at(result, n, longest, "latency_ms_per_audio_s") for n in names}
    mem = {n: _scale_at(result, n, longest, "memory_mb") for n in names}
    growth = {n: _scale_at(result, n, longest, "latency_ms_per_audio_s") /
              _scale_at(result, n, min(r["clip_seconds"] for r in result.scaling), "latency_ms_per_audio_s")
              for n in names}
    measured = "; ".join(f"{n} {lat[n]:.1f} ms/s, {mem[n]:.1f} MiB at {longest:g} s" for n in names)
    if "wav2vec2" in names:
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

    # 4. Small data: at the fewest examples per class, do the spectrogram models lead?
    k = min(result.settings["shots"])
    small = {n: _curve_at(result, n, k) for n in names}
    measured = ", ".join(f"{n} {a:.2f}" for n, a in small.items()) + f" at {k} per class"
    spectro = [n for n in ("cnn", "ast") if n in names]
    if spectro and "wav2vec2" in names:
        beats = {n: small[n] >= small["wav2vec2"] for n in spectro}
        if all(beats.values()):
            add(3, measured, "borne out", "the spectrogram models learn more from few examples than the raw-waveform model")
        elif any(beats.values()):
            good = [n for n in spectro if beats[n]][0]
            bad = [n for n in spectro if not beats[n]][0]
            add(3, measured, "depends", f"{good} yes, {bad} no: from scratch a transformer on spectrogram patches "
                f"(the ViT route) is data-hungry; its small-data strength comes from pretraining")
        else:
            add(3, measured, "not borne out", "the raw-waveform model learned more from few examples here")

    # 5. Noisy audio: among the models that learned the task, which keeps most of its above-chance accuracy
    #    at the lowest SNR? (A model at chance has nothing left to lose.) Multilingual: not testable offline.
    snr = min(result.settings["snrs"])
    learned = [n for n in names if works[n]]
    kept = {n: (result.row(n)["noise_accuracy"][snr] - chance) / max(result.row(n)["clean_accuracy"] - chance, 1e-9)
            for n in learned}
    measured = ", ".join(f"{n} {result.row(n)['clean_accuracy']:.2f} -> {result.row(n)['noise_accuracy'][snr]:.2f}"
                         for n in names) + f" accuracy at {snr:g} dB SNR"
    if "wav2vec2" in names and learned:
        most_robust = max(kept, key=kept.get)
        tied = [n for n in learned if kept[most_robust] - kept[n] <= 0.03]  # within 3 points: no winner
        if len(tied) > 1:
            shares = " and ".join(f"{n} {kept[n]:.0%}" for n in tied)
            add(4, measured, "depends", f"noise: from scratch {' and '.join(tied)} keep about the same share of "
                f"their margin over chance ({shares}), so no architecture is clearly the robust one; XLSR's "
                f"robustness comes from pretraining on ~436k hours of speech in 128 languages, which this offline "
                f"course cannot test (nor the multilingual part)")
        elif most_robust == "wav2vec2":
            add(4, measured, "depends", f"noise: the raw-waveform model keeps most of its accuracy "
                f"({kept['wav2vec2']:.0%} of its margin over chance) even from scratch; multilingual: untested "
                f"(no XLSR weights offline)")
        else:
            add(4, measured, "depends", f"noise: from scratch {most_robust} keeps most of its accuracy "
                f"({kept[most_robust]:.0%} of its margin over chance), so the robustness is not in the architecture; "
                f"XLSR's comes from pretraining on ~436k hours of speech in 128 languages, which this offline "
                f"course cannot test (nor the multilingual part)")
    elif "wav2vec2" in names:
        add(4, measured, "depends", "no model learned the task well enough to test its robustness")
    return out


def verdict_markdown(rows: list[dict]) -> str:
    """The verdicts as a Markdown table: seed's row, what was measured, verdict and why."""
    lines = ["| task | seed recommends | measured | verdict | why |", "|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['task']} | {r['seed_recommends']} | {r['measured']} | **{r['verdict']}** | {r['why']} |")
    return "\n".join(lines)
