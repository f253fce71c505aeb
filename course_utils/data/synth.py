"""Sound synthesis from first principles: the DSP the course's sounds are made of.

Every sound in the generated data is built from a handful of ideas, each a
short numpy function here (1-D float arrays of samples at `sample_rate` Hz):

    oscillators    a phase that advances by 2*pi*f/sample_rate per sample; sin(k * phase) is harmonic k
    envelopes      how loudness rises and falls (attack, release, exponential decay)
    noise          white noise shaped to 1/f^alpha (white, pink, brown)
    resonators     two-pole filters that ring at one frequency: formants, bodies of drums and doors
    source-filter  a buzzy source (the vocal folds) through resonators (the vocal tract) = a vowel
    reverb         convolution with a decaying noise burst (a room's impulse response)
    mixing         placing a sound on a background at a chosen signal-to-noise ratio

All randomness comes from an explicit `np.random.Generator`, so the same seed
gives the same samples, bit for bit.
"""

from __future__ import annotations

import numpy as np
from scipy.fft import irfft, next_fast_len, rfft
from scipy.signal import fftconvolve, lfilter

__all__ = ["TWO_PI", "phase_from_frequency", "harmonic_stack", "exp_chirp", "attack_release", "decay_length",
           "colored_noise", "resonator_coefficients", "resonate", "formant_filter", "lip_radiation", "glottal_source",
           "reverb", "rms", "db_to_amplitude"]

TWO_PI = 2.0 * np.pi


# ----------------------------------------------------------------------------
# Oscillators


def phase_from_frequency(freq_hz: np.ndarray, sample_rate: int, phase0: float = 0.0) -> np.ndarray:
    """Instantaneous phase (radians) of an oscillator whose frequency varies per sample."""
    return phase0 + TWO_PI * np.cumsum(freq_hz) / sample_rate  # (samples,)


def harmonic_stack(freq_hz: np.ndarray, sample_rate: int, amplitudes: np.ndarray, phase0: float = 0.0) -> np.ndarray:
    """Sum of harmonics k*f0 with the given amplitudes (harmonic k = amplitudes[k-1]).

    Harmonics above 0.45*sample_rate are left out (they would alias back down).
    `freq_hz` is the fundamental per sample, so vibrato and glides come free.
    sin(k*phase) comes from the recurrence sin(k x) = 2 cos(x) sin((k-1) x) - sin((k-2) x),
    two multiply-adds per harmonic instead of a sine.
    """
    phase = phase_from_frequency(freq_hz, sample_rate, phase0)          # (samples,)
    n_audible = int(np.sum(np.arange(1, len(amplitudes) + 1) * np.max(freq_hz) < 0.45 * sample_rate))
    two_cos = 2.0 * np.cos(phase)
    prev, cur = np.zeros_like(phase), np.sin(phase)           # sin(0 x), sin(1 x)
    out = amplitudes[0] * cur if n_audible else np.zeros_like(phase)
    for amp in amplitudes[1:n_audible]:
        prev, cur = cur, two_cos * cur - prev
        if amp:
            out += amp * cur
    return out


def exp_chirp(f_start: float, f_end: float, n: int, sample_rate: int) -> np.ndarray:
    """Instantaneous frequency of an exponential sweep: equal time per octave, like a whistle."""
    return f_start * (f_end / f_start) ** (np.arange(n) / max(n - 1, 1))


# ----------------------------------------------------------------------------
# Envelopes


