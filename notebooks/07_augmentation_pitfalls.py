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
# - Learn what **label-preserving** means: an augmentation is safe when the label does not depend on what it changes.
#   See it both ways round: a vertical shift breaks classes that differ in pitch, and is harmless on instrument
#   families, where pitch is a nuisance; a time reversal breaks classes that differ in order, a time shift does not.
# - Find out why noise augmentation, the textbook recipe, hurts a CNN on clean real recordings, and what to do instead.
# - Test the claim that a raw-waveform model is robust to noise, pitch shift and low sample rates over several seeds,
#   and see why tiny models trained from scratch cannot settle it.

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
from course_utils.baseline import baseline_accuracy
from course_utils.compare import OPTIMIZER_SETTINGS, build_classifier, load_clip_data
from course_utils.data import CLIP_CLASSES, ORDER_PAIRS, PITCH_PAIRS, clip_tensors, load_data, make_clip_dataset
from course_utils.env import get_device, online, seed_everything
from course_utils.features import log_mel_spectrogram
from course_utils.metrics import accuracy
from course_utils.models.cnn import SpectrogramCNN
from course_utils.notebook import record_result
from course_utils.train import evaluate, fit

seed_everything(0)
device = get_device()
FULL = False  # True: more clips, epochs, seeds and augmentations (about 10x longer)
if device.type == "cpu":
    # One thread: the numbers quoted in the text were measured this way (the thread count can change the
    # last digits of float sums), and a shared CPU stays usable. On your own idle machine, delete this
    # line to train faster (notebook 06's model: 1.6x faster with 2 threads; BENCHMARKS.md).
    torch.set_num_threads(1)
SR = 16000
N_PER_CLASS, EPOCHS, SEEDS = (100, 20, 5) if FULL else (40, 10, 3)
start = time.perf_counter()
section_seconds = {}  # wall time of each experiment, printed at the end

# %% [markdown]
# ## Two data sets, two meanings of pitch
#
# Whether an augmentation is safe depends on what the labels mean, so this notebook uses two data sets
# on purpose:
#
# - **The course's generated clips**, where pitch and order *are* the label. `horn_low`/`horn_high`
#   differ **only in pitch** (an octave), `chirp_up`/`chirp_down` and `ding_dong`/`dong_ding` differ
#   **only in time order** (one is the other played backwards). We train on the training split and, since
#   nothing is tuned on them, test on validation + test together.
# - **Real notes of instruments** (`DATA`, by default `"instruments"`: 11 instrument families rendered from
#   a free General MIDI soundfont, split by instrument so that the test instruments are never heard in
#   training). The label is the family (keyboard, brass, reed, ...); every family plays the same range of
#   pitches, so here pitch is a **nuisance**: the converse of the pitch pairs. This part keeps the
#   validation split for picking the best epoch, as `course_utils.compare.over_seeds` does, and puts the
#   course's baseline beside it: a linear model on the time-averaged log-mel spectrum.
#
# `DATA` can be any of the sets `load_data` knows (`"voices"`, `"folder:<path>"` for your own sounds, or the
# hub sets with `ONLINE = True`); the checks on measured numbers below are for the default.

# %%
DATA = "instruments"  # "synthetic" | "instruments" | "voices" | "esc50" | "speech_commands" | "folder:<path>"
ONLINE = None         # None: $COURSE_ONLINE decides; True lets the hub sets download
print(f"DATA = {DATA!r}, online: {online(ONLINE)}")

# %%
ds = make_clip_dataset(n_per_class=N_PER_CLASS, seed=0)
train_x, _, train_y = clip_tensors(ds["train"], num_samples=16000)  # every split padded to 1 s
val, test = clip_tensors(ds["validation"], num_samples=16000), clip_tensors(ds["test"], num_samples=16000)
test_x, test_y = torch.cat([val[0], test[0]]), torch.cat([val[2], test[2]])
pitch_ids = torch.tensor([CLIP_CLASSES.index(c) for pair in PITCH_PAIRS for c in pair])
order_ids = torch.tensor([CLIP_CLASSES.index(c) for pair in ORDER_PAIRS for c in pair])
print(f"generated clips: train {tuple(train_x.shape)}, test {tuple(test_x.shape)}; "
      f"pitch pairs {PITCH_PAIRS}, order pairs {ORDER_PAIRS}")

real = load_clip_data(dataset=load_data(DATA, online=ONLINE))  # waveforms (N, S), lengths, targets per split
BASELINE = baseline_accuracy(real.train, real.test, real.sample_rate, len(real.labels))
CHANCE = 1 / len(real.labels)
print(f"{DATA}: {len(real.labels)} classes {real.labels}")
print(f"  train / validation / test = {len(real.train[2])} / {len(real.validation[2])} / {len(real.test[2])} clips "
      f"of {real.train[0].shape[1] / real.sample_rate:.1f} s")
print(f"  baseline (time-averaged log-mel + linear) {BASELINE:.3f}, chance {CHANCE:.3f}")

# %% [markdown]
# ## What each augmentation does to a spectrogram
#
# One `horn_low` clip through the transforms of `course_utils.augment`. Three ways to move the picture
# down by 8 mel bins differ in what fills the rows left empty at the top:
#
# - `mode="roll"` (the default) wraps the bottom rows round to the top: the horn's fundamental reappears
#   as a high band, a **wrap artefact** that no instrument played;
# - `mode="zero"` fills them with zeros. In a power spectrogram 0 is silence, but this is a **log**-mel in
#   decibels, where 0 dB is just a level, and a loud one for these clips: zero fill paints a bright band;
# - `mode="silence"` fills them with the clip's own floor (its quietest value): silence in either scale.
#   This is the one to use on a log spectrogram, and the one this notebook trains with.
#
# Look also at the harmonics: a vertical move keeps them as many mel bins apart as before (below ~1 kHz
# the mel scale is nearly linear), while a real pitch shift spreads them apart.

