"""The course's real sets: recorded sounds, in the same DatasetDict shape as the generated ones.

    >>> from course_utils.data import load_real, REAL_SETS
    >>> ds = load_real("instruments")          # train / validation / test, label = an instrument family
    >>> ds["train"][0]["audio"]["array"].shape  # (16000,): one second at 16 kHz
    >>> scenes = load_real("voice_scenes")      # 5-second scenes with their `events`

The files are 16 kHz mono FLAC under `data/real/<name>/`, in the audiofolder
layout that `load_audiofolder` reads; `tools/build_real_sets.py` made them
from Debian's packages, and `data/README.md` gives their sources, licenses and
confounds. Where `load_real` finds them (the first that has the set wins):

    1. the repository checkout:  data/real/<name>/ beside the course_utils folder
    2. the user cache:           $COURSE_DATA_DIR/real/<name>/, else ~/.cache/course_utils/real/<name>/
    3. a download:               every file that data/real/MANIFEST.json lists for the set, from the
                                 repository on GitHub into the cache, each checked against its sha256

Colab takes path 3: `pip install git+...` installs the package, not the
repository's data/ folder. The download is written under a temporary name and
renamed into place, so a cache folder is either complete or absent; delete it
(or pass `refresh=True`) to download again. COURSE_REAL_DATA_URL (or
`base_url=`) points the download at a mirror, e.g. a local copy of data/real/.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from datasets import DatasetDict

from ..audio import umask_mode
from ..notebook import BRANCH, REPO_SLUG, REPO_URL
from ..env import DATA_ENV_VAR, user_cache_dir
from .cache import INFO_FILE, load_audiofolder

__all__ = ["REAL_SETS", "BASE_URL", "BASE_URL_ENV_VAR", "CHECKOUT_DIR", "MANIFEST_FILE", "load_real", "real_folder",
           "real_cache_dir"]

REAL_SETS = {
    "instruments": "1-second notes of the FluidR3 GM soundfont, 11 NSynth instrument families; split by program, "
                   "so the test instruments are never heard in training (MIT)",
    "voices": "1.5-second clips of recorded speech in 5 languages (Asterisk prompts); split by prompt; "
              "one speaker per language, so speaker = language (English and Spanish share one) (CC BY-SA 3.0)",
    "voice_scenes": "5-second scenes of speech and instrument notes on a quiet room, with timed `events` "
                    "labelled 'speech' or 'music' (CC BY-SA 3.0)",
}
BASE_URL = f"https://raw.githubusercontent.com/{REPO_SLUG}/{BRANCH}/data/real"
BASE_URL_ENV_VAR = "COURSE_REAL_DATA_URL"
CHECKOUT_DIR = Path(__file__).resolve().parents[2] / "data" / "real"
MANIFEST_FILE = "MANIFEST.json"


def real_cache_dir() -> Path:
    """Where downloaded sets go: $COURSE_DATA_DIR/real if it is set, else the user's cache folder."""
    if os.environ.get(DATA_ENV_VAR):
        return Path(os.environ[DATA_ENV_VAR]) / "real"
    return user_cache_dir() / "real"


def load_real(name: str, sample_rate: int | None = None, *, base_url: str | None = None,
              cache_dir: str | os.PathLike | None = None, refresh: bool = False) -> DatasetDict:
    """The real set `name` (one of REAL_SETS) as a DatasetDict: train / validation / test.

    Each row has `audio` ({"array", "sampling_rate"}); the clip sets have
    `label` (a ClassLabel) and the columns their metadata.csv holds; the scenes
    have `events` (list of {"onset", "offset", "label"}, seconds), as
    `make_scene_dataset`. `sample_rate` resamples every file (they are 16 kHz).
    `base_url`, `cache_dir` and `refresh` are passed to `real_folder`.
    """
    return load_audiofolder(real_folder(name, base_url=base_url, cache_dir=cache_dir, refresh=refresh),
                            sample_rate=sample_rate)


