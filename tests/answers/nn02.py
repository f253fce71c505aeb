"""Notebook 02: the STFT's frame count."""


def frame_count(num_samples, n_fft, hop_length, center):
    if center:
        num_samples += 2 * (n_fft // 2)
    return 1 + (num_samples - n_fft) // hop_length


SOLUTIONS = {"02.frame_count": frame_count}
WRONG = {"02.frame_count": [lambda n, f, h, c: 0, lambda n, f, h, c: n // h, lambda n, f, h, c: 1 + (n - f) // h]}
