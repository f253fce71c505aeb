# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 07 · Augmentation pitfalls and robustness
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/audio-classification-course/audio-classification-course/blob/main/notebooks/07_augmentation_pitfalls.ipynb)
#
# **Learning goals**
#
# - Run augmentation as a controlled experiment: same model, same data, same budget, only the augmentation changes, several seeds.
# - See where image augmentations mislead on spectrograms (vertical shift on pitch pairs, time reversal on order pairs), and how much.
# - Measure what audio-aware augmentations (noise, SpecAugment masking, pitch shift, band limiting) buy on robustness test sets.
# - Test the claim that a raw-waveform model is robust to noise, pitch shift and low sample rates over several seeds, and see why tiny models trained from scratch cannot settle it.

# %%
# Setup: in Colab, install the course package; locally this does nothing.
import sys
if "google.colab" in sys.modules:
    # %pip install -q "course-utils @ git+https://github.com/audio-classification-course/audio-classification-course@main"

# %%
import time

import matplotlib.pyplot as plt
import torch
from torch import nn

from course_utils import augment as A
from course_utils import seeds  # mean ± std over seeds and the |z| > 2 rule, written once
from course_utils.data import CLIP_CLASSES, ORDER_PAIRS, PITCH_PAIRS, clip_tensors, make_clip_dataset
from course_utils.env import get_device, seed_everything
from course_utils.features import log_mel_spectrogram
from course_utils.metrics import accuracy
from course_utils.models.cnn import SpectrogramCNN
from course_utils.notebook import record_result
from course_utils.train import evaluate, fit

seed_everything(0)
device = get_device()
FULL = False  # True: more clips, epochs and seeds (about 10x longer)
if device.type == "cpu":
    # One thread: the numbers quoted in the text were measured this way (the thread count can change the
    # last digits of float sums), and a shared CPU stays usable. On your own idle machine, delete this
    # line to train faster (notebook 06's model: 1.6x faster with 2 threads; BENCHMARKS.md).
    torch.set_num_threads(1)
SR = 16000
N_PER_CLASS, EPOCHS, SEEDS = (100, 20, 5) if FULL else (40, 10, 3)
start = time.perf_counter()

# %% [markdown]
# ## The data, and the two kinds of pairs
#
# The course's clip set has two pairs of classes built to break image intuitions:
# `horn_low`/`horn_high` differ **only in pitch** (an octave), `chirp_up`/`chirp_down` and
# `ding_dong`/`dong_ding` differ **only in time order** (one is the other played backwards).
# We train on the training split and, since nothing is tuned here, test on validation + test together.

# %%
ds = make_clip_dataset(n_per_class=N_PER_CLASS, seed=0)
train_x, _, train_y = clip_tensors(ds["train"], num_samples=16000)  # every split padded to 1 s
val, test = clip_tensors(ds["validation"], num_samples=16000), clip_tensors(ds["test"], num_samples=16000)
test_x, test_y = torch.cat([val[0], test[0]]), torch.cat([val[2], test[2]])
pitch_ids = torch.tensor([CLIP_CLASSES.index(c) for pair in PITCH_PAIRS for c in pair])
order_ids = torch.tensor([CLIP_CLASSES.index(c) for pair in ORDER_PAIRS for c in pair])
print(f"train {tuple(train_x.shape)}, test {tuple(test_x.shape)}; pitch pairs {PITCH_PAIRS}, order pairs {ORDER_PAIRS}")

# %% [markdown]
# ## What each augmentation does to a spectrogram
#
# One `horn_low` clip through every transform in `course_utils.augment`. Look at the harmonics:
# a vertical roll moves them up but keeps them as many mel bins apart as before (below ~1 kHz the
# mel scale is nearly linear), a frequency crop-and-resize spreads them apart like a real pitch change.

