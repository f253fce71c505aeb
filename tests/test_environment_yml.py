"""environment.yml (conda) names the same packages as pyproject.toml (pip)."""

import re
from pathlib import Path

import yaml

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent


def _normal(name: str) -> str:
    """A package name as pip compares them (PEP 503): case, '-', '_' and '.' do not matter."""
    return re.sub(r"[-_.]+", "-", name.strip()).lower()


def _names(requirements: list[str]) -> set[str]:
    return {_normal(re.split(r"[<>=!~\[ ;]", r, maxsplit=1)[0]) for r in requirements}


def test_environment_yml_names_the_same_packages_as_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = _names(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        wanted |= _names(extra)

    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    assert _names(pip_section) == wanted
    assert set(project["dependencies"]) <= set(pip_section)  # the same floors (stacks/oldest.txt tests them)
    conda = {str(d).split("=")[0].split(">")[0] for d in env["dependencies"] if not isinstance(d, dict)}
    assert {"python", "pip", "ffmpeg"} <= conda


def test_constraints_pin_every_declared_package() -> None:
    """`make` installs with constraints.txt: each declared package must be pinned there."""
    pinned = {_normal(line.split("==")[0])
              for line in (ROOT / "constraints.txt").read_text().splitlines() if "==" in line}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    from packaging.requirements import Requirement

    every = project["dependencies"] + sum(project["optional-dependencies"].values(), [])
    applies = [r for r in every if Requirement(r).marker is None or Requirement(r).marker.evaluate()]
    declared = _names(applies)
    assert declared - pinned == set()


def test_the_oldest_stack_pins_every_floor() -> None:
    """pyproject's floors are not promises: stacks/oldest.txt installs exactly them, and CI can run it."""
    from packaging.requirements import Requirement
    from packaging.version import Version

    lines = (ROOT / "stacks" / "oldest.txt").read_text().splitlines()
    pins = {_normal(n): Version(v) for n, v in (l.split("==") for l in lines if "==" in l)}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    python = next(l.split(":")[1].strip() for l in lines if l.startswith("# python:"))
    assert project["requires-python"] == f">={python}"
    for requirement in map(Requirement, project["dependencies"]):
        floor = next(Version(s.version) for s in requirement.specifier if s.operator == ">=")
        assert pins[_normal(requirement.name)] == floor, (requirement, pins.get(_normal(requirement.name)))
