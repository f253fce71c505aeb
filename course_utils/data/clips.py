"""The course's clip set: ten kinds of sound, one label per clip.

Each class is a recipe (a short function of a random generator) built from
the DSP in `synth.py`. The classes are chosen so that every lesson has an
effect to measure:

    horn_low  / horn_high    the same horn an octave apart: they differ ONLY in pitch,
                             so shifting a spectrogram up or down can swap the label
    chirp_up  / chirp_down   a sweep and the same sweep played backwards
    ding_dong / dong_ding    a doorbell and the same doorbell played backwards:
                             each pair differs ONLY in time order, so its average
                             spectrum is identical by construction
    vowel_a   / vowel_i      the same voice saying different vowels: timbre (formants)
    wind, rain               noise-like: no pitch, just shaped noise

On top of the sound itself every clip gets the nuisance variation a real
recording has: random duration, onset, loudness, a coloured-noise background
at a random SNR, sometimes a small room (reverb), and its own length (0.4 to
1.0 s), so padding and masks matter.
"""

from __future__ import annotations

import numpy as np
from datasets import ClassLabel, DatasetDict, Value

from ..audio import check_sample_rate
from . import synth
from .tables import build_dataset

__all__ = ["GENERATOR_VERSION", "CLIP_SECONDS", "MIN_CLIP_SECONDS", "MIN_SAMPLE_RATE", "SPLITS", "SPLIT_FRACTIONS",
           "CLIP_CLASSES", "PITCH_PAIRS", "ORDER_PAIRS", "CLIP_DESCRIPTIONS", "check_clip_args",
           "check_generator_rate", "horn", "chirp", "bell", "ding_dong", "vowel", "VOWEL_A", "VOWEL_I", "wind",
           "rain", "RECIPES", "make_clip", "split_sizes", "make_clip_dataset"]

GENERATOR_VERSION = "1"  # bump when any recipe changes: cached folders are then rebuilt
CLIP_SECONDS = 1.0
MIN_CLIP_SECONDS = 0.4
MIN_SAMPLE_RATE = 8000
SPLITS = ("train", "validation", "test")
SPLIT_FRACTIONS = (0.7, 0.15, 0.15)

CLIP_CLASSES = ["horn_low", "horn_high", "chirp_up", "chirp_down", "ding_dong", "dong_ding",
                "vowel_a", "vowel_i", "wind", "rain"]
PITCH_PAIRS = [("horn_low", "horn_high")]
ORDER_PAIRS = [("chirp_up", "chirp_down"), ("ding_dong", "dong_ding")]
CLIP_DESCRIPTIONS = {
    "horn_low": "harmonic horn, f0 170-240 Hz",
    "horn_high": "the same horn an octave higher, f0 340-480 Hz",
    "chirp_up": "whistle sweeping up 300-600 Hz -> x3-x6",
    "chirp_down": "chirp_up played backwards",
    "ding_dong": "doorbell: a high bell, then one a major third lower",
    "dong_ding": "ding_dong played backwards",
    "vowel_a": "voice (f0 100-180 Hz) saying 'a': formants 730, 1090, 2440 Hz",
    "vowel_i": "the same voices saying 'i': formants 270, 2290, 3010 Hz",
    "wind": "low rumbling noise with gusts",
    "rain": "hiss with random high droplets",
}


def check_clip_args(n: int, name: str, minimum: int = 1) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise ValueError(f"{name} must be an int, got {n!r}")
    if n < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {n}")
    return int(n)


def check_generator_rate(sample_rate: int) -> int:
    sample_rate = check_sample_rate(sample_rate)
    if sample_rate < MIN_SAMPLE_RATE:
        raise ValueError(f"sample_rate must be at least {MIN_SAMPLE_RATE} Hz for the generated sounds "
                         f"(their formants reach 3.4 kHz), got {sample_rate}")
    return sample_rate


# ----------------------------------------------------------------------------
# Recipes: rng, sample_rate -> (dry event (samples,), pitch in Hz or 0.0)