# %%
clip = train_x[train_y == CLIP_CLASSES.index("horn_low")][0]
g = torch.Generator().manual_seed(0)
spec = log_mel_spectrogram(clip, n_mels=64)  # (64, frames)
views = {
    "original": spec,
    "vertical_roll +8": A.vertical_roll(spec, 8),
    "vertical_flip": A.vertical_flip(spec),
    "freq_crop": A.freq_crop(spec, 0.5, generator=g),
    "time_reverse": A.time_reverse(spec),
    "spec_augment": A.spec_augment(spec, 16, 20, mask_value="mean", generator=g),
    "pitch_shift +12 st": log_mel_spectrogram(A.pitch_shift(clip, SR, 12.0), n_mels=64),
    "noise 5 dB": log_mel_spectrogram(A.add_noise(clip, 5.0, "pink", generator=g), n_mels=64),
    "band_limit 4 kHz": log_mel_spectrogram(A.band_limit(clip, SR, 4000), n_mels=64),
}
fig, axes = plt.subplots(3, 3, figsize=(10, 7), sharex=True, sharey=True)
for ax, (name, s) in zip(axes.flat, views.items()):
    ax.imshow(s, origin="lower", aspect="auto", cmap="magma")
    ax.set_title(name, fontsize=9)
fig.supxlabel("frame"), fig.supylabel("mel bin")
fig.tight_layout()
plt.show()
plt.close(fig)

# %% [markdown]
# Listen: a `chirp_up` clip, then the same clip reversed in time. To an image model "horizontal flip" is
# harmless; to your ears the second one is a `chirp_down`, a different class.

# %%
from IPython.display import Audio, display

chirp = train_x[train_y == CLIP_CLASSES.index("chirp_up")][0]
display(Audio(chirp.numpy(), rate=SR), Audio(A.time_reverse(chirp).numpy(), rate=SR))

# %% [markdown]
# ## The controlled experiment
#
# Same small CNN (`SpectrogramCNN`, 32 mel bins, frequency rows kept by the head), same data,
# same number of epochs, learning rate and batch size; only the augmentation changes. Waveform
# transforms go to `fit(augment=...)`; spectrogram transforms run inside the model, after its
# log-mel front-end, as an `A.SpectrogramAugment` layer that is active in training mode only.

# %%
AUGMENTATIONS = {
    "none": {},
    "vertical_roll": {"spec": (A.vertical_roll, dict(shift=(-8, 8)))},
    "freq_crop": {"spec": (A.freq_crop, dict(min_keep=0.5))},
    "time_reverse": {"wave": lambda s: A.RandomApply(A.Augment(A.time_reverse), p=0.5, seed=s)},
    "spec_augment": {"spec": (A.spec_augment, dict(freq_width=8, time_width=10))},
    "noise": {"wave": lambda s: A.Augment(A.add_noise, snr_db=(0, 20), color="pink", seed=s)},
}
if FULL:  # slower on a CPU: a resampling pass per batch
    AUGMENTATIONS["pitch_shift"] = {"wave": lambda s: A.Augment(A.pitch_shift, sample_rate=SR, semitones=(-2, 2),
                                                               step=1.0, seed=s)}
    AUGMENTATIONS["band_limit"] = {"wave": lambda s: A.Augment(A.band_limit, sample_rate=SR,
                                                              low_rate=[4000, 8000, 16000], seed=s)}


def make_cnn(seed: int, spec_aug=None) -> SpectrogramCNN:
    torch.manual_seed(seed)
    model = SpectrogramCNN(CLIP_CLASSES, config=dict(n_mels=32, hop_length=320, channels=(8, 16, 32), pooling="time"))
    if spec_aug is not None:
        fn, params = spec_aug
        model.features = nn.Sequential(model.features, A.SpectrogramAugment(fn, seed=seed, **params))
    return model


def train_cnn(name: str, seed: int) -> SpectrogramCNN:
    recipe = AUGMENTATIONS[name]
    model = make_cnn(seed, recipe.get("spec"))
    augment = recipe["wave"](seed) if "wave" in recipe else None
    fit(model, (train_x, train_y), epochs=EPOCHS, lr=3e-3, batch_size=32, augment=augment,
        seed=seed, device=device, progress=False)
    return model.eval()


