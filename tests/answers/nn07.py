"""Notebook 07: a vertical shift with silence fill, noise mixed in at a given SNR."""

import torch


def shift_with_silence(spec, shift):
    out = torch.full_like(spec, spec.min().item())            # (n_mels, frames), all floor
    n = spec.shape[0]
    if shift >= 0:
        out[shift:] = spec[:n - shift]                        # row i -> row i + shift
    else:
        out[:n + shift] = spec[-shift:]
    return out


def mix_at_snr(signal, noise, snr_db):
    p_signal = (signal ** 2).mean(dim=1, keepdim=True)        # (batch, 1)
    p_noise = (noise ** 2).mean(dim=1, keepdim=True)
    wanted = p_signal / 10 ** (snr_db / 10)                   # the noise power the SNR asks for
    return signal + noise * torch.sqrt(wanted / p_noise)


def _roll_time(spec, shift):
    out = torch.full_like(spec, spec.min().item())
    n = spec.shape[1]
    if shift >= 0:
        out[:, shift:] = spec[:, :n - shift]
    else:
        out[:, :n + shift] = spec[:, -shift:]
    return out


SOLUTIONS = {"07.silence_shift": shift_with_silence, "07.mix_at_snr": mix_at_snr}
WRONG = {
    "07.silence_shift": [
        lambda s, k: s,                                            # unchanged
        lambda s, k: torch.zeros_like(s),                          # zeros
        lambda s, k: torch.roll(s, k, dims=0),                     # wraps round (mode="roll")
        lambda s, k: shift_with_silence(s, -k),                    # wrong sign
        lambda s, k: shift_with_silence(s, k + 1 if k >= 0 else k - 1),  # off by one
        _roll_time,                                                # wrong axis
        lambda s, k: torch.where(shift_with_silence(s, k) == s.min(), torch.zeros_like(s),
                                 shift_with_silence(s, k)),        # zero fill
        lambda s, k: torch.full_like(s, s.min().item()),           # only the floor
    ],
    "07.mix_at_snr": [
        lambda s, n, snr: s,                                       # input unchanged
        lambda s, n, snr: torch.zeros_like(s),                     # zeros
        lambda s, n, snr: s + n,                                   # noise at its own level
        lambda s, n, snr: n,                                       # the noise alone
        lambda s, n, snr: mix_at_snr(s, n, snr / 2),               # 10 ** (snr / 20)
        lambda s, n, snr: mix_at_snr(s, n, -snr),                  # wrong sign
        lambda s, n, snr: s + n * ((s ** 2).mean() / 10 ** (snr / 10) / (n ** 2).mean()).sqrt(),  # whole batch
        lambda s, n, snr: s - (mix_at_snr(s, n, snr) - s),         # subtracted
        lambda s, n, snr: s + n * (s ** 2).mean(0, keepdim=True).sqrt() / 10 ** (snr / 20),  # wrong axis
    ],
}