def horn(rng: np.random.Generator, sample_rate: int, octave: int = 0) -> tuple[np.ndarray, float]:
    """A brass-like harmonic stack with vibrato; `octave=1` doubles every frequency."""
    n = int(rng.uniform(0.35, 0.8) * sample_rate)
    f0 = 170.0 * 2.0 ** rng.uniform(0.0, 0.5) * 2**octave
    t = np.arange(n) / sample_rate
    vibrato = 1.0 + rng.uniform(0.0, 0.006) * np.sin(synth.TWO_PI * rng.uniform(4, 6) * t + rng.uniform(0, 6.3))
    amps = np.arange(1, 21) ** -rng.uniform(1.0, 1.6)        # brightness varies, same for both octaves
    x = synth.harmonic_stack(f0 * vibrato, sample_rate, amps, phase0=rng.uniform(0, synth.TWO_PI))
    return x * synth.attack_release(n, sample_rate, rng.uniform(0.02, 0.06), rng.uniform(0.05, 0.15)), f0


def chirp(rng: np.random.Generator, sample_rate: int) -> tuple[np.ndarray, float]:
    """A whistle sweeping up by a factor 3-6 (1.5-2.5 octaves), symmetric fades."""
    n = int(rng.uniform(0.25, 0.6) * sample_rate)
    f_start = 300.0 * 2.0 ** rng.uniform(0.0, 1.0)
    f_end = f_start * 2.0 ** rng.uniform(1.5, 2.5)
    x = synth.harmonic_stack(synth.exp_chirp(f_start, f_end, n, sample_rate), sample_rate, np.array([1.0, 0.25]),
                             phase0=rng.uniform(0, synth.TWO_PI))
    return x * synth.attack_release(n, sample_rate, 0.02, 0.02), float(np.sqrt(f_start * f_end))


def bell(rng: np.random.Generator, sample_rate: int, freq: float, tau: float) -> np.ndarray:
    """One struck bell: partials 1, 2, 3 x freq, the higher ones dying faster."""
    n = synth.decay_length(tau, sample_rate, floor_db=30.0)
    t = np.arange(n) / sample_rate
    x = np.zeros(n)
    for k, amp in ((1, 1.0), (2, 0.35), (3, 0.15)):
        if k * freq < 0.45 * sample_rate:
            x += amp * np.sin(synth.TWO_PI * k * freq * t + rng.uniform(0, synth.TWO_PI)) * np.exp(-t * k / tau)
    return x * synth.attack_release(n, sample_rate, 0.002, 0.01)


def ding_dong(rng: np.random.Generator, sample_rate: int) -> tuple[np.ndarray, float]:
    """A doorbell: a high bell, then a bell a major third (4 semitones) lower."""
    f_hi = 600.0 * 2.0 ** rng.uniform(0.0, 0.4)
    tau = rng.uniform(0.1, 0.18)
    gap = int(rng.uniform(0.22, 0.32) * sample_rate)
    ding, dong = bell(rng, sample_rate, f_hi, tau), bell(rng, sample_rate, f_hi * 2 ** (-4 / 12), tau)
    x = np.zeros(gap + dong.shape[0])
    x[: ding.shape[0]] += ding[: x.shape[0]]
    x[gap:] += dong
    return x, f_hi


def vowel(rng: np.random.Generator, sample_rate: int, formants: tuple[float, ...]) -> tuple[np.ndarray, float]:
    """A voice holding one vowel: glottal source -> formant resonators -> lips (source-filter model)."""
    n = int(rng.uniform(0.3, 0.8) * sample_rate)
    f0 = 100.0 * 2.0 ** rng.uniform(0.0, 0.85)
    t = np.arange(n) / sample_rate
    contour = f0 * (1.0 + rng.uniform(-0.08, 0.08) * t / t[-1]) * (1 + 0.01 * np.sin(synth.TWO_PI * 5.5 * t))
    tract = rng.uniform(0.9, 1.12)                           # vocal-tract length scales every formant
    src = synth.glottal_source(contour, sample_rate, rng)
    x = synth.lip_radiation(synth.formant_filter(src, np.array(formants) * tract, (80.0, 90.0, 120.0), sample_rate))
    return x * synth.attack_release(n, sample_rate, rng.uniform(0.03, 0.06), rng.uniform(0.05, 0.12)), f0


