"""The machine the course runs on: device, seeds, Colab, and the `doctor`.

Every notebook starts with the same three questions. Which device will the
tensors live on? How do I make this run give the same numbers next time? Am I
in Colab? This module answers them in one place:

    >>> from course_utils.env import get_device, seed_everything
    >>> device = get_device()          # cuda -> mps -> cpu, or $COURSE_DEVICE
    >>> seed_everything(0)             # python, numpy and torch, deterministic on CPU

`python -m course_utils doctor` prints what a learner needs to know before
starting, with a one-line fix for each problem it finds.
"""

from __future__ import annotations

import importlib
import os
import platform
import random
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

__all__ = ["Check", "DATA_DIR", "DATA_ENV_VAR", "DEVICE_ENV_VAR", "ONLINE_ENV_VAR", "PROJECT_ROOT", "default_data_dir",
           "doctor", "get_device", "online", "run_checks", "seed_everything", "user_cache_dir"]

DEVICE_ENV_VAR = "COURSE_DEVICE"
DATA_ENV_VAR = "COURSE_DATA_DIR"
ONLINE_ENV_VAR = "COURSE_ONLINE"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def user_cache_dir() -> Path:
    """The user's cache folder for the course: $XDG_CACHE_HOME/course_utils, else ~/.cache/course_utils."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "course_utils"


def default_data_dir() -> Path:
    """Where generated data is cached: $COURSE_DATA_DIR if set; the checkout's data/ when the course runs
    from a clone; the user's cache folder when pip installed the package (never site-packages)."""
    if os.environ.get(DATA_ENV_VAR):
        return Path(os.environ[DATA_ENV_VAR])
    if (PROJECT_ROOT / "pyproject.toml").is_file() and (PROJECT_ROOT / "notebooks").is_dir():
        return PROJECT_ROOT / "data"
    return user_cache_dir()


DATA_DIR = default_data_dir()


# ----------------------------------------------------------------------------
# Device and seeds


def online(flag: bool | None = None) -> bool:
    """The course's one switch for the internet: may a notebook download hub data and checkpoints?

    Offline is the default: every notebook runs with no network. A notebook's
    `ONLINE = None` line asks this function, which reads the environment
    variable COURSE_ONLINE ("1", "true" or "yes" turn it on; "0", "false",
    "no" or unset leave it off); `ONLINE = True` in the notebook overrides it
    (`flag`). Going online changes which data and checkpoints load (the hub's
    ESC-50, Speech Commands, the AudioSet AST, wav2vec2-base), never the code
    that trains or scores them.
    """
    if flag is not None:
        if not isinstance(flag, bool):
            raise TypeError(f"ONLINE must be True, False or None (None: read ${ONLINE_ENV_VAR}), got {flag!r}")
        return flag
    value = os.environ.get(ONLINE_ENV_VAR, "").strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise ValueError(f"${ONLINE_ENV_VAR}={os.environ[ONLINE_ENV_VAR]!r} is not understood: set it to 1 (online) or 0 "
                     "(offline, the default)")


def get_device(prefer: str | None = None) -> torch.device:
    """The device the course computes on: cuda, then mps, then cpu.

    `prefer` (or the environment variable COURSE_DEVICE) overrides the choice,
    e.g. COURSE_DEVICE=cpu to run a notebook on the CPU of a GPU machine.
    Asking for a device that is not there is an error, not a silent fallback.
    """
    wanted = prefer or os.environ.get(DEVICE_ENV_VAR)
    if wanted:
        source = f"device {wanted!r} was asked for" if prefer else f"{DEVICE_ENV_VAR}={wanted!r}"
        try:
            device = torch.device(wanted)
        except RuntimeError as exc:
            raise ValueError(f"{source}, which is not a device name (try cpu, cuda, cuda:1 or mps)") from exc
        if device.type == "cuda" and not torch.cuda.is_available():
            raise RuntimeError(f"{source} but CUDA is not available on this machine")
        if device.type == "mps" and not _mps_available():
            raise RuntimeError(f"{source} but MPS is not available on this machine")
        return device
    if torch.cuda.is_available():
        return torch.device("cuda")
    if _mps_available():
        return torch.device("mps")
    return torch.device("cpu")


def _mps_available() -> bool:
    return bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())


