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
# # 02 · Spectrograms from first principles
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/audio-classification-course/audio-classification-course/blob/main/notebooks/02_spectrograms.ipynb)
#
# Every model after this notebook looks at sound through a spectrogram. Here we build one by hand,
# step by step, from a waveform: frames, window, FFT, power, mel, log. Each step is a few lines of
# torch, drawn as a picture, and checked against `course_utils.features` (the course's plain,
# step-by-step implementation) and against librosa.
#
# **Learning goals**
#
# - Turn a waveform into a log-mel spectrogram yourself, and know what each step is for.
# - Read the picture: x is time, y is frequency, the colour is energy.
# - See the time/frequency trade-off: a long window sharpens pitch and blurs time, a short one the opposite.
# - Explain why the mel scale and the log are used, and hear why moving the picture up or down changes the sound.

# %%
# Setup: in Colab, install the course package; locally this does nothing.
import sys
if "google.colab" in sys.modules:
    # %pip install -q "course-utils @ git+https://github.com/audio-classification-course/audio-classification-course@main"

# %%
import math

import ipywidgets as widgets
import librosa
import matplotlib.pyplot as plt
import numpy as np
import torch
import torchaudio
from IPython.display import Audio, display

from course_utils.data import make_clip
from course_utils.env import get_device, seed_everything
from course_utils.fast_features import LogMel
from course_utils.features import (frame_signal, get_window, hz_to_mel, log_mel_spectrogram, mel_filterbank,
                                   mel_to_hz, power_spectrogram, power_to_db, stft)
from course_utils.notebook import record_result

seed_everything(0)
device = get_device()
SR = 16000
plt.rcParams["image.interpolation"] = "nearest"  # crisp pixels (and small files)
print("device:", device)

# %% [markdown]
# ## A sound to look at
#
# One clip from the course's data: a synthetic voice saying "a" (a buzzing source at 100-180 Hz,
# shaped by three resonances of the mouth, the *formants*). One second at 16 kHz is 16 000 numbers.

# %%
wave_np, meta = make_clip("vowel_a", index=0)
wave = torch.from_numpy(wave_np)                       # (samples,)
t = torch.arange(wave.numel()) / SR
duration = wave.numel() / SR
print(f"{wave.numel()} samples = {duration:.2f} s; the voice's pitch: {meta['pitch_hz']:.0f} Hz")

fig, axes = plt.subplots(1, 2, figsize=(10, 2.5))
axes[0].plot(t, wave, lw=0.5)
axes[0].set(title="the whole clip", xlabel="time (s)")
start = meta["onset_s"] + 0.1                           # the voice starts at onset_s
zoom = (t > start) & (t < start + 0.03)
axes[1].plot(t[zoom] * 1000, wave[zoom])
axes[1].set(title="30 ms of it: a repeating buzz", xlabel="time (ms)")
plt.tight_layout(); plt.show(); plt.close(fig)
display(Audio(wave.numpy(), rate=SR))

# %% [markdown]
# The waveform says *when* something is loud, but not *which frequencies* are in it. A spectrogram
# answers both: cut the sound into short overlapping pieces and ask each piece for its frequencies.
#
# ## Step 1 · Frames
#
# A frame is `n_fft` samples (400 = 25 ms); the next frame starts `hop_length` samples later
# (160 = 10 ms), so neighbours overlap. We first pad `n_fft // 2` zeros at both ends so that frame
# `t` is *centred* on sample `t * hop_length` (librosa's and `torch.stft`'s convention).