# Robustness test sets: the same test clips, changed in one way each.
g = torch.Generator().manual_seed(1)
TEST_SETS = {
    "clean": test_x,
    "noisy (0 dB pink)": A.add_noise(test_x, 0.0, "pink", generator=g),
    "pitch +-2 st": torch.cat([A.pitch_shift(test_x[0::2], SR, 2.0), A.pitch_shift(test_x[1::2], SR, -2.0)]),
    "band-limited (4 kHz)": A.band_limit(test_x, SR, 4000),
}
TEST_LABELS = {k: (torch.cat([test_y[0::2], test_y[1::2]]) if k.startswith("pitch") else test_y) for k in TEST_SETS}


def scores(model) -> dict:
    out = {}
    with torch.no_grad():
        for name, x in TEST_SETS.items():
            y = TEST_LABELS[name]
            correct = (model(x.to(device)).argmax(-1).cpu() == y).float()
            out[name] = correct.mean().item()
            if name == "clean":
                out["pitch pairs"] = correct[torch.isin(y, pitch_ids)].mean().item()
                out["order pairs"] = correct[torch.isin(y, order_ids)].mean().item()
    return out


results, baseline_cnns = {}, []
for name in AUGMENTATIONS:
    for seed in range(SEEDS):
        model = train_cnn(name, seed)
        results.setdefault(name, []).append(scores(model))
        if name == "none":
            baseline_cnns.append(model)  # one per seed, reused for the robustness curves below
COLUMNS = ["clean", "pitch pairs", "order pairs", "noisy (0 dB pink)", "pitch +-2 st", "band-limited (4 kHz)"]


def per_seed(aug: str, column: str) -> list[float]:
    """One column of the table for one augmentation: one result per seed."""
    return [r[column] for r in results[aug]]


mean = {a: {c: seeds.mean_std(per_seed(a, c))[0] for c in COLUMNS} for a in results}
print(f"| augmentation | " + " | ".join(COLUMNS) + " |")
print("| --- " * (len(COLUMNS) + 1) + "|")
for a in AUGMENTATIONS:
    print(f"| {a} | " + " | ".join(seeds.show(per_seed(a, c), digits=3) for c in COLUMNS) + " |")


# %% [markdown]
# ## Which differences are real?
#
# A difference counts only when it is larger than the seed-to-seed spread:
# `z = (mean_aug - mean_none) / sqrt(std_aug² + std_none²)`, and we claim an effect when |z| > 2.
# The rule is written once, in `course_utils.seeds` (`z_score`, `differs`); every comparison below uses it.

# %%
def z_score(aug: str, column: str) -> float:
    """The gap between an augmentation and "none" on one column, in units of their seed-to-seed spread."""
    return seeds.z_score(per_seed(aug, column), per_seed("none", column))


for a in AUGMENTATIONS:
    if a == "none":
        continue
    effects = [f"{c}: {mean[a][c] - mean['none'][c]:+.3f} ({'real' if abs(z_score(a, c)) > 2 else 'within spread'})"
               for c in COLUMNS]
    print(f"{a:14s} " + "; ".join(effects))

# %% [markdown]
# What the table says, on this data (the line above marks which differences clear the seed-to-seed spread):
#
# - **Time reversal** (the image "horizontal flip") is the worst: the order-paired classes fall to about
#   chance (two classes, 50 %), because every training clip of `chirp_up` is, half the time, a
#   `chirp_down`. Pitch pairs are untouched: reversing time keeps every frequency.
# - **Vertical roll** lowers pitch-pair accuracy, and accuracy overall: moving the spectrogram up or down
#   makes low and high horns overlap. It hurts less than one might expect, because on the mel scale a roll
#   is not a pitch change: the harmonics keep their spacing in mel bins, which still tells the two horns apart.
# - **Frequency crop** (crop and resize, an image "zoom") hurts pitch pairs in some seeds and not in others:
#   its spread is so large that three seeds cannot pin the effect down; the notebook does not claim it.
# - **Noise** buys what it trains for: accuracy on the 0 dB noisy test set jumps, at no measurable cost on
#   clean clips. **SpecAugment masking** changes nothing on clean clips beyond the spread at this size: a small, clean data
#   set with short clips is not where masking shines (AST masks 48 of 128 bins and 192 of 1024 frames on AudioSet).
# - No augmentation here buys robustness to pitch shift or band limiting, because none of them trains for it:
#   `A.pitch_shift` and `A.band_limit` do (they run with `FULL = True`; a resampling pass per batch is slow on a CPU).