# %%
clip = train_x[train_y == CLIP_CLASSES.index("horn_low")][0]
g = torch.Generator().manual_seed(0)
spec = log_mel_spectrogram(clip, n_mels=64)  # (64, frames), in dB
views = {
    "original": spec,
    "vertical_roll -8, roll": A.vertical_roll(spec, -8),
    "vertical_roll -8, zero": A.vertical_roll(spec, -8, mode="zero"),
    "vertical_roll -8, silence": A.vertical_roll(spec, -8, mode="silence"),
    "vertical_flip": A.vertical_flip(spec),
    "time_shift +0.3 s": log_mel_spectrogram(A.time_shift(clip, int(0.3 * SR)), n_mels=64),
    "time_reverse": A.time_reverse(spec),
    "freq_mask (mean)": A.freq_mask(spec, 16, mask_value="mean", generator=g),
    "time_mask (mean)": A.time_mask(spec, 20, mask_value="mean", generator=g),
    "pitch_shift +12 st": log_mel_spectrogram(A.pitch_shift(clip, SR, 12.0), n_mels=64),
    "noise 5 dB": log_mel_spectrogram(A.add_noise(clip, 5.0, "pink", generator=g), n_mels=64),
    "band_limit 4 kHz": log_mel_spectrogram(A.band_limit(clip, SR, 4000), n_mels=64),
}
print(f"this clip's log-mel: floor {spec.min():.0f} dB, median {spec.median():.0f} dB, peak {spec.max():.0f} dB; "
      f"zero fill writes 0 dB")
fig, axes = plt.subplots(3, 4, figsize=(12, 7), sharex=True, sharey=True)
for ax, (name, s) in zip(axes.flat, views.items()):
    ax.imshow(s, origin="lower", aspect="auto", cmap="magma", vmin=spec.min(), vmax=max(spec.max(), 0.0))
    ax.set_title(name, fontsize=9)
fig.supxlabel("frame"), fig.supylabel("mel bin")
fig.tight_layout()
plt.show()
plt.close(fig)

# %% [markdown]
# ### Your turn: shift a log-mel with silence fill
#
# Write `shift_with_silence(spec, shift)`: move a log-mel `(n_mels, frames)` in dB up by `shift` mel bins
# (negative: down), as `A.vertical_roll(spec, shift, mode="silence")` does. Row `i` goes to row `i + shift`; what
# falls off one edge is dropped, and the rows left empty at the other edge get the clip's floor, its quietest
# value over the whole picture. Predict first: after a shift of -8, which rows hold the floor, the top 8 or the
# bottom 8? The check tries shifts up, down and zero, and names the usual mistakes (wrapping round, zero fill,
# the wrong axis, the wrong direction).

# %%
from course_utils.exercises import check


def shift_with_silence(spec: torch.Tensor, shift: int) -> torch.Tensor:
    ...  # your answer here


check("07.silence_shift", shift_with_silence)

# %% [markdown]
# Listen: a `chirp_up` clip, then the same clip reversed in time. To an image model "horizontal flip" is
# harmless; to your ears the second one is a `chirp_down`, a different class. Then one real note, and the same
# note moved by 4 semitones, band-limited as in the figure above (resampled to 4 kHz and back, so nothing above
# 2 kHz is left), and with white noise at 20 dB and at 5 dB signal-to-noise ratio (SNR): which of these changes
# would you say keeps the instrument?

# %%
from IPython.display import Audio, display

chirp = train_x[train_y == CLIP_CLASSES.index("chirp_up")][0]
display(Audio(chirp.numpy(), rate=SR), Audio(A.time_reverse(chirp).numpy(), rate=SR))
note = real.train[0][0]
g = torch.Generator().manual_seed(0)
print(f"a {real.labels[real.train[2][0]]} note: as played, +4 semitones, band-limited (4 kHz), "
      f"white noise at 20 dB, at 5 dB")
display(Audio(note.numpy(), rate=real.sample_rate),
        Audio(A.pitch_shift(note, real.sample_rate, 4.0).numpy(), rate=real.sample_rate),
        Audio(A.band_limit(note, real.sample_rate, 4000).numpy(), rate=real.sample_rate),
        Audio(A.add_noise(note, 20.0, generator=g).numpy(), rate=real.sample_rate),
        Audio(A.add_noise(note, 5.0, generator=g).numpy(), rate=real.sample_rate))

# %% [markdown]
# ## Pitch and order are the label: the generated pairs
#
# Same small CNN (`SpectrogramCNN`, 32 mel bins, frequency rows kept by the head), same data,
# same number of epochs, learning rate and batch size; only the augmentation changes. Waveform
# transforms go to `fit(augment=...)`; spectrogram transforms run inside the model, after its
# log-mel front-end, as an `A.SpectrogramAugment` layer that is active in training mode only.
#
# The candidates, each alone: the two image moves on the frequency axis (**vertical shift** by up to 8 of the
# 32 mel bins, with silence fill, and **vertical flip** of half the clips, as image pipelines flip), the two
# moves on the time axis (**time shift** by up to a tenth of a second either way, the image "horizontal shift",
# with silence shifted in; and **time reversal** of half the clips, the image "horizontal flip"), pink
# **noise**, and SpecAugment's two masks, each alone: a **frequency mask** of up to 8 of the 32 mel bins and a
# **time mask** of up to 10 frames (0.2 s), filled with the picture's mean.

