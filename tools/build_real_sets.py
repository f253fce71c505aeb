"""Build data/real/: the course's real sets, from freely licensed recordings that Debian packages.

Learners and CI never run this script: they read the committed files (or
`course_utils.data.load_real` downloads them). It is here so that anyone can
see, check and redo how every file was made:

    sudo apt-get install -y fluidsynth fluid-soundfont-gm ffmpeg \\
        asterisk-core-sounds-{en,fr,es,it,ru}-g722
    .venv/bin/python tools/build_real_sets.py          # about 30 s; replaces data/real/

Three sets come out, each an audiofolder (16 kHz mono 16-bit FLAC + metadata)
that `course_utils.data.load_audiofolder` reads:

    instruments/    1-second notes of the FluidR3 General MIDI soundfont (MIT), rendered with
                    fluidsynth and labelled by NSynth's eleven instrument families. Split BY
                    PROGRAM: the test instruments are never heard in training (NSynth's protocol).
    voices/         1.5-second cuts of the Asterisk voice prompts (CC BY-SA 3.0 / CC BY 3.0) in five
                    languages; the label is the language. Split BY PROMPT: one prompt id (the same
                    sentence, in every language) never appears in two splits.
    voice_scenes/   5-second scenes mixing speech (those prompts), notes (those renders) and a low
                    room rumble, with `events` [{"onset", "offset", "label"}] as make_scene_dataset.

Then data/real/MANIFEST.json (every file's size and sha256, for `load_real`'s
download path). The budget: at most 1 MB a file and 12 MB in all, since the
repository carries them. Everything is seeded (SEED): the same packages give
the same samples. The whole of data/real/ is written under a temporary name and
renamed into place, so it is either the old build or the new one, never half
of each. FFmpeg is used here only, to decode G.722; the course never needs it.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "real"
SEED = 0
SAMPLE_RATE = 16000
SPLITS = ("train", "validation", "test")
MAX_FILE_BYTES = 1_000_000
MAX_TOTAL_BYTES = 12_000_000

# ----------------------------------------------------------------------------
# Sources: what each Debian package ships, and under which license
# (read from /usr/share/doc/<package>/copyright).

SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
SOUNDFONT_SOURCE = {
    "package": "fluid-soundfont-gm", "file": str(SOUNDFONT), "license": "MIT",
    "attribution": "FluidR3 GM soundfont, Copyright (c) 2000-2002, 2008 Frank Wen, "
                   "released under the MIT license (Debian package fluid-soundfont-gm)",
}
SOUNDS = Path("/usr/share/asterisk/sounds")
LICENSE_URLS = {"CC BY-SA 3.0": "https://creativecommons.org/licenses/by-sa/3.0/",
                "CC BY 3.0": "https://creativecommons.org/licenses/by/3.0/",
                "MIT": "https://opensource.org/license/mit"}
LANGUAGES = {  # label -> (package language code, voice folder, speaker, license)
    "english": ("en", "en_US_f_Allison", "Allison Smith", "CC BY-SA 3.0"),
    "french": ("fr", "fr_CA_f_June", "June Wallack", "CC BY-SA 3.0"),
    "spanish": ("es", "es_MX_f_Allison", "Allison Smith", "CC BY-SA 3.0"),
    "italian": ("it", "it_IT_m_Carlo", "Carlo Flora", "CC BY 3.0"),
    "russian": ("ru", "ru_RU_f_IvrvoiceRU", "IvrvoiceRU", "CC BY 3.0"),   # a female voice, provided by Maxim Topal
}
CREDITS = {"english": "recorded by Allison Smith", "spanish": "recorded by Allison Smith",
           "french": "recorded by June Wallack, translated by Clod Patry, Kristopher Lalletti and June Wallack",
           "italian": "recorded by Carlo Flora, translated by Silvia Petrin",
           "russian": "provided by Maxim Topal (ivrvoice.ru)"}
CHANGES = ("decoded from G.722 (16 kHz), cut into clips, level-normalised, mixed (voice_scenes), "
           "stored as 16 kHz 16-bit FLAC")


def package_version(package: str) -> str:
    """The installed version of a Debian package, or a SystemExit that says how to install it."""
    result = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True)
    if result.returncode != 0 or not result.stdout:
        raise SystemExit(f"the Debian package {package} is not installed: apt-get install -y {package}")
    return result.stdout


def voice_sources() -> list[dict]:
    return [{"package": f"asterisk-core-sounds-{code}-g722",
             "version": package_version(f"asterisk-core-sounds-{code}-g722"), "folder": str(SOUNDS / folder),
             "language": label, "speaker": speaker, "license": license, "license_url": LICENSE_URLS[license],
             "attribution": f"Asterisk core sound prompts ({label}), {CREDITS[label]}, {license}"}
            for label, (code, folder, speaker, license) in LANGUAGES.items()]


# ----------------------------------------------------------------------------
# Instruments: which General MIDI programs (0-based) play each NSynth family, and in which split.
# Programs whose soundfont presets share samples sit in one split (check_program_split). FluidR3's
# contrabass (43) and tuba (58) fall silent inside PITCHES, so they are left out.

#   family      train                                                   validation        test
#   keyboard    grand piano, Rhodes EP, harpsichord, clavinet           Legend EP 2       electric grand
#   mallet      celesta, glockenspiel, marimba, tubular bells           xylophone         vibraphone
#   organ       drawbar, church organ, reed organ, accordion            percussive organ  rock organ
#   guitar      nylon, steel, jazz, distortion                          overdrive         clean
#   bass        acoustic, fingered, slap, synth bass 2                  fretless          picked
#   string      violin, cello, pizzicato section, synth strings 1       string ensemble   viola
#   brass       trumpet, French horns, brass section, synth brass 1     muted trumpet     trombone
#   reed        soprano sax, tenor sax, oboe, bassoon                   clarinet          alto sax
#   flute       flute, recorder, shakuhachi, ocarina                    piccolo           pan flute
#   synth_lead  square, saw, chiffer, bass & lead                       calliope          fifth sawtooth
#   vocal       "ooh" voices, solo vox, space voice                     synth voice       "aah" choir
FAMILIES = {
    "keyboard": {"train": [0, 4, 6, 7], "validation": [5], "test": [2]},
    "mallet": {"train": [8, 9, 12, 14], "validation": [13], "test": [11]},
    "organ": {"train": [16, 19, 20, 21], "validation": [17], "test": [18]},
    "guitar": {"train": [24, 25, 26, 30], "validation": [29], "test": [27]},
    "bass": {"train": [32, 33, 36, 39], "validation": [35], "test": [34]},
    "string": {"train": [40, 42, 45, 50], "validation": [48], "test": [41]},
    "brass": {"train": [56, 60, 61, 62], "validation": [59], "test": [57]},
    "reed": {"train": [64, 66, 68, 70], "validation": [71], "test": [65]},
    "flute": {"train": [73, 74, 77, 79], "validation": [72], "test": [75]},
    "synth_lead": {"train": [80, 81, 83, 87], "validation": [82], "test": [86]},
    "vocal": {"train": [53, 85, 91], "validation": [54], "test": [52]},
}
NOTES_PER_PROGRAM = 6
PITCHES = range(45, 82)            # MIDI A2..A5 for every family: pitch says nothing about the family
VELOCITIES = (40, 64, 88, 112, 127)
NOTE_ON_SECONDS, NOTE_SPACING_SECONDS = 0.75, 3.0   # each note rendered 3 s apart, cut to its first second
FADE_SECONDS = 0.05                 # a short fade at the cut, so that sustained notes end without a click
NOTE_PEAK = 0.9                     # the loudest note of the whole set peaks here (one gain for all notes)


def read_soundfont_presets(path: Path) -> dict[int, tuple[str, set[int]]]:
    """Bank-0 presets of a SoundFont 2 file: program -> (name, indices of the samples it plays).

    An .sf2 file is a RIFF file; its "pdta" list holds tables of fixed-size
    records: presets (phdr) -> zones (pbag) -> generators (pgen, 41 = instrument),
    instruments (inst) -> zones (ibag) -> generators (igen, 53 = sample).
    """
    data = path.read_bytes()
    tables, offset = {}, 12
    while offset < len(data):
        chunk, size = struct.unpack_from("<4sI", data, offset)
        if chunk == b"LIST" and data[offset + 8:offset + 12] == b"pdta":
            sub = offset + 12
            while sub < offset + 8 + size:
                name, sub_size = struct.unpack_from("<4sI", data, sub)
                tables[name.decode()] = data[sub + 8:sub + 8 + sub_size]
                sub += 8 + sub_size
        offset += 8 + size + (size & 1)

    def records(name: str, fmt: str) -> list[tuple]:
        return list(struct.iter_unpack(fmt, tables[name]))

    phdr, pbag, pgen = records("phdr", "<20sHHHIII"), records("pbag", "<HH"), records("pgen", "<HH")
    inst, ibag, igen = records("inst", "<20sH"), records("ibag", "<HH"), records("igen", "<HH")

    def generators(bags, gens, first_bag, end_bag, kind):
        return {gens[g][1] for b in range(first_bag, end_bag) for g in range(bags[b][0], bags[b + 1][0])
                if gens[g][0] == kind}

    presets = {}
    for this, nxt in zip(phdr[:-1], phdr[1:]):
        name, program, bank, bag = this[0].split(b"\0")[0].decode(), this[1], this[2], this[3]
        if bank == 0:
            instruments = generators(pbag, pgen, bag, nxt[3], 41)
            presets[program] = (name, set().union(*(generators(ibag, igen, inst[i][1], inst[i + 1][1], 53)
                                                    for i in instruments)))
    return presets


def check_program_split(presets: dict) -> None:
    """No sample of the soundfont is played by programs of two different splits."""
    owner: dict[int, str] = {}
    for family, splits in FAMILIES.items():
        for split, programs in splits.items():
            for program in programs:
                for sample in presets[program][1]:
                    if owner.setdefault(sample, split) != split:
                        raise SystemExit(f"{family}: program {program} ({presets[program][0]}, {split}) shares "
                                         f"sample {sample} with a {owner[sample]} program; move one of them")


def midi_file(program: int, notes: list[tuple[int, int]]) -> bytes:
    """A standard MIDI file (format 0): `program` plays each (pitch, velocity) for NOTE_ON_SECONDS,
    one note every NOTE_SPACING_SECONDS. Tempo 1 s per quarter note and 1000 ticks per quarter: 1 tick = 1 ms."""
    def varlen(n: int) -> bytes:                      # MIDI's variable-length delta times, 7 bits a byte
        out = [n & 0x7F]
        while n := n >> 7:
            out.append(0x80 | (n & 0x7F))
        return bytes(reversed(out))

    events = [(0, b"\xff\x51\x03" + (1_000_000).to_bytes(3, "big")), (0, bytes([0xC0, program]))]
    for i, (pitch, velocity) in enumerate(notes):
        start = round(i * NOTE_SPACING_SECONDS * 1000)
        stop = start + round(NOTE_ON_SECONDS * 1000)
        events += [(start, bytes([0x90, pitch, velocity])), (stop, bytes([0x80, pitch, 0]))]  # note on, note off
    events.append((round(len(notes) * NOTE_SPACING_SECONDS * 1000), b"\xff\x2f\x00"))  # end of track
    track, now = b"", 0
    for tick, event in sorted(events, key=lambda e: e[0]):
        track, now = track + varlen(tick - now) + event, tick
    return (b"MThd" + struct.pack(">IHHH", 6, 0, 1, 1000) + b"MTrk" + struct.pack(">I", len(track)) + track)


def render_program(program: int, notes: list[tuple[int, int]], workdir: Path) -> list[np.ndarray]:
    """fluidsynth renders the notes (reverb and chorus off, 32-bit float, 16 kHz); each note's first second, mono."""
    mid, wav = workdir / f"p{program:03d}.mid", workdir / f"p{program:03d}.wav"
    mid.write_bytes(midi_file(program, notes))
    subprocess.run(["fluidsynth", "-ni", "-g", "0.5", "-R", "0", "-C", "0", "-r", str(SAMPLE_RATE), "-O", "float",
                    "-F", str(wav), str(SOUNDFONT), str(mid)], check=True, capture_output=True)
    audio, rate = sf.read(wav, dtype="float64")
    assert rate == SAMPLE_RATE, rate
    mono = audio.mean(axis=1) if audio.ndim == 2 else audio
    fade = np.cos(np.linspace(0, np.pi / 2, round(FADE_SECONDS * SAMPLE_RATE))) ** 2
    clips = []
    for i in range(len(notes)):
        start = round(i * NOTE_SPACING_SECONDS * SAMPLE_RATE)
        clip = np.zeros(SAMPLE_RATE)
        piece = mono[start:start + SAMPLE_RATE]
        clip[:piece.shape[0]] = piece
        clip[-fade.shape[0]:] *= fade
        if np.abs(clip).max() < 1e-3:
            raise SystemExit(f"program {program} note {notes[i]} rendered silent")
        clips.append(clip)
    return clips