# %%
# The headline effects, checked against the measured spread:
assert z_score("time_reverse", "order pairs") < -2 and mean["time_reverse"]["order pairs"] < 0.75
assert z_score("time_reverse", "pitch pairs") > -2  # pitch pairs do not care about time order
assert z_score("vertical_roll", "pitch pairs") < -2, "vertical shift should lower pitch-pair accuracy beyond 2 std"
assert z_score("noise", "noisy (0 dB pink)") > 2 and mean["noise"]["noisy (0 dB pink)"] > 0.85
assert abs(z_score("noise", "clean")) < 2  # noise augmentation costs nothing measurable on clean clips

# %% [markdown]
# ## The robustness claim: CNN vs AST vs Wav2Vec2
#
# The claim: a raw-waveform encoder like Wav2Vec2 is robust to noise, pitch shift and a low
# sample rate. We train the tiny AST (notebook 04) and the tiny Wav2Vec2 classifier (notebook 05)
# briefly on the same clips, without augmentation, once per seed, and sweep each nuisance on the test
# set, next to the un-augmented CNNs from the table (one per seed). One seed is one draw: a ranking read
# from a single run can flip with the seed, or on another software stack, so every point below is a
# mean ± std over the seeds, and a comparison counts only when it clears the spread.

# %%
from course_utils.fast_features import ASTFeatures
from course_utils.models.ast import ASTClassifier, tiny_ast_config
from course_utils.models.wav2vec2 import Wav2Vec2Classifier, tiny_wav2vec2_config


def train_ast(seed: int) -> ASTClassifier:
    torch.manual_seed(seed)
    model = ASTClassifier(CLIP_CLASSES, tiny_ast_config(max_length=ASTFeatures(SR).num_frames(SR), num_mel_bins=64))
    fit(model, (train_x, train_y), epochs=2 * EPOCHS, lr=2e-3, batch_size=32, seed=seed, device=device, progress=False)
    return model.eval()


def train_wav2vec2(seed: int) -> Wav2Vec2Classifier:
    torch.manual_seed(seed)
    model = Wav2Vec2Classifier(CLIP_CLASSES, tiny_wav2vec2_config(), do_normalize=True)
    fit(model, (train_x, train_y), epochs=EPOCHS, lr=2e-3, batch_size=32, seed=seed, device=device, progress=False)
    return model.eval()


def test_accuracy(model, x) -> float:
    """Accuracy on (a transformed copy of) the test clips."""
    with torch.no_grad():
        return accuracy(model(x.to(device)), test_y)


# The swept test sets are built once (one noise draw) and shared by every model and seed:
# the seeds then vary the models only.
g = torch.Generator().manual_seed(2)
NOISE, PITCH, RATE = "SNR (dB, pink noise)", "pitch shift (semitones)", "sample rate (Hz, band-limited)"
SNRS = [30, 20, 10, 5, 0, -5]
SEMITONES = [-4, -2, -1, 0, 1, 2, 4]
RATES = [16000, 11025, 8000, 6000, 4000]
sweeps = {
    NOISE: (SNRS, {v: A.add_noise(test_x, float(v), "pink", generator=g) for v in SNRS}),
    PITCH: (SEMITONES, {v: A.pitch_shift(test_x, SR, float(v)) for v in SEMITONES}),
    RATE: (RATES, {v: A.band_limit(test_x, SR, v) for v in RATES}),
}
MODELS = ["CNN", "AST", "Wav2Vec2"]
curves = {axis: {m: [] for m in MODELS} for axis in sweeps}  # curves[axis][model][seed][i]: accuracy at values[i]
for seed in range(SEEDS):
    models = {"CNN": baseline_cnns[seed], "AST": train_ast(seed), "Wav2Vec2": train_wav2vec2(seed)}
    for axis, (values, inputs) in sweeps.items():
        for m, model in models.items():
            curves[axis][m].append([test_accuracy(model, inputs[v]) for v in values])
del models


def point(axis: str, model: str, value) -> list[float]:
    """One model's accuracy at one point of a sweep, one number per seed."""
    i = sweeps[axis][0].index(value)
    return [curve[i] for curve in curves[axis][model]]