VOWEL_A = (730.0, 1090.0, 2440.0)
VOWEL_I = (270.0, 2290.0, 3010.0)


def wind(rng: np.random.Generator, sample_rate: int) -> tuple[np.ndarray, float]:
    """Brown-ish noise through a wide low resonance, swelling in slow gusts."""
    n = int(rng.uniform(0.6, 1.0) * sample_rate)
    t = np.arange(n) / sample_rate
    x = synth.resonate(synth.colored_noise(n, rng, rng.uniform(1.0, 2.0)), rng.uniform(250, 700),
                       rng.uniform(200, 500), sample_rate)
    gusts = sum(np.sin(synth.TWO_PI * rng.uniform(0.5, 3.0) * t + rng.uniform(0, 6.3)) for _ in range(3))
    gusts = 0.2 + 0.8 * (gusts - gusts.min()) / (np.ptp(gusts) + 1e-9)
    return x * gusts * synth.attack_release(n, sample_rate, 0.1, 0.15), 0.0


def rain(rng: np.random.Generator, sample_rate: int) -> tuple[np.ndarray, float]:
    """Soft high hiss plus droplets: random clicks ringing a high resonance."""
    n = int(rng.uniform(0.6, 1.0) * sample_rate)
    drops = np.zeros(n)
    count = rng.poisson(rng.uniform(40, 100) * n / sample_rate)
    drops[rng.integers(0, n, count)] = rng.uniform(0.3, 1.0, count) * rng.choice([-1.0, 1.0], count)
    centre = min(rng.uniform(1500, 4000), 0.4 * sample_rate)
    x = synth.resonate(drops, centre, 1200.0, sample_rate)
    hiss = np.diff(synth.colored_noise(n + 1, rng, 0.0))     # differencing tilts white noise up
    x = x / (synth.rms(x) + 1e-9) + 0.3 * hiss / (synth.rms(hiss) + 1e-9)
    return x * synth.attack_release(n, sample_rate, 0.05, 0.1), 0.0


# class -> (recipe, played backwards?)
RECIPES = {
    "horn_low": (lambda rng, sample_rate: horn(rng, sample_rate, 0), False),
    "horn_high": (lambda rng, sample_rate: horn(rng, sample_rate, 1), False),
    "chirp_up": (chirp, False),
    "chirp_down": (chirp, True),
    "ding_dong": (ding_dong, False),
    "dong_ding": (ding_dong, True),
    "vowel_a": (lambda rng, sample_rate: vowel(rng, sample_rate, VOWEL_A), False),
    "vowel_i": (lambda rng, sample_rate: vowel(rng, sample_rate, VOWEL_I), False),
    "wind": (wind, False),
    "rain": (rain, False),
}
assert list(RECIPES) == CLIP_CLASSES


# ----------------------------------------------------------------------------
# One clip