def seed_everything(seed: int = 0, deterministic: bool = True) -> torch.Generator:
    """Seed python, numpy and torch, and make torch deterministic for the whole process.

    This changes process-wide state (`torch.use_deterministic_algorithms`, cuDNN's flags,
    every global random generator): it is for a notebook's first cells or a script's
    start, not for library code. `course_utils.train.fit` does not call it: fit seeds
    only its own shuffling generator and torch's generator (dropout).

    Returns a torch.Generator seeded with `seed`, handy for DataLoader shuffling.
    On CUDA, `deterministic=True` also asks cuDNN for deterministic algorithms;
    a few GPU kernels stay non-deterministic, so GPU numbers may differ in the
    last digits while CPU numbers repeat exactly.
    """
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    if deterministic:
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    return torch.Generator().manual_seed(seed)


# ----------------------------------------------------------------------------
# The doctor


@dataclass
class Check:
    """One line of the doctor's report."""

    name: str
    ok: bool
    detail: str
    fix: str = ""
    required: bool = True


def _version_check(module: str, required: bool = True, fix: str | None = None) -> Check:
    try:
        mod = importlib.import_module(module)
    except Exception as exc:  # ImportError, or a broken native extension
        return Check(module, False, f"cannot import ({type(exc).__name__}: {exc})".splitlines()[0],
                     fix or f"make test   (or: pip install {module})", required)
    return Check(module, True, getattr(mod, "__version__", "?"), required=required)


def _torchaudio_extension_check() -> Check:
    """torchaudio's compiled extension must load against the installed torch."""
    fix = "pip install --force-reinstall torch torchaudio   (install the two together so their versions match)"
    try:
        import torchaudio
        from torchaudio import _extension

        if not getattr(_extension, "_IS_TORCHAUDIO_EXT_AVAILABLE", True):
            return Check("torchaudio extension", False, "torchaudio imports but its C++ extension is missing", fix)
        # lfilter's inner loop runs in the extension: a mismatched pair fails here.
        import torchaudio.functional as F

        F.lfilter(torch.zeros(1, 16), torch.tensor([1.0, 0.0]), torch.tensor([1.0, 0.0]))
        return Check("torchaudio extension", True, f"loads (torchaudio {torchaudio.__version__}, torch {torch.__version__})")
    except Exception as exc:
        return Check("torchaudio extension", False, f"does not load: {type(exc).__name__}: {exc}".splitlines()[0], fix)


def _ffmpeg_check() -> Check:
    ffmpeg = shutil.which("ffmpeg")
    try:
        importlib.import_module("torchcodec")
        codec = "torchcodec importable"
    except Exception:
        codec = "torchcodec not usable"
    detail = f"ffmpeg {'at ' + ffmpeg if ffmpeg else 'not found'}; {codec}"
    return Check("FFmpeg / torchcodec (optional)", bool(ffmpeg), detail,
                 "not needed: the course reads audio with soundfile. For MP3 via datasets: conda install -c conda-forge ffmpeg",
                 required=False)


def _data_dir_check(data_dir: Path = DATA_DIR) -> Check:
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=data_dir):
            pass
        return Check("data/ writable", True, str(data_dir))
    except OSError as exc:
        return Check("data/ writable", False, f"{data_dir}: {exc.strerror or exc}",
                     f"make {data_dir} writable, or set COURSE_DATA_DIR to a writable folder")


def _device_check() -> Check:
    try:
        device = get_device()
    except RuntimeError as exc:
        return Check("device", False, str(exc), f"unset {DEVICE_ENV_VAR} or set it to cpu")
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor() or platform.machine()
    override = f" ({DEVICE_ENV_VAR}={os.environ[DEVICE_ENV_VAR]})" if os.environ.get(DEVICE_ENV_VAR) else ""
    return Check("device", True, f"{device.type}: {name}{override}")


def run_checks() -> list[Check]:
    """Every check the doctor makes, in the order it prints them."""
    py_ok = sys.version_info >= (3, 10)
    checks = [Check("python", py_ok, platform.python_version(), "install Python 3.10 or newer")]
    checks += [_version_check(m) for m in ("torch", "torchaudio", "transformers", "datasets", "librosa", "soundfile")]
    checks += [_torchaudio_extension_check(), _device_check(), _ffmpeg_check(), _data_dir_check()]
    return checks


def doctor(stream=None) -> int:
    """Print the report; return 0 when everything required is in order, else 1."""
    stream = stream or sys.stdout
    checks = run_checks()
    width = max(len(c.name) for c in checks)
    for c in checks:
        mark = "ok " if c.ok else ("!! " if c.required else "-- ")
        print(f"{mark} {c.name:<{width}}  {c.detail}", file=stream)
        if not c.ok and c.fix:
            print(f"{'':<{width + 5}}fix: {c.fix}", file=stream)
    failed = [c.name for c in checks if c.required and not c.ok]
    print(f"\n{'All required checks passed.' if not failed else 'Needs fixing: ' + ', '.join(failed)}", file=stream)
    return 1 if failed else 0