fig, axes = plt.subplots(1, 3, figsize=(12, 3.5), sharey=True)
for ax, (axis, (values, _)) in zip(axes, sweeps.items()):
    for m in MODELS:
        mean_curve, std_curve = zip(*(seeds.mean_std(point(axis, m, v)) for v in values))
        ax.errorbar(values, mean_curve, yerr=std_curve, marker="o", capsize=3, label=m)
    ax.set_xlabel(axis)
    ax.grid(alpha=0.3)
axes[0].set_ylabel(f"test accuracy (mean ± std, {SEEDS} seeds)")
axes[0].legend()
fig.tight_layout()
plt.show()
plt.close(fig)
for axis, (values, _) in sweeps.items():
    print(axis)
    for m in MODELS:
        print(f"  {m:9s} " + "  ".join(f"{v}: {seeds.show(point(axis, m, v), digits=2)}" for v in values))


# %% [markdown]
# Read the curves as drops from each model's own clean accuracy: the three tiny models do not start equal.
# Each seed's drop is taken from its own clean point, then averaged; the brackets list the seeds.

# %%
CLEAN = {NOISE: 30, PITCH: 0, RATE: 16000}


def drops(axis: str, model: str, value) -> list[float]:
    """Accuracy lost between the clean point of a sweep and `value`, one number per seed."""
    return [c - v for c, v in zip(point(axis, model, CLEAN[axis]), point(axis, model, value))]


for axis, value in [(NOISE, 0), (PITCH, 4), (PITCH, -4), (RATE, 4000)]:
    print(f"accuracy lost at {axis.split(' (')[0]} = {value}: " + ", ".join(
        f"{m} {seeds.show(drops(axis, m, value), digits=2)} [{', '.join(f'{d:.2f}' for d in drops(axis, m, value))}]"
        for m in MODELS))

# Every comparison the text below discusses: does the gap between two models clear the seed-to-seed spread?
COMPARISONS = [
    ("accuracy at 0 dB SNR", lambda m: point(NOISE, m, 0)),
    ("accuracy lost at 0 dB SNR", lambda m: drops(NOISE, m, 0)),
    ("accuracy lost at pitch +4 st", lambda m: drops(PITCH, m, 4)),
    ("accuracy lost at 4 kHz band limit", lambda m: drops(RATE, m, 4000)),
]
PAIRS = [("Wav2Vec2", "CNN"), ("AST", "CNN"), ("Wav2Vec2", "AST")]
print()
for label, per_model in COMPARISONS:
    print(label)
    for a, b in PAIRS:
        gap = seeds.mean_std(per_model(a))[0] - seeds.mean_std(per_model(b))[0]
        verdict = "clears the spread" if seeds.differs(per_model(a), per_model(b)) else "within the spread"
        print(f"  {a:8s} - {b:4s} {gap:+.2f}  z = {seeds.z_score(per_model(a), per_model(b)):+.1f}  {verdict}")

# %% [markdown]
# What this measurement does and does not show, read from the lines above (mean ± std over the seeds,
# the seeds in brackets, and |z| > 2 as the bar for a difference between two models):
#
# - **Noise**: every model loses accuracy between 30 dB and 0 dB SNR, in every seed, and a lot of it on average.
#   Between the models, nothing clears the spread: not the accuracy at 0 dB, not the accuracy lost; every
#   |z| in those two blocks is below 2. The spread is wide: the un-augmented CNN alone loses 0.47, 0.74 and
#   0.42 in the three seeds of the stored run. Which model looks most robust to noise depends on the seed
#   you happen to read (compare the brackets), and on the software stack, since the AST and the Wav2Vec2
#   start from different random weights under different `transformers` versions. A one-seed version of this
#   notebook concluded that the tiny Wav2Vec2 is the most noise-robust; over seeds that does not hold up.
# - **Pitch shift**: no model is pitch-invariant: every model's mean loss at +4 semitones exceeds 0.05 by more
#   than 2 std. The Wav2Vec2 loses more than the CNN, far beyond the spread; the AST also loses more than the
#   CNN, by a smaller margin that still clears it; the AST and the Wav2Vec2 are within each other's spread.
#   A raw-waveform front-end does not make a model ignore pitch.
# - **Sample rate**: every model loses accuracy at a 4 kHz band limit, in every seed; none is immune. The
#   Wav2Vec2 has the smallest mean loss, but its gap to the CNN is within the spread (the CNN loses 0.14, 0.28
#   and 0.11 in the three seeds). Its gap to the AST is within the spread in the run stored here, but not on
#   every stack: with another `transformers` version's starting weights the same three seeds can clear the
#   bar. Three seeds do not settle it, so the notebook claims no ordering here.
#
# The claim in the source is about **large pretrained encoders**: wav2vec2-base and XLS-R learned their
# features by self-supervised pretraining on thousands of hours of varied speech, with different voices,
# microphones, rooms and channels, and that variety is where their robustness comes from. Our tiny
# encoder has 0.1 M parameters and has heard 280 one-second clips; it cannot test that claim either way.
# What it does show: robustness is not a property of the input representation alone, and where you need
# it, the reliable way to get it is to train for it (the noise row of the table) or to start from an encoder
# pretrained on audio that already varies that way.