# %%
AUGMENTATIONS = {
    "none": {},
    "vertical_roll": {"spec": (A.vertical_roll, dict(shift=(-8, 8), mode="silence"))},
    "vertical_flip": {"spec": (A.vertical_flip, {}), "p": 0.5},
    "time_shift": {"wave": lambda s: A.Augment(A.time_shift, shift=(-SR // 10, SR // 10), seed=s)},
    "time_reverse": {"wave": lambda s: A.RandomApply(A.Augment(A.time_reverse), p=0.5, seed=s)},
    "noise": {"wave": lambda s: A.Augment(A.add_noise, snr_db=(0, 20), color="pink", seed=s)},
    "freq_mask": {"spec": (A.freq_mask, dict(max_width=8, mask_value="mean"))},
    "time_mask": {"spec": (A.time_mask, dict(max_width=10, mask_value="mean"))},
}
if FULL:  # slower on a CPU: a resampling pass per batch
    AUGMENTATIONS["freq_crop"] = {"spec": (A.freq_crop, dict(min_keep=0.5))}
    AUGMENTATIONS["pitch_shift"] = {"wave": lambda s: A.Augment(A.pitch_shift, sample_rate=SR, semitones=(-2, 2),
                                                               step=1.0, seed=s)}
    AUGMENTATIONS["band_limit"] = {"wave": lambda s: A.Augment(A.band_limit, sample_rate=SR,
                                                              low_rate=[4000, 8000, 16000], seed=s)}


def with_spec_augment(model: nn.Module, recipe: dict, seed: int) -> nn.Module:
    """Put the recipe's spectrogram transform (if any) after the model's log-mel front-end.

    It acts on each training clip with probability recipe["p"] (default 1), and never in eval mode.
    """
    if "spec" in recipe:
        fn, params = recipe["spec"]
        layer = A.SpectrogramAugment(fn, seed=seed, p=recipe.get("p", 1.0), **params)
        model.features = nn.Sequential(model.features, layer)
    return model


def train_cnn(name: str, seed: int) -> SpectrogramCNN:
    recipe = AUGMENTATIONS[name]
    torch.manual_seed(seed)
    model = SpectrogramCNN(CLIP_CLASSES, config=dict(n_mels=32, hop_length=320, channels=(8, 16, 32), pooling="time"))
    model = with_spec_augment(model, recipe, seed)
    augment = recipe["wave"](seed) if "wave" in recipe else None
    fit(model, (train_x, train_y), epochs=EPOCHS, lr=3e-3, batch_size=32, augment=augment,
        seed=seed, device=device, progress=False)
    return model.eval()


# %% [markdown]
# Each model is scored on the clean test clips (and separately on the pitch-paired and the order-paired
# classes among them), and on three robustness test sets: the same clips with loud pink noise, moved by
# 2 semitones, or band-limited to 4 kHz.

# %%
g = torch.Generator().manual_seed(1)
TEST_SETS = {
    "clean": test_x,
    "noisy (0 dB pink)": A.add_noise(test_x, 0.0, "pink", generator=g),
    "pitch +-2 st": torch.cat([A.pitch_shift(test_x[0::2], SR, 2.0), A.pitch_shift(test_x[1::2], SR, -2.0)]),
    "band-limited (4 kHz)": A.band_limit(test_x, SR, 4000),
}
TEST_LABELS = {k: (torch.cat([test_y[0::2], test_y[1::2]]) if k.startswith("pitch") else test_y) for k in TEST_SETS}
COLUMNS = ["clean", "pitch pairs", "order pairs", "noisy (0 dB pink)", "pitch +-2 st", "band-limited (4 kHz)"]


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


# %%
t0 = time.perf_counter()
results, baseline_cnns = {}, []
for name in AUGMENTATIONS:
    for seed in range(SEEDS):
        model = train_cnn(name, seed)
        results.setdefault(name, []).append(scores(model))
        if name == "none":
            baseline_cnns.append(model)  # one per seed, reused for the robustness curves at the end
section_seconds["generated pairs"] = time.perf_counter() - t0


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
# What the table says, on this data (the lines above mark which differences clear the seed-to-seed spread):
#
# - **Time reversal** (the image "horizontal flip") is the worst for the order pairs: they fall to about
#   chance (two classes, 50 %), because every training clip of `chirp_up` is, half the time, a
#   `chirp_down`. Pitch pairs are untouched: reversing time keeps every frequency.
# - **Time shift** (the image "horizontal shift") keeps the order pairs: moving a whole clip by up to 0.1 s
#   changes *when* it starts, not the order of its parts, and these clip labels do not depend on when. A
#   shift does break a label that is tied to time: frame labels (notebook 06 moves them with
#   `time_shift_with_labels`), or a clip label such as "the bell rings in the first half".
# - **Vertical shift** lowers pitch-pair accuracy on average: moved up or down, the low and the high horn
#   overlap, and the model is taught that where the harmonics sit does not matter, which is the one thing
#   that tells these two classes apart. Look at its spread too, which is wide: how much a shift
#   costs depends on the seed, partly because on the mel scale a shift is not a pitch change (the harmonics
#   keep their spacing in mel bins, and a model may or may not learn to use that spacing instead). It costs
#   the other classes some accuracy too, on average.
# - **Vertical flip** does not swap the horns (a flipped `horn_low` is no `horn_high`: its harmonics hang down
#   from the top), but no sound looks like that, so the model spends its capacity on pictures it will never
#   be shown; whether the cost on clean clips clears the spread is in the line above.
# - **Noise** buys what it trains for: accuracy on the 0 dB noisy test set jumps, at no measurable cost on
#   clean clips. Keep that in mind for the real notes below.
# - **SpecAugment's masks, each alone** (a frequency mask, a time mask) hide a band or an instant and turn no
#   class into another, so they are label-preserving here; on these clips neither moves any column beyond the
#   spread (the lines above): no harm, and no measurable gain either. They were made for large models that
#   overfit long training runs (Park et al., 2019, SpecAugment); a small CNN trained for a few epochs on
#   generated clips has little to gain from them.
# - No augmentation here buys robustness to pitch shift or band limiting, because none of them trains for it:
#   `A.pitch_shift` and `A.band_limit` do (they run with `FULL = True`; a resampling pass per batch is slow on a CPU).
#
# The rule behind every line: **an augmentation is label-preserving when the label does not depend on what it
# changes.** Time order is the label of an order pair, so reversal breaks it; the start time is not, so a shift
# is safe. Pitch is the label of a pitch pair, so a vertical shift breaks it;
# and a transform that makes sounds no source can make (a flip) buys nothing even when it breaks no label.

# %%
# The headline effects, checked against the measured spread:
assert z_score("time_reverse", "order pairs") < -2 and mean["time_reverse"]["order pairs"] < 0.75
assert z_score("time_reverse", "pitch pairs") > -2  # pitch pairs do not care about time order
assert z_score("time_shift", "order pairs") > -2 and mean["time_shift"]["order pairs"] > 0.9  # a shift keeps order
# The vertical shift: lower on the pitch pairs on average (its spread is too wide for |z| > 2 with three seeds).
assert mean["vertical_roll"]["pitch pairs"] < mean["none"]["pitch pairs"] - 0.1
assert min(per_seed("vertical_flip", "clean")) > 0.5  # half the clips flipped: the model still learns the task
assert z_score("noise", "noisy (0 dB pink)") > 2 and mean["noise"]["noisy (0 dB pink)"] > 0.85
assert abs(z_score("noise", "clean")) < 2  # noise augmentation costs nothing measurable on clean clips

# %% [markdown]
# ## Pitch is a nuisance: instrument families
#
# Now the converse. On the real notes the label is the instrument family, and every family plays every
# pitch, so a vertical shift changes something the label does **not** depend on: it should be safe, and
# might even help, since it shows each training instrument at pitches it was never recorded at. Next to it, the
# horizontal shift, and the recipe that a first try on real recordings used: white noise at 5-30 dB SNR.
#
# The model is the course's CNN as `course_utils.compare` builds it (`build_classifier("cnn")`), trained
# with its own optimizer settings; validation picks the best epoch, and the test split scores it.
# To fit this notebook's time budget it trains 12 epochs and 3 seeds; `FULL = True` trains 20 epochs
# (as `compare.over_seeds` does) and 5 seeds, and adds gain, each SpecAugment mask alone, the vertical flip
# and a real pitch shift.

# %%
REAL_EPOCHS, REAL_SEEDS = (20, 5) if FULL else (12, 3)
WHITE_NOISE = dict(snr_db=(5, 30))  # the setting of the first try on real recordings
REAL_AUGMENTATIONS = {
    "none": {},
    # up to 4 of the 32 mel bins: near 440 Hz that is up to about an octave, higher up less
    "vertical_roll": {"spec": (A.vertical_roll, dict(shift=(-4, 4), mode="silence"))},
    "time_shift": {"wave": lambda s: A.Augment(A.time_shift, shift=(-SR // 10, SR // 10), seed=s)},
    "noise": {"wave": lambda s: A.Augment(A.add_noise, **WHITE_NOISE, seed=s)},
}
if FULL:
    frames = real.train[0].shape[1] // 320 + 1  # the CNN's frames: hop 320
    freq_width, time_width = A.ast_mask_widths(32, frames)  # AST's proportions for 32 mel bins
    REAL_AUGMENTATIONS |= {
        "noise, half the clips": {"wave": lambda s: A.RandomApply(A.Augment(A.add_noise, **WHITE_NOISE, seed=s),
                                                                  p=0.5, seed=s + 1)},
        "gain": {"wave": lambda s: A.Augment(A.gain, gain_db=(-6, 6), seed=s)},
        "freq_mask": {"spec": (A.freq_mask, dict(max_width=freq_width, mask_value="mean"))},
        "time_mask": {"spec": (A.time_mask, dict(max_width=time_width, mask_value="mean"))},
        "vertical_flip": {"spec": (A.vertical_flip, {}), "p": 0.5},
        "pitch_shift": {"wave": lambda s: A.Augment(A.pitch_shift, sample_rate=SR, semitones=(-4, 4), step=1.0,
                                                    seed=s)},
    }


def train_real_cnn(name: str, seed: int) -> nn.Module:
    """The course CNN on the real set with one augmentation recipe: best validation epoch, as over_seeds trains."""
    recipe = REAL_AUGMENTATIONS[name]
    model = build_classifier("cnn", real.labels, sample_rate=real.sample_rate, num_samples=real.train[0].shape[1],
                             seed=seed)
    model = with_spec_augment(model, recipe, seed)
    augment = recipe["wave"](seed) if "wave" in recipe else None
    fit(model, real.train, real.validation, epochs=REAL_EPOCHS, batch_size=32, augment=augment, seed=seed,
        device=device, progress=False, **OPTIMIZER_SETTINGS["cnn"])
    return model.eval()


# %%
t0 = time.perf_counter()
real_models, real_acc = {}, {}
for name in REAL_AUGMENTATIONS:
    for seed in range(REAL_SEEDS):
        real_models[name, seed] = train_real_cnn(name, seed)
        real_acc.setdefault(name, []).append(evaluate(real_models[name, seed], real.test, device=device)["accuracy"])
section_seconds["real notes"] = time.perf_counter() - t0

print(f"DATA = {DATA!r}, CNN, {REAL_EPOCHS} epochs, {REAL_SEEDS} seeds, {len(real.test[2])} test clips")
print(f"| augmentation | test accuracy | z vs none | z vs baseline |")
print("|---|---|---|---|")
for name, acc in real_acc.items():
    vs_none = "" if name == "none" else f"{seeds.z_score(acc, real_acc['none']):+.1f}"
    print(f"| {name} | {seeds.show(acc)} | {vs_none} | {seeds.z_against(acc, BASELINE):+.1f} |")
print(f"| time-averaged log-mel + linear (baseline) | {BASELINE:.3f} (no seed) | | |")
print(f"| chance | {CHANCE:.3f} | | |")

# %% [markdown]
# What the table says, for the default `instruments` (z vs none: the gap to no augmentation in units of the
# combined spread; z vs baseline: how many of the recipe's own standard deviations it lies above the baseline):
#
# - **Vertical shift, the converse:** on the pitch pairs it broke the label; here it does not hurt. With 66 test
#   notes from 11 unseen instruments the seed spread is wide, and the gap to no augmentation stays within it,
#   here and in the longer runs made while writing this notebook: a vertical shift is *safe* on instrument
#   families, and may help, but three seeds cannot promise that it does.
# - **Time shift:** harmless here too (within the spread): a note that starts a little later is the same
#   instrument.
# - **White noise at 5-30 dB SNR** is the one that hurts, by more than the spread, and falls toward the
#   baseline. On the generated clips the same idea cost nothing. Why?

# %%
if DATA == "instruments":  # what our runs support; other sets: read the table
    assert seeds.z_score(real_acc["vertical_roll"], real_acc["none"]) > -2  # pitch is a nuisance: the shift is safe
    assert seeds.z_score(real_acc["time_shift"], real_acc["none"]) > -2  # and so is a small time shift
    assert seeds.z_score(real_acc["noise"], real_acc["none"]) < -2  # white noise at 5-30 dB hurts, beyond the spread

# %% [markdown]
# ## Why noise hurt on the real notes
#
# A held-back measurement on real recordings (issue 15 of this course's tracker) found that `add_noise`
# (5-30 dB), `gain` (±6 dB) and `time_shift` (±0.1 s) together cost the CNN and the AST a large part of their
# accuracy. The table above points at the noise, not at the gain or the shift. Four suspects, one at a time.
#
# **1. A bug: is the SNR what we asked for?** `add_noise` measures the signal's power over the whole clip and
# scales unit-power noise to it; the achieved SNR, measured back:

# %%
x_real = real.train[0]  # (N, S) waveforms of the real training notes
g = torch.Generator().manual_seed(0)
noise_20 = A.add_noise(x_real, 20.0, generator=g) - x_real  # the noise alone, asked for at 20 dB
achieved = 10 * torch.log10(x_real.pow(2).mean(-1) / noise_20.pow(2).mean(-1))
print(f"asked for 20 dB, achieved {achieved.min():.2f} to {achieved.max():.2f} dB over {len(achieved)} notes")
assert (achieved - 20).abs().max() < 0.1

# %% [markdown]
# ### Your turn: mix a noise recording in at a given SNR
#
# `add_noise` makes its own noise. Often you have a noise of your own, a recording of rain or of a room, at
# whatever level it was recorded. Write `mix_at_snr(signal, noise, snr_db)`: waveforms `(batch, samples)` and a
# noise of the same shape in, `signal + noise` out, with each example's noise scaled so that its SNR over the whole
# clip is `snr_db`, the definition `add_noise` uses (powers are mean squares over the samples). Predict first: to
# go from 20 dB to 10 dB, by what factor does the noise's amplitude grow? The check gives noise at other levels
# than one, and examples of very different loudness.

# %%
def mix_at_snr(signal: torch.Tensor, noise: torch.Tensor, snr_db: float) -> torch.Tensor:
    ...  # your answer here


check("07.mix_at_snr", mix_at_snr)

# %% [markdown]
# **2. Is the SNR measured over silence?** `add_noise` takes the signal's power over the whole clip, silence
# included. A note decays, and a clip can end in silence; if the clips were mostly silence, their average
# power would be far below the power while the note sounds, and "20 dB" would mean a different thing for
# every clip. How big is that gap here? The power of the 20 ms frames within 40 dB of the clip's loudest
# frame, against the clip's average:

# %%
frame_power = x_real.unfold(-1, 320, 320).pow(2).mean(-1)  # (N, frames): power per 20 ms frame
active = frame_power >= frame_power.amax(-1, keepdim=True) * 1e-4  # within 40 dB of the loudest frame
active_power = (frame_power * active).sum(-1) / active.sum(-1)
gap_db = 10 * torch.log10(active_power / frame_power.mean(-1))
print(f"sounding part louder than the clip average by {gap_db.median():.1f} dB (median), "
      f"{gap_db.max():.1f} dB at most; the note sounds in {active.float().mean():.0%} of the frames")

# %% [markdown]
# Not here: the notes fill most of their clips, so the clip's SNR and the sounding part's SNR differ by about
# a decibel. (For a short sound in a long clip, a dog bark in 5 s of ESC-50, the gap can be 10 dB or more;
# there an SNR measured over the sound is the fairer setting.)
#
# **3. Where does the noise land?** One number for the clip hides *where* the noise is louder than the note.
# `A.band_snr` measures the SNR in each mel band of the CNN's front-end: a note keeps most of its power in its
# fundamental and first harmonics, while white noise spreads its power evenly over the hertz, so most of it
# lands in the wide upper mel bands. There sit an instrument's quiet upper harmonics and the noise of its
# attack, which is much of what tells a trumpet from a clarinet.

# %%
band = A.band_snr(x_real, noise_20, real.sample_rate)  # (N, 32): SNR per note and mel band, at 20 dB over the clip
median_band = band.median(dim=0).values
print("white noise at 20 dB over the clip; the SNR in each of the 32 mel bands (median over the notes), low to high:")
print("  " + " ".join(f"{v:.0f}" for v in median_band.tolist()))
buried = int((median_band < 0).sum())
print(f"in {buried} of 32 bands the noise is louder than the note")
assert median_band[-8:].max() < 0 < median_band.max()  # the top bands are buried, some low band is not

# %% [markdown]
# **4. What does the CNN see?** Its input is the log-mel in decibels. A clean rendered note has near-silent
# cells (upper bands, the release) far below its peak; quiet noise fills those cells and lifts them by many
# decibels. The log turns a quiet change in the sound into a large change in the picture, largest in the upper
# bands, where suspect 3 found the noise louder than the note.

# %%
front_end = real_models["none", 0].features  # the CNN's log-mel layer (no weights): (N, S) -> (N, 32, frames), dB
g = torch.Generator().manual_seed(0)
noisy_30 = A.add_noise(x_real, 30.0, generator=g)
clean_db, noisy_db = front_end(x_real), front_end(noisy_30)
lift = (noisy_db - clean_db).mean(-1).median(dim=0).values  # (32,): median over notes of the mean lift per band
print("white noise at 30 dB SNR lifts each mel band of the CNN's input by (dB, median over notes), low to high:")
print("  " + " ".join(f"{v:.0f}" for v in lift.tolist()))
fig, axes = plt.subplots(1, 3, figsize=(12, 3), sharey=True)
scale = dict(vmin=clean_db[0].min(), vmax=clean_db[0].max())  # the two pictures on one colour scale
for ax, (title, s, kw) in zip(axes, [("clean note (dB)", clean_db[0], scale),
                                     ("+ white noise at 30 dB SNR (dB)", noisy_db[0], scale),
                                     ("difference (dB)", noisy_db[0] - clean_db[0], {})]):
    im = ax.imshow(s, origin="lower", aspect="auto", cmap="magma", **kw)
    ax.set_title(title, fontsize=9)
    ax.set_xlabel("frame")
    fig.colorbar(im, ax=ax)
axes[0].set_ylabel("mel bin")
fig.tight_layout()
plt.show()
plt.close(fig)
assert lift[-3:].min() > 10  # quiet noise moves the top bands of the picture by more than 10 dB

# %% [markdown]
# The test that separates what is left: score the CNNs trained with and without noise on the clean test notes
# **and** on the same notes with the same kind of noise (5-30 dB, white). If the trouble were only a mismatch
# between noisy training and clean testing, the noise-trained model would do well on noisy notes, where train
# and test match; if the noise buries what the label depends on, it does badly on both.

# %%
g = torch.Generator().manual_seed(3)
noisy_test = (A.add_noise(real.test[0], WHITE_NOISE["snr_db"], generator=g), real.test[1], real.test[2])
cross = {(trained, tested): [evaluate(real_models[trained, s], part, device=device)["accuracy"]
                             for s in range(REAL_SEEDS)]
         for trained in ("none", "noise") for tested, part in (("clean", real.test), ("noisy", noisy_test))}
print(f"{'trained on':<12} {'tested on clean notes':>22} {'tested on noisy notes':>22}")
for trained, label in (("none", "clean notes"), ("noise", "noisy notes")):
    print(f"{label:<12} {seeds.show(cross[trained, 'clean']):>22} {seeds.show(cross[trained, 'noisy']):>22}")

# %% [markdown]
# Read the table by rows:
#
# - **Trained on clean notes**, the CNN collapses on noisy ones: the picture it learned has changed (suspect 4).
#   That is the robustness that noise augmentation is meant to buy.
# - **Trained on noisy notes**, it is poor on clean *and* on noisy notes, and even in the matched case (noisy
#   training, noisy test) it stays far below the clean model on clean notes. So the trouble is not only a
#   mismatch: at these SNRs the noise buries much of what the label depends on (the upper bands of suspect 3),
#   and a model that only ever hears the buried version learns less about the families.
#
# The cause, then: **for instrument families, white noise at 5-30 dB SNR is not label-preserving.** It is not a
# bug (suspect 1) and not the SNR's definition (suspect 2); it is what the noise does to the bands that carry the
# label, made large by the log. The same noise is harmless for a label that lives in loud, low bands. A time
# shift was not the problem (the table above); gain moves the whole picture up or down by a few dB, far less than
# noise moves its quiet cells (`FULL = True` trains it too, and notebook 09 measures it).
#
# And why did noise cost nothing on the generated clips? Their labels sit in loud tonal patterns, and the
# generator already mixes background noise into every clip, at 10-30 dB: the extra 0-20 dB of pink noise buries
# little that the labels depend on, and the test clips have no clean floor to be surprised by.
#
# **What to do instead is a choice, not a patch.** If the test audio will be noisy, add noise at the SNRs and in
# the colour it will have, and keep clean clips in training too (`A.RandomApply(..., p=0.5)`; `FULL = True`
# trains that recipe beside the others). If the test audio is as clean as the training audio, as here, do not
# add noise.

# %%
z_matched = seeds.z_score(cross["noise", "noisy"], cross["none", "clean"])
print(f"noisy training on noisy notes vs clean training on clean notes: z = {z_matched:+.1f}")
if DATA == "instruments":
    assert seeds.z_score(cross["none", "noisy"], cross["none", "clean"]) < -2  # the clean model, on noisy notes
    assert z_matched < -2  # matched but noisy: below the clean model, beyond the spread

# %% [markdown]
# ## The recipe for the CNN on real notes
#
# Put together: keep the training that works (validation picks the best epoch), use only augmentations the label
# does not depend on, and add no noise the test audio does not have. On these clean notes that recipe is the
# **plain CNN**, with the vertical shift (silence fill) and a small time shift as safe options: in the table they
# cost nothing beyond the spread, and they are not shown to help either. The check the course asks of every
# recipe: does it beat the baseline by more than its own seed spread?

# %%
RECIPE = "none"  # recommended: best validation epoch, no noise; the label-preserving shifts are optional
for name, acc in real_acc.items():
    z = seeds.z_against(acc, BASELINE)
    verdict = "beats the baseline by more than its spread" if z > 2 else "does NOT beat the baseline by more than its spread"
    print(f"{name + (' (recommended)' if name == RECIPE else ''):>24}: {seeds.show(acc)}, z vs baseline {z:+.1f}: {verdict}")
z_recipe = seeds.z_against(real_acc[RECIPE], BASELINE)
if DATA == "instruments":
    assert z_recipe > 2, (real_acc[RECIPE], BASELINE)
    for name in ("vertical_roll", "time_shift"):  # the safe options: above the baseline on average, in every seed above chance
        assert seeds.mean_std(real_acc[name])[0] > BASELINE and min(real_acc[name]) > CHANCE, (name, real_acc[name])

# %% [markdown]
# Said plainly: the recommended recipe beats the average spectrum by more than its spread, and the noise recipe
# does not. The label-preserving options sit above the baseline on average too, with a wider spread (read their z
# above). None of the augmentations tried here helps the CNN on these 66 test notes by more than the spread: to
# show that one does would take more seeds or a bigger test set. What the real notes do show is the lesson of
# this notebook from the other side: the vertical shift that broke the pitch pairs is safe here, because here
# the label does not depend on pitch.
#
# ## The robustness claim: CNN vs AST vs Wav2Vec2
#
# The claim: a raw-waveform encoder like Wav2Vec2 is robust to noise, pitch shift and a low
# sample rate. We train the tiny AST (notebook 04) and the tiny Wav2Vec2 classifier (notebook 05)
# briefly on the generated clips, without augmentation, once per seed, and sweep each nuisance on the test
# set, next to the un-augmented CNNs from the first table (one per seed). One seed is one draw: a ranking read
# from a single run can flip with the seed, or on another software stack, so every point below is a
# mean ± std over the seeds, and a comparison counts only when it clears the spread. (The tiny Wav2Vec2 learns
# little from the few hundred real notes, so the sweep runs on the generated clips, where all three learn.)

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
SNRS = [30, 20, 10, 5, 0, -5] if FULL else [30, 10, 0]
SEMITONES = [-4, -2, -1, 0, 1, 2, 4] if FULL else [-4, -2, 0, 2, 4]
RATES = [16000, 11025, 8000, 6000, 4000] if FULL else [16000, 8000, 4000]
sweeps = {
    NOISE: (SNRS, {v: A.add_noise(test_x, float(v), "pink", generator=g) for v in SNRS}),
    PITCH: (SEMITONES, {v: A.pitch_shift(test_x, SR, float(v)) for v in SEMITONES}),
    RATE: (RATES, {v: A.band_limit(test_x, SR, v) for v in RATES}),
}

# %%
t0 = time.perf_counter()
MODELS = ["CNN", "AST", "Wav2Vec2"]
curves = {axis: {m: [] for m in MODELS} for axis in sweeps}  # curves[axis][model][seed][i]: accuracy at values[i]
for seed in range(SEEDS):
    models = {"CNN": baseline_cnns[seed], "AST": train_ast(seed), "Wav2Vec2": train_wav2vec2(seed)}
    for axis, (values, inputs) in sweeps.items():
        for m, model in models.items():
            curves[axis][m].append([test_accuracy(model, inputs[v]) for v in values])
del models
section_seconds["robustness"] = time.perf_counter() - t0


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
#   Between the models, read the two noise blocks: a gap counts only where the line says it clears the spread,
#   and the spread is wide (compare the brackets of the un-augmented CNN). Which model looks most robust to
#   noise can depend on the seed you happen to read, and on the software stack, since the AST and the Wav2Vec2
#   start from different random weights under different `transformers` versions. A one-seed version of this
#   notebook concluded that the tiny Wav2Vec2 is the most noise-robust; over seeds that does not hold up.
# - **Pitch shift**: no model is pitch-invariant: every model's mean loss at +4 semitones exceeds 0.05 by more
#   than 2 std. The Wav2Vec2 loses more than the CNN, beyond the spread. A raw-waveform front-end does not make
#   a model ignore pitch.
# - **Sample rate**: every model loses accuracy at a 4 kHz band limit, in every seed; none is immune. Whether
#   the gaps between the models clear the spread is in the last block; three seeds do not settle an ordering
#   on every stack, so the notebook claims none here.
#
# The claim in the source is about **large pretrained encoders**: wav2vec2-base and XLS-R learned their
# features by self-supervised pretraining on thousands of hours of varied speech, with different voices,
# microphones, rooms and channels, and that variety is where their robustness comes from. Our tiny
# encoder has 0.1 M parameters and has heard 280 one-second clips; it cannot test that claim either way.
# What it does show: robustness is not a property of the input representation alone, and where you need
# it, the reliable way to get it is to train for it (the noise row of the first table) or to start from an
# encoder pretrained on audio that already varies that way.

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
total = time.perf_counter() - start
print("wall time per experiment: " + ", ".join(f"{k} {v:.0f} s" for k, v in section_seconds.items())
      + f"; whole notebook {total:.0f} s")
record_result(
    "07_augmentation_pitfalls",
    baseline_accuracy=round(mean["none"]["clean"], 4),
    vertical_roll_pitch_pair_drop=round(mean["none"]["pitch pairs"] - mean["vertical_roll"]["pitch pairs"], 4),
    vertical_flip_pitch_pair_drop=round(mean["none"]["pitch pairs"] - mean["vertical_flip"]["pitch pairs"], 4),
    time_reverse_order_pair_accuracy=round(mean["time_reverse"]["order pairs"], 4),
    time_shift_order_pair_accuracy=round(mean["time_shift"]["order pairs"], 4),
    noise_aug_gain_at_0db=round(mean["noise"]["noisy (0 dB pink)"] - mean["none"]["noisy (0 dB pink)"], 4),
    real_data=DATA,
    real_linear_baseline=round(BASELINE, 4),
    **{f"real_cnn_{name.replace(' ', '_').replace(',', '')}": round(seeds.mean_std(acc)[0], 4)
       for name, acc in real_acc.items()},
    real_recipe=RECIPE,
    real_recipe_z_vs_baseline=round(z_recipe, 2),
    real_noise_z_vs_none=round(seeds.z_score(real_acc["noise"], real_acc["none"]), 2),
    cnn_drop_at_0db=round(seeds.mean_std(drops(NOISE, "CNN", 0))[0], 4),  # means over seeds
    wav2vec2_drop_at_0db=round(seeds.mean_std(drops(NOISE, "Wav2Vec2", 0))[0], 4),
    seconds=round(total, 1),
)

# %% [markdown]
# ## Self-check
#
# Answer each question for yourself before you open its answer.
#
# 1. When is an augmentation label-preserving?
# <details><summary>Answer</summary>When the label does not depend on what it changes. A vertical shift changes pitch: harmless for instrument families (pitch is a nuisance there), fatal for `horn_low` vs `horn_high` (pitch is the label).</details>
#
# 2. Time shift vs time reversal on the order pairs (`ding_dong` vs `dong_ding`): which keeps the label?
# <details><summary>Answer</summary>The time shift: the notes keep their order. Reversal turns `ding_dong` into `dong_ding`, the other class.</details>
#
# 3. Why did white noise at moderate SNR hurt a CNN on real instrument notes?
# <details><summary>Answer</summary>The SNR is over the whole clip, but white noise spreads its power evenly over frequency, and the quiet upper harmonics that tell families apart lie below it: on a dB spectrogram the top bands become noise. On these labels, noise is not label-preserving.</details>
#
# 4. Why fill with the clip's floor, not zeros, when shifting or masking a dB spectrogram?
# <details><summary>Answer</summary>0 dB is loud on a log scale (above the median level of a clip), so a zero fill paints a bright band that was never in any recording.</details>

# %% [markdown]
# ## Summary
#
# - Augmentation is an experiment: same model, data and budget, several seeds, and a difference counts only
#   when it clears the seed-to-seed spread.
# - **Label-preserving** is the test: an augmentation is safe when the label does not depend on what it changes.
#   On the pitch pairs a vertical shift blurs the label, and time reversal erases the order pairs, while a time
#   shift keeps them. On instrument families, where pitch is a nuisance, the same vertical shift is harmless. A
#   vertical flip breaks no label here, but makes pictures no sound makes.
# - On a log spectrogram, fill what a shift leaves empty with silence (`vertical_roll(..., mode="silence")`), not
#   with zeros (a loud band in decibels) or by wrapping (an artefact); masks likewise take `mask_value="mean"`.
# - Noise augmentation buys the robustness it trains for (the generated clips), but on clean real notes white noise
#   at 5-30 dB hurt the CNN beyond the spread. Not a bug and not the SNR over silence: the noise buries the quiet
#   upper bands that carry timbre (`A.band_snr`), the log-mel turns it into a large change in the picture, and a
#   model trained only on noisy clips never sees the clean floor of the test set. Add noise at the SNRs and colour
#   your test audio has, and keep clean clips in training.
# - The recipe for the CNN on clean real notes: the best validation epoch, no noise, and label-preserving shifts
#   as safe options. It beats the time-averaged log-mel baseline by more than its seed spread; no augmentation
#   tried here is shown to help it beyond the spread.
# - `course_utils.augment` has the waveform transforms (`add_noise`, `gain`, `time_shift`, `pitch_shift`,
#   `time_stretch`, `band_limit`, `reverb`), SpecAugment masks with AST's sizes, `mixup`, the image-style
#   ones, `band_snr`, and `time_shift_with_labels` for frame labels; `Augment`/`Compose`/`RandomApply` plug them into `fit`.
# - Robustness to noise, pitch and sample rate is not a gift of the raw waveform: over seeds, the tiny from-scratch
#   Wav2Vec2 loses more under pitch shift than the CNN, and the noise ranking stays within the spread. The claim
#   belongs to large pretrained encoders.
#
# **Next:** `08_choosing_a_model.ipynb` rebuilds the seed's decision table from measurements on the same data.