def real_folder(name: str, *, base_url: str | None = None, cache_dir: str | os.PathLike | None = None,
                refresh: bool = False) -> Path:
    """The folder that holds the real set `name`: the checkout's, the cache's, or a fresh download.

    `base_url` (default $COURSE_REAL_DATA_URL, else BASE_URL) is where data/real/
    is online; `cache_dir` (default `real_cache_dir()`) is where downloads go;
    `refresh=True` downloads the set again into the cache, even when a copy exists.
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be the name of a real set, one of {sorted(REAL_SETS)}, got {type(name).__name__}")
    if name not in REAL_SETS:
        raise ValueError(f"unknown real set {name!r}; the real sets are {sorted(REAL_SETS)}")
    if base_url is not None and not isinstance(base_url, str):
        raise TypeError(f"base_url must be a URL string (e.g. {BASE_URL!r}) or None, got {type(base_url).__name__}")
    if cache_dir is not None and (isinstance(cache_dir, bytes) or not isinstance(cache_dir, (str, os.PathLike))):
        raise TypeError(f"cache_dir must be a folder path (str or pathlib.Path) or None, "
                        f"got {type(cache_dir).__name__}")
    checkout = CHECKOUT_DIR / name
    if not refresh and (checkout / INFO_FILE).is_file():
        return checkout
    cached = Path(cache_dir if cache_dir is not None else real_cache_dir()) / name
    if not refresh and (cached / INFO_FILE).is_file():
        return cached
    base = (base_url or os.environ.get(BASE_URL_ENV_VAR) or BASE_URL).rstrip("/")
    return _download(name, base, cached)


# ----------------------------------------------------------------------------
# The download: manifest -> files into a temporary folder -> checked -> renamed into place


def _fetch(url: str, name: str, cache: Path) -> bytes:
    """The bytes at `url`, or a ConnectionError that says what to do without the internet."""
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.read()
    except (urllib.error.URLError, OSError) as exc:
        reason = f"HTTP {exc.code}" if isinstance(exc, urllib.error.HTTPError) else getattr(exc, "reason", exc)
        raise ConnectionError(
            f"could not download {url} ({reason}). load_real({name!r}) reads data/real/{name}/ from a checkout of "
            f"the repository, else from the cache {cache}, else downloads it. Fix: connect to the internet and run "
            f"again; or work in a clone of the repository (git clone {REPO_URL}); or copy data/real/{name}/ into "
            f"{cache}; or set {BASE_URL_ENV_VAR} to a mirror of data/real/.") from None


def _set_files(manifest: dict, name: str, url: str) -> dict[str, dict]:
    """The manifest's files of set `name` ({path: {"bytes", "sha256"}}), each checked to lie inside <name>/."""
    files = manifest.get("sets", {}).get(name, {}).get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, dict) or not files:
        raise ValueError(f"{url} lists no files for the real set {name!r}; is {BASE_URL_ENV_VAR} pointing at a copy "
                         "of data/real/?")
    for path in files:
        parts = Path(path).parts
        if parts[0] != name or ".." in parts or Path(path).is_absolute() or len(parts) < 2:
            raise ValueError(f"{url} lists {path!r}, which is not a file inside {name}/; refusing to download it")
    return files


def _download(name: str, base: str, target: Path) -> Path:
    manifest_url = f"{base}/{MANIFEST_FILE}"
    try:
        manifest = json.loads(_fetch(manifest_url, name, target.parent))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{manifest_url} is not valid JSON ({exc.msg}); is {BASE_URL_ENV_VAR} pointing at a copy "
                         "of data/real/?") from None
    files = _set_files(manifest, name, manifest_url)
    total = sum(int(entry["bytes"]) for entry in files.values())
    print(f"load_real: downloading {name} ({len(files)} files, {total / 1e6:.1f} MB) from {base} into {target}")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{name}.", suffix=".tmp"))

    def fetch_one(path: str) -> None:
        url = f"{base}/{urllib.parse.quote(path)}"
        data = _fetch(url, name, target.parent)
        expected, got = files[path]["sha256"], hashlib.sha256(data).hexdigest()
        if got != expected or len(data) != int(files[path]["bytes"]):
            raise ValueError(f"{url}: {len(data)} bytes with sha256 {got}, but the manifest says "
                             f"{files[path]['bytes']} bytes with sha256 {expected}: the download is corrupt (or the "
                             "repository changed while downloading); nothing was kept, run load_real again")
        destination = tmp.joinpath(*Path(path).parts[1:])
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(data)

    try:
        with ThreadPoolExecutor(8) as pool:
            futures = [pool.submit(fetch_one, path) for path in sorted(files)]
            try:
                for future in futures:
                    future.result()
            except BaseException:
                for future in futures:
                    future.cancel()
                raise
        (tmp / MANIFEST_FILE).write_text(json.dumps({"source": base, "sets": {name: manifest["sets"][name]}}, indent=1))
        os.chmod(tmp, umask_mode(0o777))  # mkdtemp makes 0700; the folder gets the usual permissions
        if target.exists():   # refresh=True: the old copy goes only once the new one is complete
            old = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{name}.", suffix=".old"))
            os.replace(target, old / name)
            shutil.rmtree(old, ignore_errors=True)
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target