def make_clip(label: str, index: int = 0, seed: int = 0, sample_rate: int = 16000) -> tuple[np.ndarray, dict]:
    """Clip number `index` of class `label`: `(waveform (samples,) float32, metadata)`.

    The clip depends only on (label, index, seed, sample_rate), so it is the same
    whichever dataset size it is part of. Order-paired classes run their
    partner's recipe and reverse the finished clip (background included), so
    the two classes have exactly the same distribution of average spectra.
    """
    if label not in RECIPES:
        raise ValueError(f"unknown class {label!r}; the clip classes are {CLIP_CLASSES}")
    sample_rate = check_generator_rate(sample_rate)
    check_clip_args(index, "index", minimum=0)
    check_clip_args(seed, "seed", minimum=0)
    rng = np.random.default_rng([seed, CLIP_CLASSES.index(label), index])
    recipe, backwards = RECIPES[label]
    event, pitch = recipe(rng, sample_rate)                          # (d,)

    rt60 = 0.0
    if rng.random() < 0.4:                                  # a small room, 4 clips in 10
        rt60 = rng.uniform(0.1, 0.3)
        event = synth.reverb(event, sample_rate, rng, rt60, wet=rng.uniform(0.1, 0.3))
    max_len = int(round(CLIP_SECONDS * sample_rate))
    if event.shape[0] > max_len:                            # cut a long tail, with a 10 ms fade
        event = event[:max_len] * synth.attack_release(max_len, sample_rate, 0.0, 0.01)
    event = event / (np.abs(event).max() + 1e-12)
    d = event.shape[0]

    length = int(rng.integers(max(d, int(MIN_CLIP_SECONDS * sample_rate)), max_len + 1))
    onset = int(rng.integers(0, length - d + 1))
    snr_db = rng.uniform(10.0, 30.0)
    background = synth.colored_noise(length, rng, rng.uniform(0.0, 2.0))
    x = background * synth.rms(event) / synth.db_to_amplitude(snr_db)
    x[onset:onset + d] += event
    gain_db = rng.uniform(-20.0, -1.0)                      # peak level in dB full scale
    x = x * synth.db_to_amplitude(gain_db) / np.abs(x).max()
    if backwards:
        x, onset = x[::-1], length - onset - d
    meta = {"pitch_hz": float(pitch), "snr_db": float(snr_db), "gain_db": float(gain_db),
            "onset_s": onset / sample_rate, "event_s": d / sample_rate, "duration_s": length / sample_rate, "rt60_s": float(rt60)}
    return np.ascontiguousarray(x, dtype=np.float32), meta


# ----------------------------------------------------------------------------
# The dataset


def split_sizes(n: int) -> tuple[int, int, int]:
    """Clips per class in train / validation / test (70/15/15, at least one each)."""
    n_val = max(1, round(SPLIT_FRACTIONS[1] * n))
    n_test = max(1, round(SPLIT_FRACTIONS[2] * n))
    return n - n_val - n_test, n_val, n_test


def make_clip_dataset(n_per_class: int = 100, seed: int = 0, sample_rate: int = 16000,
                      classes: list[str] | None = None) -> DatasetDict:
    """Generate the clip set: `n_per_class` clips of each class, split 70/15/15.

    Returns a DatasetDict with splits train / validation / test and columns
    `audio` ({"array": float32 samples, "sampling_rate"}), `label` (ClassLabel
    over `classes`, default all of CLIP_CLASSES), `clip_id`, and the nuisance
    values each clip was drawn with: pitch_hz (0 for noise), snr_db, gain_db,
    onset_s, event_s (sound length), duration_s (clip length), rt60_s (0 = dry).
    Rows are shuffled within each split. Same arguments -> identical samples.
    """
    n_per_class = check_clip_args(n_per_class, "n_per_class", minimum=3)
    seed = check_clip_args(seed, "seed", minimum=0)
    sample_rate = check_generator_rate(sample_rate)
    classes = list(CLIP_CLASSES if classes is None else classes)
    unknown = [c for c in classes if c not in RECIPES]
    if unknown or not classes or len(set(classes)) != len(classes):
        raise ValueError(f"classes must be distinct names from {CLIP_CLASSES}; got {classes}"
                         + (f" (unknown: {unknown})" if unknown else ""))

    bounds = np.cumsum((0,) + split_sizes(n_per_class))
    rows = {s: [] for s in SPLITS}
    for label_id, name in enumerate(classes):
        for i in range(n_per_class):
            split = SPLITS[int(np.searchsorted(bounds, i, side="right")) - 1]
            wave, meta = make_clip(name, i, seed, sample_rate)
            rows[split].append((wave, {"clip_id": f"{name}_{i:04d}", "label": label_id, **meta}))

    features = {"label": ClassLabel(names=classes), "clip_id": Value("string"),
                **{k: Value("float32") for k in ("pitch_hz", "snr_db", "gain_db", "onset_s", "event_s",
                                                 "duration_s", "rt60_s")}}
    shuffle = np.random.default_rng([seed, 1_000_003])
    out = {}
    for split, items in rows.items():
        items = [items[j] for j in shuffle.permutation(len(items))]
        columns = {k: [meta[k] for _, meta in items] for k in features}
        out[split] = build_dataset([w for w, _ in items], sample_rate, columns, features)
    return DatasetDict(out)
