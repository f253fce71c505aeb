"""Notebook 04: the AST's patch grid; the length of its token sequence."""


def patch_grid(num_frames, num_mel_bins):
    return (num_mel_bins - 16) // 10 + 1, (num_frames - 16) // 10 + 1


def num_tokens(num_samples):
    frames = 1 + (num_samples - 400) // 160        # a 25 ms window every 10 ms, no padding
    f, t = (128 - 16) // 10 + 1, (frames - 16) // 10 + 1
    return 2 + f * t                               # [CLS] and [DIST] in front of the patches


def _tokens(frames, special=2):
    return special + 12 * ((frames - 16) // 10 + 1)


SOLUTIONS = {"04.patch_grid": patch_grid, "04.num_tokens": num_tokens}
WRONG = {
    "04.patch_grid": [lambda t, f: (0, 0), lambda t, f: (f // 16, t // 16),
                      lambda t, f: ((t - 16) // 10 + 1, (f - 16) // 10 + 1)],
    "04.num_tokens": [lambda n: 0, lambda n: n, lambda n: n // 160,
                      lambda n: _tokens(1 + (n - 400) // 160, special=0),   # patches only
                      lambda n: _tokens(1 + (n - 400) // 160, special=1),   # one special token
                      lambda n: _tokens(1 + (n - 400) // 160) + 1,          # off by one
                      lambda n: _tokens(n // 160), lambda n: _tokens(1 + n // 160),
                      lambda n: 2 + 8 * ((1 + (n - 400) // 160) // 16)],    # non-overlapping tiles
}
