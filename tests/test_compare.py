"""The comparison harness: subsets, budgets, the notebooks' settings, scaling, noise, verdicts, a tiny end-to-end run."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import torch

import course_utils.compare as compare_module
from course_utils.compare import (AST_OVERRIDES, MODELS, OPTIMIZER_SETTINGS, SEED_TABLE, Comparison, build_classifier,
                                  compare, epochs_for, load_clip_data, noise_accuracy, over_seeds, scaling,
                                  verdict_markdown, verdicts)
from course_utils.data import per_class_subset

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


@pytest.fixture(scope="module")
def tiny_data():
    from course_utils.data import CLIP_CLASSES

    return load_clip_data(n_per_class=6, classes=CLIP_CLASSES[:3])  # 3 classes; 4 train clips per class


def test_per_class_subset_is_stratified_and_nested():
    labels = torch.tensor([0, 1, 0, 2, 1, 0, 2, 1, 2, 0])
    waves = torch.arange(10.0)[:, None].repeat(1, 4)
    lengths = torch.full((10,), 4)
    x, n, y = per_class_subset((waves, lengths, labels), 2)
    assert y.tolist() == [0, 1, 0, 2, 1, 2] and x[:, 0].tolist() == [0, 1, 2, 3, 4, 6]
    small = per_class_subset((waves, lengths, labels), 1)
    assert set(small[0][:, 0].tolist()) <= set(x[:, 0].tolist())  # nested: more data, not other data
    with pytest.raises(ValueError, match="class 1 has only 3 examples, fewer than k=4"):
        per_class_subset((waves, lengths, labels), 4)
    with pytest.raises(ValueError, match="must be a positive int"):
        per_class_subset((waves, lengths, labels), 0)


def test_epochs_give_the_same_step_budget():
    assert epochs_for(100, 50, 16) == 25  # 4 batches per epoch
    assert epochs_for(100, 1000, 16) == 2  # 63 batches per epoch
    assert epochs_for(1, 10, 16) == 1


@pytest.mark.parametrize("name", MODELS)
def test_models_follow_the_classifier_convention(name):
    model = build_classifier(name, ["a", "b", "c"], num_samples=8000).eval()
    assert model.labels == ["a", "b", "c"] and model.num_samples == 8000 and model.sample_rate == 16000
    with torch.no_grad():
        assert model(torch.randn(2, 8000) * 0.1).shape == (2, 3)


def literal(node: ast.expr):
    """The value of a literal in source code, `dict(a=1, ...)` included."""
    if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "dict" and not node.args:
        return {k.arg: literal(k.value) for k in node.keywords}
    return ast.literal_eval(node)


def notebook_training(notebook: str, model_class: str) -> tuple[dict, ast.expr | None]:
    """(lr and weight_decay of the first `fit` call in `notebook`'s .py source that trains a `model_class`,
    the source of the config that model was built with, or None)."""
    source = (NOTEBOOKS / notebook).read_text()
    # jupytext writes magics as comments ("# %pip install ..."); give their `if` a body Python can parse
    source = re.sub(r"^(\s+)# %.*$", r"\1pass", source, flags=re.MULTILINE)
    tree = ast.parse(source)
    built = {}  # variable -> the config argument of the `model_class(...)` call last assigned to it
    in_source_order = sorted((n for n in ast.walk(tree) if hasattr(n, "lineno")), key=lambda n: (n.lineno, n.col_offset))
    for node in in_source_order:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            call = node.value
            if isinstance(call.func, ast.Name) and call.func.id == model_class:
                config = [k.value for k in call.keywords if k.arg == "config"] + call.args[1:2]  # Model(labels, config)
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        built[target.id] = config[0] if config else None
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "fit" and node.args:
            model = getattr(node.args[0], "id", None)
            if model in built:
                return {k.arg: literal(k.value) for k in node.keywords
                        if k.arg in ("lr", "weight_decay")}, built[model]
    raise AssertionError(f"{notebook} never trains a {model_class} with fit(...)")


@pytest.mark.parametrize("name, notebook, model_class", [("cnn", "03_cnn_on_spectrograms.py", "SpectrogramCNN"),
                                                         ("ast", "04_ast_patching.py", "ASTClassifier"),
                                                         ("wav2vec2", "05_wav2vec2_sequence_classification.py",
                                                          "Wav2Vec2Classifier")])
def test_every_model_trains_with_its_own_notebook_settings(name, notebook, model_class):
    """OPTIMIZER_SETTINGS and AST_OVERRIDES are read off the notebooks: if a notebook changes, this fails."""
    assert set(OPTIMIZER_SETTINGS) == set(MODELS)
    fit_kwargs, config = notebook_training(notebook, model_class)
    assert OPTIMIZER_SETTINGS[name] == {"lr": fit_kwargs["lr"], "weight_decay": fit_kwargs.get("weight_decay", 0.0)}
    if name == "ast":
        assert literal(config) == AST_OVERRIDES
        model = build_classifier("ast", ["a", "b"])
        assert {k: getattr(model.ast.config, k) for k in AST_OVERRIDES} == AST_OVERRIDES


def test_unknown_model_is_an_error():
    with pytest.raises(ValueError, match="unknown model 'resnet'"):
        build_classifier("resnet", ["a", "b"])


def test_scaling_memory_of_a_cnn_grows_linearly_with_the_clip_length():
    rows = scaling(("cnn",), (1, 4, 8), labels=["a", "b"], repeats=1, device="cpu")
    one, four, eight = (r["memory_mb"] for r in rows)
    assert 0 < one < four < eight
    assert 1.8 < eight / four < 2.2  # past a short clip's fixed costs, activations are linear in the length
    assert rows[2]["memory_mb_per_audio_s"] == pytest.approx(eight / 8)


def test_load_clip_data_keeps_the_clips_whole(tiny_data):
    from course_utils.data import CLIP_CLASSES

    widths = {part[0].shape[1] for part in (tiny_data.train, tiny_data.validation, tiny_data.test)}
    longest = max(int(part[1].max()) for part in (tiny_data.train, tiny_data.validation, tiny_data.test))
    assert widths == {longest}  # one width for all three: the longest clip anywhere, nothing cut
    cropped = load_clip_data(n_per_class=6, classes=CLIP_CLASSES[:3], num_samples=4000)
    assert cropped.train[0].shape[1] == 4000 and int(cropped.train[1].max()) == 4000  # cropping is asked for


def test_noise_accuracy_is_repeatable_and_clean_equals_evaluate(tiny_data):
    from course_utils.train import evaluate

    model = build_classifier("cnn", tiny_data.labels)
    clean = noise_accuracy(model, tiny_data.test, None)
    assert clean == evaluate(model, tiny_data.test)["accuracy"]
    assert noise_accuracy(model, tiny_data.test, 0.0, seed=3) == noise_accuracy(model, tiny_data.test, 0.0, seed=3)


def _fake_result(acc, small, lat8, mem8, drop, lat1=None):
    """A Comparison built by hand, to test each verdict rule both ways without training."""
    names = list(acc)
    lat1 = lat1 or {n: 10.0 for n in names}
    table = [{"model": n, "test_accuracy": acc[n], "clean_accuracy": acc[n],
              "noise_accuracy": {0.0: acc[n] - drop[n]}} for n in names]
    curve = [{"model": n, "per_class": k, "test_accuracy": a} for n in names for k, a in ((5, small[n]), (50, acc[n]))]
    scale = [{"model": n, "clip_seconds": s, "latency_ms": lat * s, "latency_ms_per_audio_s": lat, "memory_mb": mem}
             for n in names for s, lat, mem in ((1.0, lat1[n], 1.0), (8.0, lat8[n], mem8[n]))]
    return Comparison(table=table, curve=curve, scaling=scale, noise=[], labels=[str(i) for i in range(10)],
                      settings={"shots": [5, 50], "snrs": (0.0,)})


def test_verdict_rules_follow_the_numbers():
    # CNN clearly best: clip row "depends"; cheap CNN: long-audio "not borne out"; AST worse than wav2vec2 at 5/class
    r = _fake_result(acc={"cnn": 0.95, "ast": 0.6, "wav2vec2": 0.7}, small={"cnn": 0.6, "ast": 0.2, "wav2vec2": 0.3},
                     lat8={"cnn": 2.0, "ast": 30.0, "wav2vec2": 8.0}, mem8={"cnn": 1.0, "ast": 9.0, "wav2vec2": 4.0},
                     drop={"cnn": 0.3, "ast": 0.2, "wav2vec2": 0.4})
    v = {row["task"]: row for row in verdicts(r)}
    assert [row["task"] for row in verdicts(r)] == [row["task"] for row in SEED_TABLE]
    assert v["one label for the whole clip"]["verdict"] == "depends"
    assert v["very long audio (seconds to minutes)"]["verdict"] == "not borne out"
    assert v["small dataset"]["verdict"] == "depends" and "cnn yes, ast no" in v["small dataset"]["why"]
    assert "cnn keeps most of its accuracy" in v["multilingual or noisy audio"]["why"]
    assert v["labels along the time axis"]["verdict"] == "borne out"  # 10 ms per 1-s window / 0.02 = 500 ms > 10

    # the opposite numbers flip the rules
    r = _fake_result(acc={"cnn": 0.9, "ast": 0.88, "wav2vec2": 0.92}, small={"cnn": 0.5, "ast": 0.45, "wav2vec2": 0.4},
                     lat8={"cnn": 5.0, "ast": 30.0, "wav2vec2": 2.0}, mem8={"cnn": 3.0, "ast": 9.0, "wav2vec2": 1.0},
                     drop={"cnn": 0.3, "ast": 0.2, "wav2vec2": 0.1})
    v = {row["task"]: row for row in verdicts(r)}
    assert v["one label for the whole clip"]["verdict"] == "borne out"
    assert v["very long audio (seconds to minutes)"]["verdict"] == "borne out"
    assert v["small dataset"]["verdict"] == "borne out"
    assert "raw-waveform model keeps most" in v["multilingual or noisy audio"]["why"]
    table = verdict_markdown(verdicts(r))
    assert table.count("\n") == 1 + len(SEED_TABLE) and "**borne out**" in table


def test_compare_end_to_end_on_tiny_settings(tiny_data, monkeypatch):
    def fake_median_ms(fn, repeats, device):  # the timer itself is tested in test_measure.py
        assert not torch.is_grad_enabled()  # latency is measured on inference
        fn()
        return 50.0

    monkeypatch.setattr(compare_module, "median_ms", fake_median_ms)
    result = compare(tiny_data, shots=(1, 3), steps=2, batch_size=4, snrs=(0.0,), clip_seconds=(0.5, 1),
                     repeats=1, device="cpu", log=None)
    assert [r["model"] for r in result.table] == list(MODELS)
    assert len(result.curve) == 2 * len(MODELS) and len(result.scaling) == 2 * len(MODELS)
    assert len(result.noise) == 2 * len(MODELS)
    for row in result.table:
        assert 0.0 <= row["test_accuracy"] <= 1.0 and row["parameters"] > 1000 and row["train_seconds"] > 0
        clip_seconds = tiny_data.test[0].shape[1] / tiny_data.sample_rate
        assert row["latency_ms_per_audio_s"] == pytest.approx(50.0 / clip_seconds) and 0.0 in row["noise_accuracy"]
    assert all(r["latency_ms"] == 50.0 and r["latency_ms_per_audio_s"] == 50.0 / r["clip_seconds"]
               for r in result.scaling)
    curve = {(r["model"], r["per_class"]): r for r in result.curve}
    assert curve[("cnn", 3)]["train_examples"] == 9 and curve[("cnn", 1)]["train_examples"] == 3
    mem = {(r["model"], r["clip_seconds"]): r["memory_mb"] for r in result.scaling}
    assert all(mem[(m, 1.0)] > mem[(m, 0.5)] > 0 for m in MODELS)  # longer clip, more activation memory
    assert "| cnn |" in result.markdown()
    assert set(result.models) == set(MODELS) and result.models["cnn"].labels == tiny_data.labels
    assert len(verdicts(result)) == len(SEED_TABLE)


def test_compare_rejects_bad_settings(tiny_data):
    with pytest.raises(ValueError, match="names must be models from"):
        compare(tiny_data, names=("cnn", "lstm"), log=None)
    with pytest.raises(ValueError, match="shots must be positive"):
        compare(tiny_data, shots=(0, 3), log=None)
    with pytest.raises(ValueError, match="class .* fewer than k=50"):
        compare(tiny_data, names=("cnn",), shots=(50,), steps=1, log=None)


def test_clip_and_noise_rules_name_the_laggard_and_call_ties():
    r = _fake_result(acc={"cnn": 1.0, "ast": 0.87, "wav2vec2": 0.97}, small={"cnn": 0.9, "ast": 0.6, "wav2vec2": 0.7},
                     lat8={"cnn": 1.0, "ast": 3.0, "wav2vec2": 2.0}, mem8={"cnn": 1.0, "ast": 3.0, "wav2vec2": 2.0},
                     drop={"cnn": 0.33, "ast": 0.5, "wav2vec2": 0.32})  # kept: cnn 63%, wav2vec2 63%, ast 48%
    v = {row["task"]: row for row in verdicts(r)}
    assert "cnn leads ast by 0.13" in v["one label for the whole clip"]["why"]
    why = v["multilingual or noisy audio"]["why"]
    assert "keep about the same share" in why and "cnn" in why and "wav2vec2" in why and "ast" not in why.split("(")[0]


def test_a_model_at_chance_is_not_called_robust():
    """An untrained model loses nothing to noise; the noise rule only ranks models that learned the task."""
    r = _fake_result(acc={"cnn": 0.9, "ast": 0.12, "wav2vec2": 0.8}, small={"cnn": 0.5, "ast": 0.1, "wav2vec2": 0.4},
                     lat8={"cnn": 1.0, "ast": 3.0, "wav2vec2": 2.0}, mem8={"cnn": 1.0, "ast": 3.0, "wav2vec2": 2.0},
                     drop={"cnn": 0.6, "ast": 0.0, "wav2vec2": 0.2})
    row = next(v for v in verdicts(r) if v["task"] == "multilingual or noisy audio")
    assert "raw-waveform model keeps most" in row["why"] and "ast 0.12 -> 0.12" in row["measured"]


def test_over_seeds_trains_each_seed_and_puts_the_baseline_beside(tiny_data):
    from course_utils.baseline import baseline_accuracy

    runs = over_seeds(tiny_data, names=("cnn", "ast"), seeds=(0, 1), epochs={"cnn": 2, "ast": 1}, batch_size=4,
                      keep_models=True, log=None, device="cpu")
    assert [(r["model"], r["seed"]) for r in runs.rows] == [("cnn", 0), ("cnn", 1), ("ast", 0), ("ast", 1)]
    assert runs.baseline == baseline_accuracy(tiny_data.train, tiny_data.test, tiny_data.sample_rate, 3)
    assert set(runs.models) == {("cnn", 0), ("cnn", 1), ("ast", 0), ("ast", 1)}
    assert all(r["best_epoch"] in (0, 1) for r in runs.rows if r["model"] == "cnn")
    for name in ("cnn", "ast"):
        assert runs.accuracies(name) == [r["test_accuracy"] for r in runs.rows if r["model"] == name]
    again = over_seeds(tiny_data, names=("cnn",), seeds=(1,), epochs=2, batch_size=4, log=None, device="cpu")
    assert again.accuracies("cnn") == runs.accuracies("cnn")[1:]  # a seed repeats its run
    table = runs.markdown()
    assert "| cnn |" in table and "(baseline)" in table and "2 seeds" in table and "| chance | 0.333 |" in table
    with pytest.raises(KeyError, match="no runs of 'wav2vec2'"):
        runs.accuracies("wav2vec2")
    with pytest.raises(ValueError, match="names must be models"):
        over_seeds(tiny_data, names=("lstm",), log=None)
    with pytest.raises(ValueError, match="seeds must be a non-empty list of ints"):
        over_seeds(tiny_data, names=("cnn",), seeds=(), log=None)
