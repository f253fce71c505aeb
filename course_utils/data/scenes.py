"""Scenes: several seconds of a room, with timed events, for frame-level tasks.

A scene is a quiet background (coloured noise) with events placed on it,
some overlapping:

    speaker_a, speaker_b   two synthetic voices taking turns (sometimes talking over
                           each other): different pitch (f0 ~110 vs ~210 Hz) and
                           different vocal tracts (formants x1.0 vs x1.18)
    knock                  two to four knocks on a door
    doorbell               the clip set's ding-dong
    alarm                  a two-tone warble

Each scene comes with its annotations, `events`: a list of
`{"onset": s, "offset": s, "label": name}` in seconds, as sound-event
detection and diarization datasets give them. `course_utils.frames`
turns them into one multi-hot label vector per frame.

A voice is made like the clip set's vowels (glottal source -> formants ->
lips), but it speaks syllables: the vowel, and so the formants, glide from one
syllable to the next; loudness dips between syllables; the pitch falls
across the utterance (declination) with a small accent on some syllables.
"""

from __future__ import annotations

import numpy as np
from datasets import DatasetDict, List, Value

from . import synth
from .clips import check_clip_args, check_generator_rate, ding_dong, split_sizes
from .tables import build_dataset

__all__ = ["SCENE_CLASSES", "SPEAKER_CLASSES", "SPEAKERS", "VOWEL_FORMANTS", "utterance", "knock", "alarm",
           "event_sound", "make_scene", "make_scene_dataset"]

SCENE_CLASSES = ["speaker_a", "speaker_b", "knock", "doorbell", "alarm"]
SPEAKER_CLASSES = ["speaker_a", "speaker_b"]
SPEAKERS = {"speaker_a": {"f0_hz": 110.0, "tract": 1.0}, "speaker_b": {"f0_hz": 210.0, "tract": 1.18}}
VOWEL_FORMANTS = {  # Peterson & Barney (1952), adult male averages, Hz
    "a": (730.0, 1090.0, 2440.0), "e": (530.0, 1840.0, 2480.0), "i": (270.0, 2290.0, 3010.0),
    "o": (570.0, 840.0, 2410.0), "u": (300.0, 870.0, 2240.0),
}
MIN_SCENE_SECONDS, MAX_SCENE_SECONDS = 2.0, 60.0


# ----------------------------------------------------------------------------
# Event recipes: rng, sample_rate -> (samples,)


def utterance(rng: np.random.Generator, sample_rate: int, speaker: str) -> np.ndarray:
    """A few syllables of 'speech' in one breath by `speaker` (0.3-1.5 s)."""
    voice = SPEAKERS[speaker]
    durations = rng.uniform(0.12, 0.25, size=int(rng.integers(2, 7)))   # (syllables,)
    bounds = np.concatenate([[0], np.cumsum((durations * sample_rate).astype(int))])
    n = int(bounds[-1])
    centres = (bounds[:-1] + bounds[1:]) / 2
    t = np.arange(n)
    vowels = rng.choice(list(VOWEL_FORMANTS), size=durations.shape[0])
    tract = voice["tract"] * 2.0 ** rng.uniform(-0.03, 0.03)
    formants = np.stack([np.interp(t, centres, [VOWEL_FORMANTS[v][k] * tract for v in vowels])
                         for k in range(3)])                          # (3, samples): gliding formants
    accents = 2.0 ** rng.uniform(-0.08, 0.12, size=durations.shape[0])
    f0 = (voice["f0_hz"] * 2.0 ** rng.uniform(-0.1, 0.1) * np.interp(t, centres, accents)
          * (1.0 - 0.15 * t / n))                                     # (samples,): declination
    source = synth.glottal_source(f0, sample_rate, rng)
    x = synth.lip_radiation(synth.formant_filter(source, formants, (80.0, 90.0, 120.0), sample_rate))
    position = (t - bounds[np.searchsorted(bounds, t, side="right") - 1]) / np.repeat(np.diff(bounds), np.diff(bounds))
    syllables = 0.15 + 0.85 * np.sin(np.pi * position) ** 0.7       # loudness dips between syllables
    return x * syllables * synth.attack_release(n, sample_rate, 0.02, 0.03)