# %%
# The robustness statements above, checked against the spread over seeds. Only what clears it on every
# software stack the course is tested on is asserted; model-vs-model orderings that stay within the
# spread are printed above, not asserted.
for m in MODELS:
    lost_mean, lost_std = seeds.mean_std(drops(PITCH, m, 4))
    assert lost_mean - 0.05 > 2 * lost_std, f"{m}: the drop at +4 st should exceed 0.05 by more than 2 std"
    assert min(drops(NOISE, m, 0)) > 0, f"{m}: every seed should lose accuracy at 0 dB SNR"
    assert min(drops(RATE, m, 4000)) > 0, f"{m}: every seed should lose accuracy at a 4 kHz band limit"
# The raw waveform does not buy pitch invariance: the Wav2Vec2 loses more than the CNN at +4 st, beyond the spread.
assert seeds.z_score(drops(PITCH, "Wav2Vec2", 4), drops(PITCH, "CNN", 4)) > 2

# %%
record_result(
    "07_augmentation_pitfalls",
    baseline_accuracy=round(mean["none"]["clean"], 4),
    vertical_roll_pitch_pair_drop=round(mean["none"]["pitch pairs"] - mean["vertical_roll"]["pitch pairs"], 4),
    time_reverse_order_pair_accuracy=round(mean["time_reverse"]["order pairs"], 4),
    noise_aug_gain_at_0db=round(mean["noise"]["noisy (0 dB pink)"] - mean["none"]["noisy (0 dB pink)"], 4),
    cnn_drop_at_0db=round(seeds.mean_std(drops(NOISE, "CNN", 0))[0], 4),  # means over seeds
    wav2vec2_drop_at_0db=round(seeds.mean_std(drops(NOISE, "Wav2Vec2", 0))[0], 4),
    seconds=round(time.perf_counter() - start, 1),
)

# %% [markdown]
# ## Summary
#
# - Augmentation is an experiment: same model, data and budget, several seeds, and a difference counts only
#   when it clears the seed-to-seed spread.
# - Image habits mislead on spectrograms: time reversal erases the difference between order-paired classes;
#   vertical shifts blur pitch-paired ones. What is harmless depends on what the labels mean.
# - Audio-aware augmentation buys the robustness it trains for: noise augmentation rescues accuracy at 0 dB SNR.
# - `course_utils.augment` has the waveform transforms (`add_noise`, `gain`, `time_shift`, `pitch_shift`,
#   `time_stretch`, `band_limit`, `reverb`), SpecAugment masks with AST's sizes, `mixup`, the image-style
#   ones, and `time_shift_with_labels` for frame labels; `Augment`/`Compose`/`RandomApply` plug them into `fit`.
# - Robustness to noise, pitch and sample rate is not a gift of the raw waveform: over seeds, the tiny from-scratch
#   Wav2Vec2 is no more noise-robust than the CNN beyond the spread, and loses more under pitch shift. A ranking
#   read from one seed can flip with the seed or the stack; the claim belongs to large pretrained encoders.
#
# **Next:** `08_choosing_a_model.ipynb` rebuilds the seed's decision table from measurements on the same data.
