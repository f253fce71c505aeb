"""Notebook 04: the AST's patch grid."""


def patch_grid(num_frames, num_mel_bins):
    return (num_mel_bins - 16) // 10 + 1, (num_frames - 16) // 10 + 1


SOLUTIONS = {"04.patch_grid": patch_grid}
WRONG = {"04.patch_grid": [lambda t, f: (0, 0), lambda t, f: (f // 16, t // 16),
                           lambda t, f: ((t - 16) // 10 + 1, (f - 16) // 10 + 1)]}