def knock(rng: np.random.Generator, sample_rate: int) -> np.ndarray:
    """Two to four knocks: short noise bursts ringing a low wooden resonance.

    A resonator of bandwidth B rings for tau = 1 / (pi * B) seconds, so the
    door's ring time (15-30 ms) sets the body resonance's bandwidth.
    """
    tau = rng.uniform(0.015, 0.03)
    times = np.cumsum(np.concatenate([[0.0], rng.uniform(0.1, 0.18, size=int(rng.integers(1, 4)))]))
    n = int(times[-1] * sample_rate) + synth.decay_length(tau, sample_rate, floor_db=30.0)
    hits = np.zeros(n)
    burst = rng.standard_normal(int(0.003 * sample_rate))
    for start in (times * sample_rate).astype(int):
        hits[start:start + burst.shape[0]] += burst * rng.uniform(0.7, 1.0)
    body = synth.resonate(hits, rng.uniform(150, 400), 1.0 / (np.pi * tau), sample_rate)
    panel = synth.resonate(hits, rng.uniform(800, 1600), 300.0, sample_rate)
    x = body / (np.abs(body).max() + 1e-9) + 0.5 * panel / (np.abs(panel).max() + 1e-9)
    return x * synth.attack_release(n, sample_rate, 0.0, 0.005)