def build_instruments(workdir: Path) -> tuple[dict, dict]:
    """{split: [(stem, wave, metadata)]} of the instruments set, and the notes by split for the scenes."""
    presets = read_soundfont_presets(SOUNDFONT)
    check_program_split(presets)
    rng = np.random.default_rng([SEED, 1])
    jobs = []  # (family, split, program, notes), in a fixed order so the seeded draws never change
    for family, splits in FAMILIES.items():
        for split in SPLITS:
            for program in splits[split]:
                pitches = rng.choice(PITCHES, size=NOTES_PER_PROGRAM, replace=False)
                velocities = rng.choice(VELOCITIES, size=NOTES_PER_PROGRAM)
                jobs.append((family, split, program, [(int(p), int(v)) for p, v in zip(pitches, velocities)]))
    with ThreadPoolExecutor(8) as pool:
        renders = list(pool.map(lambda job: render_program(job[2], job[3], workdir), jobs))
    gain = NOTE_PEAK / max(np.abs(clip).max() for clips in renders for clip in clips)
    rows: dict[str, list] = {split: [] for split in SPLITS}
    for (family, split, program, notes), clips in zip(jobs, renders):
        for (pitch, velocity), clip in zip(notes, clips):
            stem = f"{family}_p{program:03d}_n{pitch:03d}_v{velocity:03d}"
            rows[split].append((stem, clip * gain, {"label": family, "clip_id": stem, "program": program,
                                                   "instrument": presets[program][0], "pitch": pitch,
                                                   "velocity": velocity}))
    source = {**SOUNDFONT_SOURCE, "version": package_version("fluid-soundfont-gm"),
              "renderer": f"fluidsynth {package_version('fluidsynth')}"}
    names = {family: {split: {str(p): presets[p][0] for p in programs} for split, programs in splits.items()}
             for family, splits in FAMILIES.items()}
    info = {"classes": list(FAMILIES), "sources": [source], "license": "MIT", "license_url": LICENSE_URLS["MIT"],
            "attribution": SOUNDFONT_SOURCE["attribution"], "programs": names,
            "recipe": {"pitches_midi": [PITCHES.start, PITCHES.stop - 1], "velocities": list(VELOCITIES),
                       "notes_per_program": NOTES_PER_PROGRAM, "note_on_s": NOTE_ON_SECONDS, "clip_s": 1.0,
                       "fade_out_s": FADE_SECONDS,
                       "levels": f"natural: one gain for every note, loudest peak {NOTE_PEAK}",
                       "fluidsynth": "-g 0.5 -R 0 -C 0 (reverb and chorus off), stereo mixed to mono"}}
    return rows, info