# %%
n_fft, hop = 400, 160
padded = torch.nn.functional.pad(wave, (n_fft // 2, n_fft // 2))
n_frames = 1 + wave.numel() // hop
frames = torch.stack([padded[i * hop: i * hop + n_fft] for i in range(n_frames)])   # (frames, n_fft)
print("frames:", tuple(frames.shape), f"= 1 + {wave.numel()} // {hop}")

torch.testing.assert_close(frames, frame_signal(wave, n_fft, hop, center=True))   # the package does the same
assert frames.shape == (1 + wave.numel() // hop, n_fft)

# %% [markdown]
# ### Your turn: how many frames?
#
# Write `frame_count(num_samples, n_fft, hop_length, center)`: the number of frames the STFT cuts
# from a clip of `num_samples` samples, with centring (pad `n_fft // 2` on both sides first, as
# above) or without it (`center=False`: a frame must fit entirely inside the clip). Predict the
# answer for one second at 16 kHz with and without centring before you run the check: the check
# tries several clips, and says what is wrong and gives a hint, never the answer.

# %%
from course_utils.exercises import check


def frame_count(num_samples: int, n_fft: int, hop_length: int, center: bool) -> int:
    ...  # your answer here


check("02.frame_count", frame_count)

# %% [markdown]
# ## Step 2 · Window
#
# The FFT treats a frame as if it repeated forever, so the jump between its last and first sample
# looks like a click and smears energy across all frequencies ("spectral leakage"). A *window*
# tapers the frame to zero at both ends. The Hann window is one full period of a cosine, flipped
# and lifted so that it runs 0 → 1 → 0 across the frame (a "raised cosine"):
# $w[n] = 0.5 - 0.5\cos(2\pi n / N)$.

# %%
n = torch.arange(n_fft)
hann = 0.5 - 0.5 * torch.cos(2 * math.pi * n / n_fft)                               # (n_fft,)
torch.testing.assert_close(hann, get_window("hann", n_fft))
windowed = frames * hann                                                              # (frames, n_fft)

# leakage: a pure 1030 Hz tone, one frame, with and without the window
tone = torch.sin(2 * math.pi * 1030 * torch.arange(n_fft) / SR)
freqs = torch.arange(n_fft // 2 + 1) * SR / n_fft
rect_db = 20 * torch.log10(torch.fft.rfft(tone).abs() + 1e-9)
hann_db = 20 * torch.log10(torch.fft.rfft(tone * hann).abs() + 1e-9)

fig, axes = plt.subplots(1, 2, figsize=(10, 2.8))
axes[0].plot(frames[30], lw=0.7, label="frame 30")
axes[0].plot(windowed[30], lw=0.7, label="times Hann")
axes[0].legend(); axes[0].set(xlabel="sample in frame")
axes[1].plot(freqs, rect_db - rect_db.max(), label="no window")
axes[1].plot(freqs, hann_db - hann_db.max(), label="Hann window")
axes[1].set(xlim=(0, 4000), ylim=(-100, 5), xlabel="frequency (Hz)", ylabel="dB", title="a 1030 Hz tone")
axes[1].legend(); plt.tight_layout(); plt.show(); plt.close(fig)

far = freqs > 2000  # energy leaked more than ~1 kHz away from the tone
print(f"leakage above 2 kHz: {(rect_db - rect_db.max())[far].max():.0f} dB without a window, "
      f"{(hann_db - hann_db.max())[far].max():.0f} dB with Hann")
assert (hann_db - hann_db.max())[far].max() < (rect_db - rect_db.max())[far].max() - 30

# %% [markdown]
# ## Step 3 · FFT
#
# The discrete Fourier transform compares the frame with a cosine and a sine at each frequency
# $k \cdot \text{sr} / n_\text{fft}$; for a real signal only $k = 0 \dots n_\text{fft}/2$ carry
# information (201 bins, 40 Hz apart, up to 8 kHz, the Nyquist frequency). Written as a matrix it is
# one line; the FFT computes the same numbers in $O(N \log N)$ instead of $O(N^2)$.

# %%
k = torch.arange(n_fft // 2 + 1)
dft = torch.exp(-2j * math.pi * torch.outer(n, k).double() / n_fft)                  # (n_fft, n_freqs)
by_matrix = windowed.double().to(torch.complex128) @ dft                              # (frames, n_freqs)
by_fft = torch.fft.rfft(windowed)                                                     # (frames, n_freqs)
torch.testing.assert_close(by_fft.to(torch.complex128), by_matrix, atol=1e-4, rtol=1e-4)

spectrum = by_fft.T                                                                   # (n_freqs, frames)
ours_vs_package = (spectrum - stft(wave, n_fft, hop)).abs().max().item()
ours_vs_librosa = np.abs(spectrum.numpy() - librosa.stft(wave_np, n_fft=n_fft, hop_length=hop)).max()
print(f"STFT by hand vs course_utils: {ours_vs_package:.2e}, vs librosa: {ours_vs_librosa:.2e} "
      f"(largest magnitude {spectrum.abs().max():.1f})")
assert ours_vs_package < 1e-4 and ours_vs_librosa < 1e-4

# %% [markdown]
# ## Step 4 · Power
#
# The FFT gives complex numbers: a size and a phase for each bin. The energy is the squared size,
# $|X|^2$. This *power spectrogram* is already a picture, but a poor one: a few cells are so much
# stronger than the rest that almost everything looks black.

# %%
power = spectrum.abs() ** 2                                                           # (n_freqs, frames)
torch.testing.assert_close(power, power_spectrogram(wave, n_fft, hop), rtol=1e-4, atol=1e-4)

fig, ax = plt.subplots(figsize=(6, 2.8))
ax.imshow(power, origin="lower", aspect="auto", extent=(0, duration, 0, SR / 2), cmap="magma")
ax.set(title="power spectrogram, linear colour", xlabel="time (s)", ylabel="frequency (Hz)")
plt.tight_layout(); plt.show(); plt.close(fig)
print(f"power spans {power.max() / power[power > 0].min():.1e} : 1 between its strongest and weakest cells")

# %% [markdown]
# ## Step 5 · Mel
#
# Our ears resolve low frequencies finely and high ones coarsely: 100 and 140 Hz are clearly
# different, 7000 and 7040 Hz barely. The **mel scale** (from listeners asked to judge equal
# distances in pitch, Stevens, Volkmann and Newman, 1937) follows that: close to linear below
# 1 kHz and close to logarithmic above. HTK's formula is $m = 2595 \log_{10}(1 + f / 700)$. It is
# *not* a scale of musical octaves: the cell below prints how many mels the octave 100 → 200 Hz
# spans and how many 1000 → 2000 Hz spans (a log-frequency axis would give both the same).
# A mel filterbank is a set of triangles evenly spaced in mel: each adds up the power bins under
# it. 64 mel bands replace 201 FFT bins, fine at low frequencies and coarse at high ones, like our ears.

# %%
mel = lambda hz: float(hz_to_mel(torch.tensor(hz)))  # course_utils.features.hz_to_mel: the HTK formula
octave_low, octave_high = mel(200.0) - mel(100.0), mel(2000.0) - mel(1000.0)
print(f"100 -> 200 Hz: {octave_low:.0f} mel;  1000 -> 2000 Hz: {octave_high:.0f} mel")
assert octave_high > 3 * octave_low  # the same musical step, four times the mel distance up there

n_mels = 64
mel_points = torch.linspace(0, 2595 * math.log10(1 + (SR / 2) / 700), n_mels + 2, dtype=torch.float64)
hz_points = 700 * (10 ** (mel_points / 2595) - 1)                                     # (n_mels + 2,) edges
bin_hz = torch.linspace(0, SR / 2, n_fft // 2 + 1, dtype=torch.float64)               # (n_freqs,)
fb = torch.zeros(n_fft // 2 + 1, n_mels, dtype=torch.float64)
for m in range(n_mels):
    left, centre, right = hz_points[m], hz_points[m + 1], hz_points[m + 2]
    rising = (bin_hz - left) / (centre - left)
    falling = (right - bin_hz) / (right - centre)
    fb[:, m] = torch.clamp(torch.minimum(rising, falling), min=0)
fb = fb.float()
torch.testing.assert_close(fb, mel_filterbank(n_fft // 2 + 1, n_mels, SR))
np.testing.assert_allclose(fb.numpy(), librosa.filters.mel(sr=SR, n_fft=n_fft, n_mels=n_mels, htk=True, norm=None).T,
                           atol=1e-6)
torch.testing.assert_close(hz_to_mel(1000.0).float(), torch.tensor(2595 * math.log10(1 + 1000 / 700)))

fig, axes = plt.subplots(1, 2, figsize=(10, 2.6))
f = torch.linspace(0, SR / 2, 200)
axes[0].plot(f, hz_to_mel(f, "htk"), label="HTK")
axes[0].plot(f, hz_to_mel(f, "slaney"), label="Slaney (librosa's default)")
axes[0].set(xlabel="frequency (Hz)", ylabel="mel"); axes[0].legend()
axes[1].plot(bin_hz, fb[:, ::4], lw=0.8)
axes[1].set(title="every 4th of 64 mel filters", xlabel="frequency (Hz)")
plt.tight_layout(); plt.show(); plt.close(fig)

mel_power = fb.T @ power                                                              # (n_mels, frames)
print("mel power:", tuple(mel_power.shape))

# %% [markdown]
# ## Step 6 · Log
#
# Loudness, too, is heard on a log scale: ten times the power sounds like one step louder, whatever
# the start. Decibels, $10 \log_{10}(P)$, turn the enormous range of powers into a range an eye or
# a network can use. Two details: a floor `amin` so that silence gives a finite number, and `top_db`,
# which clips everything more than 80 dB below the loudest cell (it is inaudible anyway).

# %%
db = 10 * torch.log10(torch.clamp(mel_power, min=1e-10))
db = torch.maximum(db, db.max() - 80.0)                                               # (n_mels, frames)

package = log_mel_spectrogram(wave, SR, n_fft=n_fft, hop_length=hop, n_mels=n_mels)
reference = librosa.power_to_db(librosa.feature.melspectrogram(y=wave_np, sr=SR, n_fft=n_fft, hop_length=hop,
                                                               n_mels=n_mels, htk=True, norm=None), top_db=80.0)
diff_package = (db - package).abs().max().item()
diff_librosa = float(np.abs(db.numpy() - reference).max())
print(f"log-mel by hand vs course_utils: {diff_package:.1e} dB, vs librosa: {diff_librosa:.1e} dB")
assert diff_package < 1e-3 and diff_librosa < 5e-3

fig, axes = plt.subplots(1, 2, figsize=(10, 2.8))
axes[0].imshow(mel_power, origin="lower", aspect="auto", extent=(0, duration, 0, n_mels), cmap="magma")
axes[0].set(title="mel power, linear", xlabel="time (s)", ylabel="mel band")
im = axes[1].imshow(db, origin="lower", aspect="auto", extent=(0, duration, 0, n_mels), cmap="magma")
axes[1].set(title="mel power in dB: the log-mel spectrogram", xlabel="time (s)")
fig.colorbar(im, ax=axes[1], label="dB")
plt.tight_layout(); plt.show(); plt.close(fig)

# %% [markdown]
# In linear power only the strongest harmonics show; in dB the voice's whole spectrum appears
# (its harmonics and the bands of its formants) and even the quiet background noise before it starts.
#
# That is the whole pipeline. In the package, `log_mel_spectrogram` is these same steps, literally
# `power_to_db(mel_filterbank(...).T @ power_spectrogram(...))`, for a batch `(batch, samples)` at
# once, on any device, and differentiable. The models use the layer `LogMel` from
# `course_utils.fast_features`, which computes the same numbers with speed tricks that would hide the
# steps (and is tested equal to the plain function).

# %%
clips_ = [torch.from_numpy(make_clip(c, index=0)[0]) for c in ["horn_low", "chirp_up", "rain"]]
batch = torch.stack([torch.nn.functional.pad(c, (0, SR - c.numel())) for c in clips_])   # (3, 16000), zero-padded
specs = log_mel_spectrogram(batch.to(device), SR)                                    # (3, 64, 101)
fast_specs = LogMel(SR).to(device)(batch.to(device))                                 # the models' front-end
print("batch:", tuple(batch.shape), "->", tuple(specs.shape), "on", specs.device)
print(f"LogMel vs log_mel_spectrogram: {(fast_specs - specs).abs().max():.1e} dB")
torch.testing.assert_close(fast_specs, specs, atol=2e-3, rtol=0)                      # dB (GPU FFTs round differently)

# %% [markdown]
# ### Your turn: decibels, clip by clip
#
# Write `my_power_to_db(power, top_db)`: powers `(..., freq, frames)` in, decibels of the same shape
# out. Take `10 · log10` of the power clamped at `amin = 1e-10` (Step 6), then raise every cell to at
# least `top_db` below the loudest cell **of its own clip** (the peak over the last two axes, frequency
# and time); `top_db=None` means no floor. The check feeds it single clips and batches
# `(clips, freq, frames)` in which one clip is much quieter than the others. Predict first: with one
# peak for the whole batch instead, what would happen to the quiet clip's picture?

# %%
def my_power_to_db(power: torch.Tensor, top_db: float | None) -> torch.Tensor:
    ...  # your answer here


check("02.power_to_db", my_power_to_db)

# %% [markdown]
# ## Reading the picture
#
# The seed's reading: **x is time, y is frequency, the brightness of a pixel is the energy** at that
# time and frequency. So the picture is not like a photo. Shifting a photo up leaves a cat a cat;
# shifting a spectrogram up raises every frequency, and the sound changes.
#
# Listen. Below: a horn (harmonics at f0, 2 f0, 3 f0 ...), then the *same picture* moved up by 20 FFT
# bins (+312 Hz) and turned back into sound with Griffin-Lim (which guesses the phases the picture
# does not store). Every harmonic moved by the same 312 Hz, so they are no longer multiples of one
# pitch: the horn turns into a metallic, bell-like sound. On the mel axis, where high frequencies
# are squeezed, the same shift in pixels is a different shift in hertz at the bottom and the top.

# %%
horn_np, horn_meta = make_clip("horn_low", index=0)
horn = torch.from_numpy(horn_np)
magnitude = stft(horn, 1024, 256).abs()                                               # (513, frames)
shift = 20                                                                            # bins of 15.6 Hz
moved = torch.zeros_like(magnitude)
moved[shift:] = magnitude[:-shift]                                                    # the picture, moved up
griffin_lim = torchaudio.transforms.GriffinLim(n_fft=1024, hop_length=256, power=1.0, n_iter=32, rand_init=False)
resynth_original = griffin_lim(magnitude)
resynth_moved = griffin_lim(moved)


def peak_hz(x: torch.Tensor) -> float:
    spectrum_ = torch.fft.rfft(x * torch.hann_window(x.numel()))
    return float(spectrum_.abs().argmax()) * SR / x.numel()


print(f"shift: {shift * SR / 1024:.0f} Hz; strongest frequency {peak_hz(resynth_original):.0f} Hz -> "
      f"{peak_hz(resynth_moved):.0f} Hz")
assert abs(peak_hz(resynth_moved) - peak_hz(resynth_original) - shift * SR / 1024) < 10

fig, axes = plt.subplots(1, 2, figsize=(10, 2.6), sharey=True)
for ax, m, title in [(axes[0], magnitude, "horn"), (axes[1], moved, f"moved up {shift * SR / 1024:.0f} Hz")]:
    ax.imshow(power_to_db(m ** 2), origin="lower", aspect="auto", extent=(0, horn.numel() / SR, 0, SR / 2),
              cmap="magma")
    ax.set(title=title, xlabel="time (s)", ylim=(0, 4000))
axes[0].set(ylabel="frequency (Hz)")
plt.tight_layout(); plt.show(); plt.close(fig)
display(Audio(resynth_original.numpy(), rate=SR), Audio(resynth_moved.numpy(), rate=SR))

# %% [markdown]
# This is why a CNN on spectrograms must not be trained with "vertical shift" augmentation as if it
# were a photo (notebook 03 and 07 measure it): in the course data, `horn_low` and `horn_high` are the
# same horn an octave apart, and moving one picture up turns it into the *other class*.
#
# ## The time/frequency trade-off
#
# A frame of `n_fft` samples gives frequency bins `sr / n_fft` apart and lasts `n_fft / sr` seconds.
# You cannot have both fine: a long frame separates close frequencies but blurs *when* things happen;
# a short one the opposite. Two test sounds make it visible: a **chirp** (a tone sweeping up) with a
# second tone 60 Hz away from a steady 1 kHz tone, and a **click train** (a click every 40 ms).

# %%
t = torch.arange(SR) / SR
sweep = torch.sin(2 * math.pi * (200 * t + 2500 * t ** 2))                            # 200 -> 5200 Hz
two_tones = torch.sin(2 * math.pi * 1000 * t) + torch.sin(2 * math.pi * 1060 * t)
chirp_sound = 0.3 * sweep + 0.3 * two_tones
clicks = torch.zeros(SR)
clicks[400::640] = 1.0                                                                 # 25 clicks, 40 ms apart
true_clicks = int(clicks.sum())

sizes = [128, 512, 2048]
fig, axes = plt.subplots(2, 3, figsize=(11, 5))
resolved_clicks, resolved_tones = {}, {}
for j, size in enumerate(sizes):
    hop_ = size // 4
    for i, (name, sound) in enumerate([("chirp + tones", chirp_sound), ("clicks", clicks)]):
        spec = power_to_db(power_spectrogram(sound, size, hop_), top_db=80)
        axes[i, j].imshow(spec, origin="lower", aspect="auto", extent=(0, 1, 0, SR / 2), cmap="magma")
        axes[i, j].set(ylim=(0, 6000) if i == 0 else (0, SR / 2))
        axes[0, j].set_title(f"n_fft={size}: {1000 * size / SR:.0f} ms, {SR / size:.0f} Hz bins", fontsize=10)
    # clicks: how many separate bursts does the frame energy show over time?
    energy = power_spectrogram(clicks, size, size // 8).sum(0)
    above = energy > energy.max() * 0.25
    resolved_clicks[size] = int((above[1:] & ~above[:-1]).sum() + above[0])
    # tones: is there a dip between 1000 and 1060 Hz in the middle of the clip?
    column = power_spectrogram(two_tones, size, hop_)[:, 10 if size == 2048 else 40]
    bins = torch.arange(column.numel()) * SR / size
    inside = column[(bins >= 1000) & (bins <= 1060)]
    resolved_tones[size] = bool(len(inside) >= 3 and inside[1:-1].min() < 0.5 * inside.max())
axes[0, 0].set(ylabel="chirp + tones (Hz)")
axes[1, 0].set(ylabel="clicks (Hz)")
plt.tight_layout(); plt.show(); plt.close(fig)
print(f"{true_clicks} clicks; bursts seen per n_fft: {resolved_clicks}")
print(f"1000 Hz and 1060 Hz told apart per n_fft: {resolved_tones}")
assert resolved_clicks[128] == true_clicks and resolved_clicks[2048] < true_clicks
assert resolved_tones[2048] and not resolved_tones[128]

# %% [markdown]
# With 128 samples (8 ms) every click stands alone but the two tones, 60 Hz apart, fall into one
# 125 Hz bin. With 2048 samples (128 ms) the tones split cleanly, but frames span several clicks and
# the clicks merge into a smear; the chirp's line gets thick because its pitch changes within a
# frame. Speech and everyday sounds are usually analysed with 20-30 ms frames (400 samples here), a
# compromise that keeps both syllables and harmonics visible.
#
# ## Explore
#
# Move the sliders: `n_fft` (frame length), `hop_length` (step between frames) and `n_mels`.
# Too many mel bands for a short frame leaves some triangles with no FFT bin under them; the package
# then refuses with a message that names `n_mels`. (The sliders need a live kernel; below them, the
# same function is called once with fixed values so the notebook also shows a picture when read.)

# %%
explore_clips = {name: torch.from_numpy(make_clip(name, index=1)[0]) for name in ["vowel_a", "ding_dong", "chirp_up"]}


def show_log_mel(clip: str = "vowel_a", n_fft: int = 512, hop_length: int = 160, n_mels: int = 64) -> None:
    sound = explore_clips[clip]
    try:
        spec = log_mel_spectrogram(sound, SR, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels)
    except ValueError as err:
        print("ValueError:", err)
        return
    fig, ax = plt.subplots(figsize=(6, 2.6))
    ax.imshow(spec, origin="lower", aspect="auto", extent=(0, sound.numel() / SR, 0, n_mels), cmap="magma")
    ax.set(title=f"{clip}: {tuple(spec.shape)} (mels, frames)", xlabel="time (s)", ylabel="mel band")
    plt.tight_layout(); plt.show(); plt.close(fig)


explorer = widgets.interactive(
    show_log_mel,
    clip=list(explore_clips),
    n_fft=widgets.SelectionSlider(options=[128, 256, 512, 1024, 2048], value=512),
    hop_length=widgets.IntSlider(value=160, min=32, max=512, step=32),
    n_mels=widgets.IntSlider(value=64, min=8, max=128, step=8),
)
display(explorer)

# %%
show_log_mel("ding_dong", n_fft=1024, hop_length=128, n_mels=96)
show_log_mel("ding_dong", n_fft=128, hop_length=128, n_mels=96)   # too many mels for 65 FFT bins

# %%
record_result("02_spectrograms", max_abs_diff_vs_librosa_db=round(diff_librosa, 6),
              max_abs_diff_vs_course_utils_db=round(diff_package, 6),
              stft_max_abs_diff_vs_librosa=float(f"{ours_vs_librosa:.3g}"),
              clicks_resolved_n_fft_128=resolved_clicks[128], clicks_resolved_n_fft_2048=resolved_clicks[2048])

# %% [markdown]
# ## Self-check
#
# Answer each question for yourself before you open its answer.
#
# 1. You double `n_fft` and keep the hop. What happens to the frequency resolution, the time resolution and the number of frames?
# <details><summary>Answer</summary>Frequency bins get twice as close (finer pitch), each frame covers twice the time (blurrier timing), and the number of frames stays about the same: it depends on the hop, not the frame length (with centring, exactly one more than the clip length divided by the hop).</details>
#
# 2. Why window a frame before the FFT?
# <details><summary>Answer</summary>The FFT treats the frame as one period of a signal that repeats forever; the jump between its last and first sample acts like a click and leaks energy into every frequency. A taper to zero at both ends (Hann) removes the jump.</details>
#
# 3. Is the mel scale a scale of musical octaves?
# <details><summary>Answer</summary>No. It is close to linear below 1 kHz and close to logarithmic above, so an octave high up spans far more mels than an octave low down (the notebook prints both).</details>
#
# 4. Why take the log (decibels) of the mel energies?
# <details><summary>Answer</summary>Energies span many orders of magnitude and loudness is heard roughly logarithmically; in dB, quiet detail (harmonics, reverberation tails) is visible next to loud onsets, and a gain change becomes an additive shift.</details>

# %% [markdown]
# ## Summary
#
# - A spectrogram is frames → window → FFT → power → mel → log; each step here matched `course_utils.features` and librosa (the models' `LogMel` gives the same numbers, faster).
# - The window stops leakage; the FFT gives `n_fft // 2 + 1` bins `sr / n_fft` apart; power is $|X|^2$.
# - Mel bands follow our hearing (fine low, coarse high); dB squeezes a huge range of powers into a usable one.
# - x is time, y is frequency, brightness is energy: moving the picture up changes the sound, so it is not an ordinary image.
# - Frame length trades time resolution for frequency resolution: short frames see clicks, long frames separate close tones.
#
# **Next:** `03_cnn_on_spectrograms`: treat the log-mel picture as an image and classify it with a CNN.