def alarm(rng: np.random.Generator, sample_rate: int) -> np.ndarray:
    """A two-tone warble (0.6-1.5 s) with a square-ish timbre (odd harmonics)."""
    n = int(rng.uniform(0.6, 1.5) * sample_rate)
    f1 = rng.uniform(700.0, 1000.0)
    f2 = f1 * 2.0 ** (rng.uniform(3.0, 5.0) / 12)
    period = int(rng.uniform(0.15, 0.3) * sample_rate)
    freq = np.where((np.arange(n) // period) % 2 == 0, f1, f2)       # (samples,), stepping
    amps = np.array([1.0, 0.0, 1 / 3, 0.0, 1 / 5, 0.0, 1 / 7])
    return synth.harmonic_stack(freq, sample_rate, amps, rng.uniform(0, synth.TWO_PI)) * synth.attack_release(n, sample_rate, 0.01, 0.01)


def event_sound(label: str, rng: np.random.Generator, sample_rate: int) -> np.ndarray:
    if label in SPEAKERS:
        return utterance(rng, sample_rate, label)
    if label == "knock":
        return knock(rng, sample_rate)
    if label == "doorbell":
        return ding_dong(rng, sample_rate)[0]
    if label == "alarm":
        return alarm(rng, sample_rate)
    raise ValueError(f"unknown scene class {label!r}; the scene classes are {SCENE_CLASSES}")


# ----------------------------------------------------------------------------
# One scene


def _overlaps(events: list[dict], label: str, onset: float, offset: float) -> bool:
    return any(e["label"] == label and onset < e["offset"] and e["onset"] < offset for e in events)


def make_scene(index: int = 0, seed: int = 0, sample_rate: int = 16000, seconds: float = 5.0) -> tuple[np.ndarray, list[dict]]:
    """Scene number `index`: `(waveform (samples,) float32, events)`, events sorted by onset.

    A conversation of one to four turns between the two speakers (gaps of
    0.15-0.8 s; one turn in five starts before the other has finished), plus
    one to three other events at random times. Events of the same class never
    overlap each other; events of different classes may. Event levels are
    25-35 dB above the background, so every event is clearly audible.
    """
    sample_rate = check_generator_rate(sample_rate)
    check_clip_args(index, "index", minimum=0)
    check_clip_args(seed, "seed", minimum=0)
    if not (isinstance(seconds, (int, float)) and MIN_SCENE_SECONDS <= seconds <= MAX_SCENE_SECONDS):
        raise ValueError(f"seconds must be between {MIN_SCENE_SECONDS} and {MAX_SCENE_SECONDS}, got {seconds!r}")
    rng = np.random.default_rng([seed, 7919, index])
    n = int(round(seconds * sample_rate))
    x = synth.colored_noise(n, rng, rng.uniform(0.5, 2.0)) * synth.db_to_amplitude(rng.uniform(-55.0, -45.0))
    events: list[dict] = []

    def place(label: str, sound: np.ndarray, start: int) -> bool:
        if start < 0 or start + sound.shape[0] > n or _overlaps(events, label, start / sample_rate, (start + sound.shape[0]) / sample_rate):
            return False
        peak_db = rng.uniform(-14.0, -4.0) if label in SPEAKERS else rng.uniform(-16.0, -6.0)
        x[start:start + sound.shape[0]] += sound / (np.abs(sound).max() + 1e-12) * synth.db_to_amplitude(peak_db)
        events.append({"onset": start / sample_rate, "offset": (start + sound.shape[0]) / sample_rate, "label": label})
        return True

    # The conversation: alternating turns.
    speaker = str(rng.choice(SPEAKER_CLASSES))
    cursor = int(rng.uniform(0.0, min(1.0, seconds / 4)) * sample_rate)
    for _ in range(int(rng.integers(1, 5))):
        sound = utterance(rng, sample_rate, speaker)
        if place(speaker, sound, cursor):
            gap = rng.uniform(-0.4, -0.1) if rng.random() < 0.2 else rng.uniform(0.15, 0.8)
            cursor += sound.shape[0] + int(gap * sample_rate)
        speaker = SPEAKER_CLASSES[1 - SPEAKER_CLASSES.index(speaker)]
    # Other sounds, anywhere (up to ten tries to find a free spot for each).
    for _ in range(int(rng.integers(1, 4))):
        label = str(rng.choice(SCENE_CLASSES[2:]))
        sound = event_sound(label, rng, sample_rate)
        for _ in range(10):
            if sound.shape[0] < n and place(label, sound, int(rng.integers(0, n - sound.shape[0]))):
                break
    peak = np.abs(x).max()
    if peak > 0.99:
        x *= 0.99 / peak
    return x.astype(np.float32), sorted(events, key=lambda e: (e["onset"], e["label"]))


def make_scene_dataset(n_scenes: int = 100, seed: int = 0, sample_rate: int = 16000,
                       seconds: float = 5.0) -> DatasetDict:
    """Generate `n_scenes` scenes of `seconds` each, split 70/15/15 into train / validation / test.

    Columns: `audio` ({"array", "sampling_rate"}), `events` (list of
    {"onset", "offset", "label"}, seconds, label a name from SCENE_CLASSES),
    `scene_id`, `n_events`. Same arguments -> identical samples and events.
    """
    n_scenes = check_clip_args(n_scenes, "n_scenes", minimum=3)
    seed = check_clip_args(seed, "seed", minimum=0)
    sample_rate = check_generator_rate(sample_rate)
    scenes = [make_scene(i, seed, sample_rate, seconds) for i in range(n_scenes)]
    features = {"events": List({"onset": Value("float64"), "offset": Value("float64"), "label": Value("string")}),
                "scene_id": Value("string"), "n_events": Value("int32")}
    bounds = np.cumsum((0,) + split_sizes(n_scenes))
    out = {}
    for split, lo, hi in zip(("train", "validation", "test"), bounds[:-1], bounds[1:]):
        chosen = range(int(lo), int(hi))
        columns = {"events": [scenes[i][1] for i in chosen], "scene_id": [f"scene_{i:04d}" for i in chosen],
                   "n_events": [len(scenes[i][1]) for i in chosen]}
        out[split] = build_dataset([scenes[i][0] for i in chosen], sample_rate, columns, features)
    return DatasetDict(out)