# ----------------------------------------------------------------------------
# Voices: decode the prompts, find where the speech is, cut clips.

CLIP_SECONDS = 1.5
CLIPS_PER_SPLIT = {"train": 16, "validation": 5, "test": 5}   # prompts, each said in all five languages
SPEECH_RMS_DB = -30.0              # every clip and scene utterance at this level (dBFS RMS over active frames)
FRAME_SECONDS, HOP_SECONDS = 0.020, 0.010
ACTIVE_DB = -35.0                  # a frame is active within 35 dB of the recording's loudest frame
BRIDGE_SECONDS = 0.3               # pauses shorter than this stay inside one event
# Prompts that are not speech: the same recording (cross-correlation 1.0) in every language.
NOT_SPEECH = {"ascending-2tone", "beep", "beeperr", "confbridge-join", "confbridge-leave", "descending-2tone",
              "tt-monkeys"}


def decode_g722(path: Path) -> np.ndarray:
    """A .g722 prompt as float samples at 16 kHz (G.722 is a 16 kHz wideband codec)."""
    out = subprocess.run(["ffmpeg", "-v", "error", "-f", "g722", "-i", str(path), "-f", "f32le", "-ac", "1", "-ar",
                          str(SAMPLE_RATE), "-"], check=True, capture_output=True).stdout
    return np.frombuffer(out, dtype=np.float32).astype(np.float64)