def attack_release(n: int, sample_rate: int, attack_s: float, release_s: float) -> np.ndarray:
    """Raised-cosine fade in over `attack_s` and fade out over `release_s`, flat between."""
    env = np.ones(n)
    a, r = min(int(attack_s * sample_rate), n // 2), min(int(release_s * sample_rate), n // 2)
    if a:
        env[:a] = 0.5 - 0.5 * np.cos(np.pi * np.arange(a) / a)
    if r:
        env[n - r:] = 0.5 + 0.5 * np.cos(np.pi * np.arange(1, r + 1) / r)
    return env


def decay_length(tau_s: float, sample_rate: int, floor_db: float = 40.0) -> int:
    """Samples until an exp(-t/tau) decay has fallen by `floor_db` decibels."""
    return int(np.ceil(tau_s * floor_db / 20.0 * np.log(10.0) * sample_rate))


# ----------------------------------------------------------------------------
# Noise and filters


def colored_noise(n: int, rng: np.random.Generator, alpha: float = 0.0) -> np.ndarray:
    """Gaussian noise with power spectrum ~ 1/f^alpha (0 white, 1 pink, 2 brown), unit RMS.

    White noise is shaped in the frequency domain: each FFT bin at frequency f is
    scaled by f^(-alpha/2). The FFT runs on a fast length (few prime factors) and
    the result is cut to `n`.
    """
    m = next_fast_len(n, real=True)
    spectrum = rfft(rng.standard_normal(m))
    f = np.arange(spectrum.shape[0], dtype=float)
    f[0] = 1.0
    noise = irfft(spectrum / f ** (alpha / 2.0), m)[:n]
    return noise / (np.sqrt(np.mean(noise**2)) + 1e-12)


def resonator_coefficients(freq_hz, bandwidth_hz, sample_rate: int) -> tuple[np.ndarray, np.ndarray]:
    """Two-pole resonator: poles at radius exp(-pi*B/sample_rate) and angle 2*pi*F/sample_rate, gain 1 at F."""
    r = np.exp(-np.pi * bandwidth_hz / sample_rate)
    theta = TWO_PI * freq_hz / sample_rate
    a = np.array([1.0, -2.0 * r * np.cos(theta), r * r])
    b = np.array([(1.0 - r) * np.sqrt(1.0 - 2.0 * r * np.cos(2 * theta) + r * r)])
    return b, a


def resonate(x: np.ndarray, freq_hz: float, bandwidth_hz: float, sample_rate: int) -> np.ndarray:
    """Filter `x` through one resonator (a ringing band-pass)."""
    b, a = resonator_coefficients(freq_hz, bandwidth_hz, sample_rate)
    return lfilter(b, a, x)


def formant_filter(source: np.ndarray, formants_hz: np.ndarray, bandwidths_hz, sample_rate: int,
                   block_s: float = 0.02) -> np.ndarray:
    """The vocal tract: a cascade of resonators at the formant frequencies.

    `formants_hz` is `(n_formants,)` for a steady vowel or `(n_formants, samples)`
    for formants that move (a syllable gliding from one vowel to the next); the
    moving case is filtered in blocks of `block_s` seconds, carrying the filter state across.
    Formants in a cascade set their own relative levels (the higher ones ride
    on the lower ones' skirts), as in Klatt's cascade synthesiser.
    """
    formants_hz = np.asarray(formants_hz, dtype=float)
    bandwidths_hz = np.broadcast_to(np.asarray(bandwidths_hz, dtype=float), formants_hz.shape[:1])
    y = source
    if formants_hz.ndim == 1:
        for f, bw in zip(formants_hz, bandwidths_hz):
            y = lfilter(*resonator_coefficients(f, bw, sample_rate), y)
        return y
    out = np.empty_like(source)
    block = max(1, int(block_s * sample_rate))
    states = [np.zeros(2) for _ in formants_hz]
    for start in range(0, source.shape[0], block):
        seg = source[start:start + block]
        for i, (track, bw) in enumerate(zip(formants_hz, bandwidths_hz)):
            b, a = resonator_coefficients(track[start], bw, sample_rate)
            seg, states[i] = lfilter(b, a, seg, zi=states[i])
        out[start:start + block] = seg
    return out


def lip_radiation(x: np.ndarray) -> np.ndarray:
    """Sound leaving the lips: a first difference, +6 dB per octave."""
    return np.diff(x, prepend=0.0)


def glottal_source(f0_hz: np.ndarray, sample_rate: int, rng: np.random.Generator, n_harmonics: int = 40) -> np.ndarray:
    """A voiced source: harmonics of f0 falling at -6 dB/octave (1/k), plus a breath of noise."""
    amps = 1.0 / np.arange(1, n_harmonics + 1)
    voiced = harmonic_stack(f0_hz, sample_rate, amps, phase0=rng.uniform(0, TWO_PI))
    return voiced + 0.02 * rng.standard_normal(f0_hz.shape[0])


# ----------------------------------------------------------------------------
# Rooms and mixing


def reverb(x: np.ndarray, sample_rate: int, rng: np.random.Generator, rt60_s: float, wet: float) -> np.ndarray:
    """Convolve with a synthetic room: noise decaying by 60 dB over `rt60_s` (output is longer)."""
    n = max(int(rt60_s * sample_rate), 1)
    ir = rng.standard_normal(n) * np.exp(-6.9 * np.arange(n) / n)  # ln(1000) = 6.9: -60 dB at the end
    ir /= np.sqrt(np.sum(ir**2))
    out = wet * fftconvolve(x, ir)  # (samples + n - 1,): the tail rings on
    out[: x.shape[0]] += (1.0 - wet) * x
    return out


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x)))) if x.size else 0.0


def db_to_amplitude(db):
    return 10.0 ** (np.asarray(db) / 20.0)
