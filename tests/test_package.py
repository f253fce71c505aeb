"""The package's shape: dependencies point one way, every module says what it exports.

Imports are read from the source (module level and inside functions: a lazy
import is still a dependency), so a cycle hidden in a function body is caught too.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "course_utils"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str, path: Path) -> set[str]:
    """The course_utils modules that `name` imports anywhere in its source."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            # `from pkg import sub` imports the submodule pkg.sub when there is one
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
        else:
            continue
        found.update(t for t in targets if t in MODULES and t != name)
    return found


GRAPH = {name: imports_of(name, path) for name, path in MODULES.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_import_graph_is_read_correctly():
    assert "course_utils.models.base" in GRAPH["course_utils.checkpoints"]
    assert "course_utils.data.tables" in GRAPH["course_utils.data.clips"]  # a relative import
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycles():
    assert find_cycle(GRAPH) is None


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.startswith("course_utils.models")))
def test_models_do_not_import_training_code(name):
    assert not GRAPH[name] & {"course_utils.train", "course_utils.compare", "course_utils.inference"}, GRAPH[name]


@pytest.mark.parametrize("name", sorted(n for n in MODULES if not n.endswith("__main__")))
def test_every_module_declares_all_and_exports_what_exists(name):
    module = importlib.import_module(name)
    assert hasattr(module, "__all__"), f"{name} has no __all__"
    missing = [n for n in module.__all__ if not hasattr(module, n)]
    assert missing == [], f"{name}.__all__ names what it does not define: {missing}"


def test_a_non_tensor_where_a_tensor_is_needed_is_a_type_error():
    """One rule at every module's boundary: wrong type -> TypeError that names the argument."""
    import course_utils.audio as audio
    import course_utils.augment as augment
    import course_utils.fast_features as fast_features
    import course_utils.features as features
    from course_utils.models.cnn import SpectrogramCNN
    from course_utils.models.heads import lengths_to_mask, masked_mean_pool
    from course_utils.models.wav2vec2 import Wav2Vec2Classifier

    calls = {
        "waveform": [lambda: audio.resample("abc", 16000, 8000), lambda: audio.validate_waveform("abc"),
                     lambda: augment.add_noise("abc", 10.0), lambda: features.stft("abc"),
                     lambda: fast_features.LogMel()("abc")],
        "spectrogram": [lambda: augment.time_mask("abc")],
        "hidden": [lambda: masked_mean_pool("abc")],
        "lengths": [lambda: lengths_to_mask("abc", 3)],
        "waveforms": [lambda: SpectrogramCNN(["a", "b"])("abc"), lambda: Wav2Vec2Classifier(["a", "b"])(None)],
    }
    for name, fns in calls.items():
        for fn in fns:
            with pytest.raises(TypeError, match=name):
                fn()
