"""environment.yml (conda) names the same packages as pyproject.toml (pip)."""

import re
from pathlib import Path

import yaml

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=!~\[ ;]", r, maxsplit=1)[0].strip().lower().replace("_", "-") for r in requirements}


def test_environment_yml_names_the_same_packages_as_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = _names(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        wanted |= _names(extra)

    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    assert _names(pip_section) == wanted
    conda = {str(d).split("=")[0].split(">")[0] for d in env["dependencies"] if not isinstance(d, dict)}
    assert {"python", "pip", "ffmpeg"} <= conda


def test_constraints_pin_every_declared_package() -> None:
    """`make` installs with constraints.txt: each declared package must be pinned there."""
    pinned = {line.split("==")[0].lower().replace("_", "-")
              for line in (ROOT / "constraints.txt").read_text().splitlines() if "==" in line}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    from packaging.requirements import Requirement

    every = project["dependencies"] + sum(project["optional-dependencies"].values(), [])
    applies = [r for r in every if Requirement(r).marker is None or Requirement(r).marker.evaluate()]
    declared = _names(applies)
    assert declared - pinned == set()