def frame_db(x: np.ndarray) -> np.ndarray:
    """Each frame's RMS in dB: frames of FRAME_SECONDS every HOP_SECONDS, `(samples,) -> (frames,)`."""
    frame, hop = round(FRAME_SECONDS * SAMPLE_RATE), round(HOP_SECONDS * SAMPLE_RATE)
    n = max(1, 1 + (x.shape[0] - frame) // hop)
    frames = np.lib.stride_tricks.sliding_window_view(np.pad(x, (0, max(0, frame - x.shape[0]))), frame)[::hop][:n]
    return 10 * np.log10((frames ** 2).mean(axis=1) + 1e-20)


def active_regions(x: np.ndarray, threshold_db: float = ACTIVE_DB) -> list[tuple[float, float]]:
    """Where `x` is sounding, in seconds: frames within `threshold_db` of the loudest, short gaps bridged."""
    db = frame_db(x)
    on = np.flatnonzero(db > db.max() + threshold_db)
    if on.shape[0] == 0:
        return []
    regions, start, last = [], on[0], on[0]
    for i in on[1:]:
        if (i - last) * HOP_SECONDS > BRIDGE_SECONDS:
            regions.append((start, last))
            start = i
        last = i
    regions.append((start, last))
    end = x.shape[0] / SAMPLE_RATE
    return [(round(a * HOP_SECONDS, 3), round(min(end, b * HOP_SECONDS + FRAME_SECONDS), 3)) for a, b in regions]


def speech_gain(x: np.ndarray) -> float:
    """The gain that brings `x`'s active frames to SPEECH_RMS_DB."""
    db = frame_db(x)
    active = db[db > db.max() + ACTIVE_DB]
    level = 10 * np.log10(np.mean(10 ** (active / 10)))
    return 10 ** ((SPEECH_RMS_DB - level) / 20)


def prompt_files() -> dict[str, dict[str, Path]]:
    """Prompt id ("vm-intro", "digits/7") -> {language: .g722 file}, for every spoken prompt (not silence/,
    not NOT_SPEECH)."""
    files: dict[str, dict[str, Path]] = {}
    for label, (_, folder, _, _) in LANGUAGES.items():
        for path in sorted((SOUNDS / folder).rglob("*.g722")):
            pid = path.relative_to(SOUNDS / folder).with_suffix("").as_posix()
            if not pid.startswith("silence/") and pid not in NOT_SPEECH:
                files.setdefault(pid, {})[label] = path
    return files


class Prompts:
    """The decoded prompts, decoded once and only when asked for: `prompts[language, prompt_id]`."""

    def __init__(self, files: dict[str, dict[str, Path]]):
        self.files, self.cache = files, {}

    def __getitem__(self, key: tuple[str, str]) -> np.ndarray:
        if key not in self.cache:
            self.cache[key] = decode_g722(self.files[key[1]][key[0]])
        return self.cache[key]


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Peak normalised cross-correlation of two recordings: 1.0 when one is the other, shifted."""
    n = a.shape[0] + b.shape[0]
    correlation = np.fft.irfft(np.fft.rfft(a, n) * np.conj(np.fft.rfft(b, n)), n)
    return float(np.abs(correlation).max() / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12))


def clip_start(x: np.ndarray) -> int | None:
    """Where a CLIP_SECONDS clip of `x` starts (50 ms before the speech), or None when the prompt has no
    such clip that is mostly speech (at least 70 % active frames)."""
    regions = active_regions(x)
    if not regions:
        return None
    start = max(0, round((regions[0][0] - 0.05) * SAMPLE_RATE))
    n = round(CLIP_SECONDS * SAMPLE_RATE)
    if start + n > x.shape[0]:
        return None
    db = frame_db(x[start:start + n])
    return start if np.mean(db > frame_db(x).max() + ACTIVE_DB) >= 0.7 else None


def split_prompts(ids: list[str], rng: np.random.Generator) -> dict[str, list[str]]:
    """Shuffle prompt ids (seeded) and deal them 70 / 15 / 15 into the splits: each id lands in one split."""
    order = [ids[i] for i in rng.permutation(len(ids))]
    a, b = round(0.7 * len(order)), round(0.85 * len(order))
    return {"train": order[:a], "validation": order[a:b], "test": order[b:]}


def build_voices() -> tuple[dict, dict, Prompts, dict]:
    """{split: clip rows} of the voices set, its info, the prompts, and {split: prompt ids} for the scenes.

    Every prompt id goes to one split (so a sentence is never heard in two). A
    split's clips come from its prompts that give a clip in all five languages,
    taken in the shuffled order until CLIPS_PER_SPLIT are found: the same
    sentences, said in each language.
    """
    files = prompt_files()
    prompts = Prompts(files)
    split_ids = split_prompts(sorted(files), np.random.default_rng([SEED, 2]))
    min_bytes = (CLIP_SECONDS + 0.05) * SAMPLE_RATE / 2          # G.722: 4 bits a sample, 2 samples a byte
    rows: dict[str, list] = {split: [] for split in SPLITS}
    chosen: dict[str, list[str]] = {}
    n = round(CLIP_SECONDS * SAMPLE_RATE)
    for split in SPLITS:
        chosen[split] = []
        for pid in split_ids[split]:
            if len(chosen[split]) == CLIPS_PER_SPLIT[split]:
                break
            if len(files[pid]) == len(LANGUAGES) and all(f.stat().st_size >= min_bytes for f in files[pid].values()):
                starts = {label: clip_start(prompts[label, pid]) for label in LANGUAGES}
                if None not in starts.values():
                    first, *others = LANGUAGES
                    if max(similarity(prompts[first, pid], prompts[other, pid]) for other in others) > 0.9:
                        raise SystemExit(f"prompt {pid!r} is one recording in two languages: add it to NOT_SPEECH")
                    chosen[split].append(pid)
                    for label, (code, _, speaker, _) in LANGUAGES.items():
                        stem = f"{code}_{pid.replace('/', '-')}"
                        clip = prompts[label, pid][starts[label]:starts[label] + n]
                        rows[split].append((stem, clip * speech_gain(clip), {
                            "label": label, "clip_id": stem, "prompt": pid, "speaker": speaker,
                            "start_s": round(starts[label] / SAMPLE_RATE, 3)}))
        if len(chosen[split]) < CLIPS_PER_SPLIT[split]:
            raise SystemExit(f"{split}: only {len(chosen[split])} prompts give a clip in every language")
    for split in SPLITS:
        rows[split].sort(key=lambda row: row[0])
    sources = voice_sources()
    info = {"classes": list(LANGUAGES), "sources": sources,
            "license": "CC BY-SA 3.0 (the English, French and Spanish prompts; the Italian and Russian ones are "
                       "CC BY 3.0, which allows this)", "license_url": LICENSE_URLS["CC BY-SA 3.0"],
            "attribution": "; ".join(s["attribution"] for s in sources) + f". Changes: {CHANGES}.",
            "prompts": {split: sorted(ids) for split, ids in chosen.items()},
            "recipe": {"clip_s": CLIP_SECONDS, "clips_per_language": CLIPS_PER_SPLIT, "speech_rms_dbfs": SPEECH_RMS_DB,
                       "prompt_split": "every prompt id in one split (70/15/15, seeded), the same id in every language",
                       "cut": "from 50 ms before the prompt's first active frame; at least 70 % active frames",
                       "active": f"20 ms frames every 10 ms within {-ACTIVE_DB:g} dB of the prompt's loudest"}}
    return rows, info, prompts, split_ids


# ----------------------------------------------------------------------------
# Scenes: speech and notes on a quiet room, with the events where each one sounds.

SCENE_SECONDS = 5.0
SCENES_PER_SPLIT = {"train": 20, "validation": 5, "test": 5}
SCENE_CLASSES = ["speech", "music"]
MAX_UTTERANCE_SECONDS = 2.5
ROOM_DB = (-75.0, -65.0)          # the background's RMS, dBFS: a low rumble (brown noise), never silence
MUSIC_PEAK_DB = (-20.0, -8.0)


def room_tone(n: int, rng: np.random.Generator) -> np.ndarray:
    """Brown noise (integrated white noise, drift removed): a low room rumble, RMS 1."""
    x = np.cumsum(rng.standard_normal(n))
    x -= np.convolve(x, np.ones(800) / 800, mode="same")  # take out the slow wander below ~20 Hz
    return x / x.std()


def phrase(notes: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """Two to four notes of one instrument, 0.25-0.6 s apart, each ringing into the next."""
    picks = rng.choice(len(notes), size=int(rng.integers(2, 5)), replace=False)
    onsets = np.concatenate([[0], np.cumsum(rng.uniform(0.25, 0.6, size=picks.shape[0] - 1))])
    out = np.zeros(round((onsets[-1] + 1.0) * SAMPLE_RATE))
    for pick, onset in zip(picks, onsets):
        start = round(onset * SAMPLE_RATE)
        out[start:start + SAMPLE_RATE] += notes[pick]
    return out


def utterance(rng: np.random.Generator, prompts: Prompts, ids: list[str]) -> np.ndarray:
    """A random prompt of `ids` in a random language that has it, trimmed to its speech, at most
    MAX_UTTERANCE_SECONDS, at the speech level SPEECH_RMS_DB +- 4 dB."""
    while True:
        pid = ids[int(rng.integers(len(ids)))]
        languages = sorted(prompts.files[pid])
        wave = prompts[languages[int(rng.integers(len(languages)))], pid]
        if regions := active_regions(wave):
            break
    wave = wave[round(regions[0][0] * SAMPLE_RATE):round(regions[-1][1] * SAMPLE_RATE)]
    wave = wave[:round(MAX_UTTERANCE_SECONDS * SAMPLE_RATE)]
    return wave * speech_gain(wave) * 10 ** (rng.uniform(-4, 4) / 20)


def make_scene(rng: np.random.Generator, prompts: Prompts, ids: list[str],
               notes: dict[int, list]) -> tuple[np.ndarray, list[dict]]:
    """One scene: one to three utterances (prompts `ids`) and one or two phrases (`notes` by program) at
    random times; same-class sounds never overlap, speech and music may. Each sound's events are its
    own active regions, found before mixing."""
    n = round(SCENE_SECONDS * SAMPLE_RATE)
    x = room_tone(n, rng) * 10 ** (rng.uniform(*ROOM_DB) / 20)
    events: list[dict] = []
    taken: dict[str, list[tuple[int, int]]] = {label: [] for label in SCENE_CLASSES}

    def place(label: str, sound: np.ndarray) -> None:
        for _ in range(20):  # a free spot for this class, or the sound is left out
            start = int(rng.integers(0, n - sound.shape[0]))
            if all(start + sound.shape[0] <= a or b <= start for a, b in taken[label]):
                taken[label].append((start, start + sound.shape[0]))
                x[start:start + sound.shape[0]] += sound
                at = start / SAMPLE_RATE
                events.extend({"onset": round(at + on, 3), "offset": round(at + off, 3), "label": label}
                              for on, off in active_regions(sound))
                return

    for _ in range(int(rng.integers(1, 4))):
        place("speech", utterance(rng, prompts, ids))
    programs = sorted(notes)
    for _ in range(int(rng.integers(1, 3))):
        sound = phrase(notes[programs[int(rng.integers(len(programs)))]], rng)
        place("music", sound / np.abs(sound).max() * 10 ** (rng.uniform(*MUSIC_PEAK_DB) / 20))
    peak = np.abs(x).max()
    return (x * (0.99 / peak) if peak > 0.99 else x), sorted(events, key=lambda e: (e["onset"], e["label"]))


def build_scenes(prompts: Prompts, split_ids: dict, instruments: dict) -> tuple[dict, dict]:
    """{split: scene rows}: each split's scenes use only that split's prompts and instruments."""
    rng = np.random.default_rng([SEED, 3])
    rows: dict[str, list] = {split: [] for split in SPLITS}
    for split in SPLITS:
        notes: dict[int, list] = {}
        for _, wave, meta in instruments[split]:
            notes.setdefault(meta["program"], []).append(wave)
        for i in range(SCENES_PER_SPLIT[split]):
            wave, events = make_scene(rng, prompts, split_ids[split], notes)
            stem = f"{split}_scene_{i:03d}"
            rows[split].append((stem, wave, {"events": events, "scene_id": stem, "n_events": len(events)}))
    info = {"classes": SCENE_CLASSES, "license": "CC BY-SA 3.0 (the speech; the notes are MIT)",
            "license_url": LICENSE_URLS["CC BY-SA 3.0"],
            "sources": [*voice_sources(), {**SOUNDFONT_SOURCE, "version": package_version("fluid-soundfont-gm")}],
            "attribution": "Speech: " + "; ".join(s["attribution"] for s in voice_sources())
                           + f". Changes: {CHANGES}. Notes: {SOUNDFONT_SOURCE['attribution']}.",
            "recipe": {"scene_s": SCENE_SECONDS, "scenes": SCENES_PER_SPLIT, "room_rms_dbfs": list(ROOM_DB),
                       "utterances": "1-3 per scene, a prompt of the split in any language, at most "
                                     f"{MAX_UTTERANCE_SECONDS} s, speech level {SPEECH_RMS_DB} +- 4 dBFS",
                       "music": "1-2 phrases per scene, 2-4 notes of one instrument of the split, peak "
                                f"{MUSIC_PEAK_DB[0]:g} to {MUSIC_PEAK_DB[1]:g} dBFS",
                       "events": f"each sound's active regions (frames within {-ACTIVE_DB:g} dB of its loudest, "
                                 f"pauses under {BRIDGE_SECONDS} s bridged); same-class events never overlap"}}
    return rows, info


# ----------------------------------------------------------------------------
# Writing: FLAC files + metadata + dataset.json per set, then MANIFEST.json.

def write_set(directory: Path, rows: dict, features, info: dict) -> None:
    """One audiofolder: <split>/<stem>.flac + metadata.csv (flat columns) or metadata.jsonl (events),
    and dataset.json with the column types (so load_audiofolder restores the ClassLabel) and `info`."""
    nested = "events" in features
    for split, items in rows.items():
        folder = directory / split
        folder.mkdir(parents=True)
        metas = []
        for stem, wave, meta in items:
            if np.abs(wave).max() >= 1.0:
                raise SystemExit(f"{stem} clips (peak {np.abs(wave).max():.3f})")
            sf.write(folder / f"{stem}.flac", wave.astype(np.float32), SAMPLE_RATE, format="FLAC", subtype="PCM_16",
                     compression_level=1.0)
            metas.append({"file_name": f"{stem}.flac", **meta})
        if nested:
            (folder / "metadata.jsonl").write_text("".join(json.dumps(m) + "\n" for m in metas))
        else:
            with open(folder / "metadata.csv", "w", newline="") as f:
                writer = csv.DictWriter(f, fieldnames=list(metas[0]))
                writer.writeheader()
                writer.writerows(metas)
    counts = {split: dict(sorted(_count(items, nested).items())) for split, items in rows.items()}
    (directory / "dataset.json").write_text(json.dumps({
        "features": features.to_dict(), "splits": list(rows), "sample_rate": SAMPLE_RATE,
        "format": "FLAC, 16-bit, mono",
        **info, "counts": counts, "seed": SEED, "builder": "tools/build_real_sets.py",
        "built": os.environ.get("BUILD_DATE", datetime.date.today().isoformat())}, indent=1, ensure_ascii=False) + "\n")


def _count(items: list, nested: bool) -> dict[str, int]:
    counts: dict[str, int] = {}
    for _, _, meta in items:
        for label in ([e["label"] for e in meta["events"]] if nested else [meta["label"]]):
            counts[label] = counts.get(label, 0) + 1
    return counts


def write_manifest(root: Path) -> dict:
    """MANIFEST.json: every file of every set with its size and sha256; checks the size budget."""
    sets, total = {}, 0
    for directory in sorted(d for d in root.iterdir() if d.is_dir()):
        files = {}
        for path in sorted(p for p in directory.rglob("*") if p.is_file()):
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                raise SystemExit(f"{path} is {size} bytes, over the {MAX_FILE_BYTES}-byte limit for one file")
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            files[path.relative_to(root).as_posix()] = {"bytes": size, "sha256": digest}
        sets[directory.name] = {"bytes": sum(f["bytes"] for f in files.values()), "files": files}
        total += sets[directory.name]["bytes"]
    if total > MAX_TOTAL_BYTES:
        raise SystemExit(f"the real sets take {total} bytes, over the {MAX_TOTAL_BYTES}-byte budget; make them smaller")
    manifest = {"format": 1, "bytes": total, "sets": sets}
    (root / "MANIFEST.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"where the sets go (default {OUT})")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from datasets import ClassLabel, Features, List, Value  # the column types load_audiofolder restores

    out: Path = args.out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp"))
    try:
        with tempfile.TemporaryDirectory() as work:
            instruments, instruments_info = build_instruments(Path(work))
        write_set(tmp / "instruments", instruments, Features({
            "label": ClassLabel(names=list(FAMILIES)), "clip_id": Value("string"), "program": Value("int32"),
            "instrument": Value("string"), "pitch": Value("int32"), "velocity": Value("int32")}), instruments_info)
        voices, voices_info, prompts, split_ids = build_voices()
        write_set(tmp / "voices", voices, Features({
            "label": ClassLabel(names=list(LANGUAGES)), "clip_id": Value("string"), "prompt": Value("string"),
            "speaker": Value("string"), "start_s": Value("float32")}), voices_info)
        scenes, scenes_info = build_scenes(prompts, split_ids, instruments)
        write_set(tmp / "voice_scenes", scenes, Features({
            "events": List({"onset": Value("float64"), "offset": Value("float64"), "label": Value("string")}),
            "scene_id": Value("string"), "n_events": Value("int32")}), scenes_info)
        manifest = write_manifest(tmp)
        os.chmod(tmp, 0o755)
        trash = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.", suffix=".old"))
        if out.exists():
            os.replace(out, trash / "old")
        os.replace(tmp, out)
        shutil.rmtree(trash, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    for name, entry in manifest["sets"].items():
        print(f"{name:13s} {len(entry['files']):4d} files {entry['bytes'] / 1e6:6.2f} MB")
    size = (out / "MANIFEST.json").stat().st_size
    print(f"{'MANIFEST.json':13s} {1:4d} file  {size / 1e6:6.2f} MB")
    print(f"{'total':13s} {sum(len(e['files']) for e in manifest['sets'].values()) + 1:4d} files "
          f"{(manifest['bytes'] + size) / 1e6:6.2f} MB -> {out}")


if __name__ == "__main__":
    main()
