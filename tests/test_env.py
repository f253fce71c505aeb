"""course_utils.env: device choice, seeding, and the doctor."""

import io
import sys

import numpy as np
import pytest
import torch

from course_utils import env
from course_utils.env import doctor, get_device, run_checks, seed_everything


@pytest.mark.parametrize("cuda, mps, expected", [(True, True, "cuda"), (True, False, "cuda"),
                                                  (False, True, "mps"), (False, False, "cpu")])
def test_device_prefers_cuda_then_mps_then_cpu(monkeypatch: pytest.MonkeyPatch, cuda: bool, mps: bool,
                                               expected: str) -> None:
    monkeypatch.delenv("COURSE_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(env, "_mps_available", lambda: mps)
    assert get_device().type == expected


def test_course_device_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COURSE_DEVICE", "cpu")
    assert get_device() == torch.device("cpu")


def test_asking_for_a_missing_device_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(RuntimeError, match="device 'cuda' was asked for but CUDA is not available"):
        get_device("cuda")
    monkeypatch.setenv("COURSE_DEVICE", "cuda")
    with pytest.raises(RuntimeError, match="COURSE_DEVICE='cuda' but CUDA is not available"):
        get_device()


def test_a_misspelt_device_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COURSE_DEVICE", "gpu")
    with pytest.raises(ValueError, match="COURSE_DEVICE='gpu', which is not a device name"):
        get_device()


def test_seed_everything_repeats_python_numpy_and_torch() -> None:
    def draw():
        g = seed_everything(123)
        import random

        return random.random(), np.random.rand(), torch.rand(3), torch.rand(2, generator=g)

    a, b = draw(), draw()
    assert a[0] == b[0] and a[1] == b[1]
    assert torch.equal(a[2], b[2]) and torch.equal(a[3], b[3])


@pytest.mark.parametrize("bad", [-1, 1.5, "0"])
def test_seed_must_be_a_non_negative_int(bad) -> None:
    with pytest.raises(ValueError, match="seed"):
        seed_everything(bad)


def test_doctor_passes_here() -> None:
    out = io.StringIO()
    assert doctor(out) == 0, out.getvalue()
    report = out.getvalue()
    for name in ("torch", "torchaudio", "transformers", "datasets", "device", "FFmpeg", "data/ writable"):
        assert name in report


def test_doctor_fails_and_names_the_fix_when_torchaudio_cannot_load(monkeypatch: pytest.MonkeyPatch) -> None:
    import torchaudio.functional as F

    def broken(*args, **kwargs):
        raise OSError("libtorchaudio.so: undefined symbol: _ZN3c10...")

    monkeypatch.setattr(F, "lfilter", broken)
    out = io.StringIO()
    assert doctor(out) == 1
    assert "torchaudio extension" in out.getvalue()
    assert "fix: pip install --force-reinstall torch torchaudio" in out.getvalue()


def test_doctor_reports_a_missing_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "librosa", None)  # makes `import librosa` fail
    checks = {c.name: c for c in run_checks()}
    assert not checks["librosa"].ok and "pip install librosa" in checks["librosa"].fix


def test_doctor_reports_an_unwritable_data_dir(tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    check = env._data_dir_check(blocker / "data")
    assert not check.ok and "COURSE_DATA_DIR" in check.fix


def test_ffmpeg_is_optional(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(env.shutil, "which", lambda name: None)
    check = env._ffmpeg_check()
    assert not check.ok and not check.required


def test_the_data_dir_is_the_checkout_the_env_var_or_the_user_cache(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv(env.DATA_ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert env.default_data_dir() == env.PROJECT_ROOT / "data"  # tests run from a clone
    monkeypatch.setenv(env.DATA_ENV_VAR, str(tmp_path / "mine"))
    assert env.default_data_dir() == tmp_path / "mine"
    monkeypatch.delenv(env.DATA_ENV_VAR)
    site_packages = tmp_path / "site-packages"  # pip install: the package folder has no pyproject/notebooks beside it
    (site_packages / "course_utils").mkdir(parents=True)
    monkeypatch.setattr(env, "PROJECT_ROOT", site_packages)
    assert env.default_data_dir() == tmp_path / "xdg" / "course_utils"
