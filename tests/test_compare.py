"""The comparison harness: subsets, budgets, the notebooks' settings, scaling, noise, verdicts, a tiny end-to-end run."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import torch

import course_utils.compare as compare_module
from course_utils.compare import (AST_OVERRIDES, MODELS, NOISE_COLOR, NOISE_SEED, OPTIMIZER_SETTINGS, SEED_TABLE,
                                  VERDICTS, Comparison, SeedRuns, build_classifier, compare, cpu_latency,
                                  few_per_class, load_clip_data, noise_accuracy, noise_drops, over_seeds, pairwise,
                                  scaling, verdict_markdown, verdicts)
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


def test_the_wav2vec2_normalises_each_clip_so_its_level_does_not_matter():
    """Real recordings are quiet: the recipe's Wav2Vec2 must see a clip at -40 dB as it sees it at full scale."""
    model = build_classifier("wav2vec2", ["a", "b"], num_samples=8000).eval()
    assert model.do_normalize
    x = torch.randn(2, 8000)
    with torch.no_grad():
        torch.testing.assert_close(model(x * 0.01), model(x), atol=1e-4, rtol=1e-4)


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


def _fake_result(acc, small, drop, lat8, mem8, lat1=None, classes=10, baseline=0.3, small_baselines=(0.2, 0.25, 0.3)):
    """A Comparison built by hand (one list per model: a value per seed), to test each verdict rule both ways."""
    names = list(acc)
    lat1 = lat1 or {n: 10.0 for n in names}
    labels = [str(i) for i in range(classes)]

    def runs(values, **kw):
        rows = [{"model": n, "seed": s, "test_accuracy": a, "train_seconds": 1.0, "parameters": 1000,
                 "train_examples": 100, "best_epoch": 1} for n in names for s, a in enumerate(values[n])]
        return SeedRuns(rows=rows, labels=labels, settings={"seeds": [0, 1, 2]}, **kw)

    noise = [{"model": n, "seed": s, "snr_db": 0.0, "clean_accuracy": acc[n][s], "accuracy": acc[n][s] - d, "drop": d}
             for n in names for s, d in enumerate(drop[n])]
    scale = [{"model": n, "clip_seconds": s, "latency_ms": lat * s, "latency_ms_per_audio_s": lat, "memory_mb": mem}
             for n in names for s, lat, mem in ((1.0, lat1[n], 1.0), (8.0, lat8[n], mem8[n]))]
    return Comparison(runs=runs(acc, baseline=baseline), noise=noise, latency={n: 5.0 for n in names},
                      curve={5: runs(small, baseline=sum(small_baselines) / 3, baselines=list(small_baselines))},
                      scaling=scale, settings={"sample_rate": 16000})


TIGHT = dict(lat8={"cnn": 2.0, "ast": 30.0, "wav2vec2": 8.0}, mem8={"cnn": 1.0, "ast": 9.0, "wav2vec2": 4.0})


def _by_task(result):
    rows = verdicts(result)
    assert [row["task"] for row in rows] == [row["task"] for row in SEED_TABLE]
    assert all(row["verdict"] in VERDICTS for row in rows)
    return {row["task"]: row for row in rows}


def test_verdicts_call_a_difference_only_when_it_clears_the_spread():
    # CNN clearly best with tight seeds: clip row "depends" and names the gaps; cheap CNN: long audio "not borne
    # out"; at 5 per class the CNN beats wav2vec2 beyond the spread, the AST does not; the CNN loses less to noise
    r = _fake_result(acc={"cnn": [0.80, 0.82, 0.84], "ast": [0.50, 0.55, 0.60], "wav2vec2": [0.40, 0.42, 0.44]},
                     small={"cnn": [0.50, 0.52, 0.54], "ast": [0.20, 0.35, 0.50], "wav2vec2": [0.20, 0.22, 0.24]},
                     drop={"cnn": [0.10, 0.11, 0.12], "ast": [0.20, 0.25, 0.30], "wav2vec2": [0.30, 0.31, 0.32]},
                     **TIGHT)
    v = _by_task(r)
    clip = v["one label for the whole clip"]
    assert clip["verdict"] == "depends" and "cnn > ast" in clip["why"] and "cnn > wav2vec2" in clip["why"]
    assert "above the linear baseline beyond the spread: cnn, ast, wav2vec2" in clip["why"]
    assert "cnn 0.82 ± 0.02" in clip["measured"]
    assert v["very long audio (seconds to minutes)"]["verdict"] == "not borne out"
    small = v["small dataset"]
    assert small["verdict"] == "depends" and "cnn beats wav2vec2 beyond the spread, ast does not" in small["why"]
    assert "baseline 0.25 ± 0.05" in small["measured"]
    noise = v["multilingual or noisy audio"]
    assert noise["verdict"] == "depends" and "from scratch cnn loses less than wav2vec2" in noise["why"]
    assert v["labels along the time axis"]["verdict"] == "borne out"  # 10 ms per 1-s window / 0.02 = 500 ms > 10


def test_the_same_gaps_within_a_wide_spread_are_not_settled():
    # about the means of the test above, but seeds that scatter: no ranking survives
    r = _fake_result(acc={"cnn": [0.60, 0.82, 1.00], "ast": [0.40, 0.55, 0.70], "wav2vec2": [0.35, 0.42, 0.49]},
                     small={"cnn": [0.20, 0.52, 0.84], "ast": [0.10, 0.35, 0.60], "wav2vec2": [0.02, 0.22, 0.42]},
                     drop={"cnn": [0.00, 0.11, 0.22], "ast": [0.05, 0.25, 0.45], "wav2vec2": [0.10, 0.31, 0.52]},
                     baseline=0.5, **TIGHT)
    v = _by_task(r)
    assert v["one label for the whole clip"]["verdict"] == "borne out"  # all above chance; no two differ
    assert "none beats the linear baseline beyond the spread" in v["one label for the whole clip"]["why"]
    assert v["small dataset"]["verdict"] == "not settled"
    noise = v["multilingual or noisy audio"]
    assert noise["verdict"] == "not settled" and "no architecture is clearly the robust one" in noise["why"]


def test_verdicts_flip_with_the_opposite_numbers():
    r = _fake_result(acc={"cnn": [0.50, 0.52, 0.54], "ast": [0.50, 0.51, 0.52], "wav2vec2": [0.60, 0.62, 0.64]},
                     small={"cnn": [0.10, 0.11, 0.12], "ast": [0.10, 0.12, 0.14], "wav2vec2": [0.40, 0.42, 0.44]},
                     drop={"cnn": [0.30, 0.31, 0.32], "ast": [0.30, 0.32, 0.34], "wav2vec2": [0.05, 0.06, 0.07]},
                     lat8={"cnn": 5.0, "ast": 30.0, "wav2vec2": 2.0}, mem8={"cnn": 3.0, "ast": 9.0, "wav2vec2": 1.0})
    v = _by_task(r)
    assert v["one label for the whole clip"]["verdict"] == "depends"
    assert "wav2vec2 > cnn" in v["one label for the whole clip"]["why"]
    assert v["very long audio (seconds to minutes)"]["verdict"] == "borne out"
    assert v["small dataset"]["verdict"] == "not borne out"
    assert "raw-waveform model loses less" in v["multilingual or noisy audio"]["why"]
    table = verdict_markdown(verdicts(r))
    assert table.count("\n") == 1 + len(SEED_TABLE) and "**borne out**" in table


def test_a_noise_ranking_that_holds_for_one_pair_only_is_not_settled():
    """wav2vec2 loses less than the CNN beyond the spread but not than the AST: no architecture is the robust one,
    and the reason names the pair that clears, the one that does not, and what each model had to lose."""
    r = _fake_result(acc={"cnn": [0.36, 0.38, 0.40], "ast": [0.25, 0.30, 0.35], "wav2vec2": [0.18, 0.20, 0.22]},
                     small={"cnn": [0.2, 0.3, 0.4], "ast": [0.2, 0.3, 0.4], "wav2vec2": [0.1, 0.2, 0.3]},
                     drop={"cnn": [0.25, 0.27, 0.29], "ast": [0.05, 0.15, 0.25], "wav2vec2": [0.06, 0.08, 0.10]},
                     **TIGHT)
    noise = _by_task(r)["multilingual or noisy audio"]
    assert noise["verdict"] == "not settled"
    assert "wav2vec2 loses less than cnn beyond the spread but not than ast" in noise["why"]
    assert "a model can only lose what it has above chance: cnn 0.28, ast 0.20, wav2vec2 0.10" in noise["why"]


def test_a_model_at_chance_is_not_called_robust():
    """An untrained model loses nothing to noise; the noise rule only ranks models that beat chance."""
    r = _fake_result(acc={"cnn": [0.80, 0.85, 0.90], "ast": [0.50, 0.55, 0.60], "wav2vec2": [0.10, 0.10, 0.10]},
                     small={"cnn": [0.5, 0.5, 0.6], "ast": [0.3, 0.4, 0.5], "wav2vec2": [0.1, 0.1, 0.1]},
                     drop={"cnn": [0.5, 0.6, 0.7], "ast": [0.3, 0.3, 0.4], "wav2vec2": [0.0, 0.0, 0.0]}, **TIGHT)
    v = _by_task(r)
    noise = v["multilingual or noisy audio"]
    assert noise["verdict"] == "not settled" and "wav2vec2 did not beat chance" in noise["why"]
    assert "wav2vec2 0.00 ± 0.00" in noise["measured"]
    clip = v["one label for the whole clip"]
    assert clip["verdict"] == "depends" and "wav2vec2 did not beat chance beyond the spread" in clip["why"]


def test_verdicts_skip_rows_they_have_no_measurement_for():
    r = _fake_result(acc={"cnn": [0.8, 0.85, 0.9], "ast": [0.5, 0.55, 0.6], "wav2vec2": [0.4, 0.45, 0.5]},
                     small={"cnn": [0.5] * 3, "ast": [0.3] * 3, "wav2vec2": [0.1] * 3},
                     drop={"cnn": [0.1] * 3, "ast": [0.1] * 3, "wav2vec2": [0.1] * 3}, **TIGHT)
    bare = Comparison(runs=r.runs, noise=r.noise, latency=r.latency, settings=r.settings)  # no curve, no scaling
    assert [v["task"] for v in verdicts(bare)] == ["one label for the whole clip", "multilingual or noisy audio"]


def test_comparison_tables_show_mean_std_and_z():
    r = _fake_result(acc={"cnn": [0.80, 0.82, 0.84], "ast": [0.50, 0.55, 0.60], "wav2vec2": [0.40, 0.42, 0.44]},
                     small={"cnn": [0.5, 0.52, 0.54], "ast": [0.2, 0.35, 0.5], "wav2vec2": [0.2, 0.22, 0.24]},
                     drop={"cnn": [0.1, 0.11, 0.12], "ast": [0.2, 0.25, 0.3], "wav2vec2": [0.3, 0.31, 0.32]}, **TIGHT)
    table = r.markdown()
    assert "| cnn | 1,000 | 0.820 ± 0.020 | +26.0 | 1.0 | 5.0 | 0.110 ± 0.010 |" in table
    assert "drop @ 0 dB" in table and "(baseline)" in table and "| chance |  | 0.100 |" in table
    noise = r.noise_markdown()
    assert "| cnn - wav2vec2 | -0.200 (z = -14.1, clears the spread) |" in noise
    assert "| ast - wav2vec2 | -0.060 (z = -1.2) |" in noise
    curve = r.curve_markdown()
    assert "| cnn | 0.520 ± 0.020 | 0.820 ± 0.020 |" in curve and "| baseline (same clips) | 0.250 ± 0.050 | 0.300 |" in curve
    assert r.row("cnn")["drop"] == {0.0: pytest.approx(0.11)} and r.snrs == [0.0]
    with pytest.raises(KeyError, match="no noise measurement of 'cnn' at 10"):
        r.drops("cnn", 10)


def test_pairwise_compares_every_pair_once():
    rows = pairwise({"a": [0.8, 0.82, 0.84], "b": [0.5, 0.52, 0.54], "c": [0.5, 0.6, 0.7]})
    assert [(p["a"], p["b"]) for p in rows] == [("a", "b"), ("a", "c"), ("b", "c")]
    assert rows[0]["gap"] == pytest.approx(0.3) and rows[0]["differs"] and not rows[2]["differs"]


def test_few_per_class_draws_per_seed_stratified_and_nested():
    labels = torch.tensor([0] * 6 + [1] * 6 + [2] * 6)
    waves = torch.arange(18.0)[:, None]
    part = (waves, labels)
    x, y = few_per_class(part, 2, seed=0)
    assert torch.bincount(y).tolist() == [2, 2, 2] and x[:, 0].tolist() == sorted(x[:, 0].tolist())
    assert few_per_class(part, 2, seed=0)[0].tolist() == x.tolist()  # a seed repeats its draw
    draws = {tuple(few_per_class(part, 2, seed=s)[0][:, 0].tolist()) for s in range(10)}
    assert len(draws) > 1  # other seeds draw other clips
    assert set(x[:, 0].tolist()) <= set(few_per_class(part, 4, seed=0)[0][:, 0].tolist())  # nested
    firsts = set(per_class_subset(part, 2)[0][:, 0].tolist())
    assert any(set(d) != firsts for d in draws)  # not just the first k of each class
    with pytest.raises(ValueError, match="class 'a' has only 6 examples, fewer than k=7"):
        few_per_class(part, 7, class_names=["a", "b", "c"])
    with pytest.raises(ValueError, match="must be a positive int"):
        few_per_class(part, 0)


def test_noise_drops_are_clean_minus_noisy_on_the_same_noise(tiny_data):
    model = build_classifier("cnn", tiny_data.labels).eval()
    twin = build_classifier("cnn", tiny_data.labels).eval()  # same seed, same weights
    rows = noise_drops({("cnn", 0): model, ("cnn", 1): twin}, tiny_data.test, snrs=(10, 0.0), device="cpu")
    assert [(r["seed"], r["snr_db"]) for r in rows] == [(0, 10.0), (0, 0.0), (1, 10.0), (1, 0.0)]
    for r in rows:
        assert r["drop"] == pytest.approx(r["clean_accuracy"] - r["accuracy"])
    assert [r["accuracy"] for r in rows[:2]] == [r["accuracy"] for r in rows[2:]]  # every model hears the same noise
    assert rows[1]["accuracy"] == noise_accuracy(model, tiny_data.test, 0.0, seed=NOISE_SEED, color=NOISE_COLOR)
    with pytest.raises(ValueError, match="models is empty"):
        noise_drops({}, tiny_data.test)
    with pytest.raises(ValueError, match="at least one SNR"):
        noise_drops({("cnn", 0): model}, tiny_data.test, snrs=())


def test_cpu_latency_is_per_audio_second_and_leaves_the_model_alone(monkeypatch):
    calls = []

    def fake_median_ms(fn, repeats, device):
        assert not torch.is_grad_enabled() and device == "cpu"
        calls.append(fn().shape)
        return 40.0

    monkeypatch.setattr(compare_module, "median_ms", fake_median_ms)
    model = build_classifier("cnn", ["a", "b"], num_samples=8000)
    assert cpu_latency(model, 8000, 16000) == pytest.approx(80.0)  # 40 ms for half a second of audio
    assert calls == [(1, 2)] and model.training  # measured on a copy


def test_compare_end_to_end_on_tiny_settings(tiny_data, monkeypatch):
    def fake_median_ms(fn, repeats, device):  # the timer itself is tested in test_measure.py
        assert not torch.is_grad_enabled()  # latency is measured on inference
        fn()
        return 50.0

    monkeypatch.setattr(compare_module, "median_ms", fake_median_ms)
    result = compare(tiny_data, seeds=(0, 1), epochs=1, batch_size=4, snrs=(0.0,), shots=(2,), clip_seconds=(0.5, 1),
                     repeats=1, device="cpu", log=None)
    assert result.names == list(MODELS) and set(result.models) == {(n, s) for n in MODELS for s in (0, 1)}
    assert len(result.noise) == 2 * len(MODELS) and len(result.scaling) == 2 * len(MODELS)
    assert result.curve[2].settings["per_class"] == 2 and len(result.curve[2].baselines) == 2
    assert {r["train_examples"] for r in result.curve[2].rows} == {6}  # 2 clips x 3 classes
    clip_seconds = tiny_data.test[0].shape[1] / tiny_data.sample_rate
    for row in result.table:
        assert 0.0 <= row["test_accuracy"] <= 1.0 and row["parameters"] > 1000 and row["train_seconds"] > 0
        assert row["latency_ms_per_audio_s"] == pytest.approx(50.0 / clip_seconds) and 0.0 in row["drop"]
    assert all(r["latency_ms"] == 50.0 and r["latency_ms_per_audio_s"] == 50.0 / r["clip_seconds"]
               for r in result.scaling)
    mem = {(r["model"], r["clip_seconds"]): r["memory_mb"] for r in result.scaling}
    assert all(mem[(m, 1.0)] > mem[(m, 0.5)] > 0 for m in MODELS)  # longer clip, more activation memory
    assert "| cnn |" in result.markdown() and "cnn - ast" in result.noise_markdown()
    assert "2 per class" in result.curve_markdown()
    assert result.models[("cnn", 0)].labels == tiny_data.labels
    assert len(verdicts(result)) == len(SEED_TABLE)


def test_compare_rejects_bad_settings(tiny_data):
    with pytest.raises(ValueError, match="names must be models from"):
        compare(tiny_data, names=("cnn", "lstm"), log=None)
    with pytest.raises(ValueError, match="shots must be positive"):
        compare(tiny_data, shots=(0, 3), log=None)
    with pytest.raises(ValueError, match="class .* fewer than k=50"):  # refused before any training
        compare(tiny_data, names=("cnn",), shots=(50,), log=None)


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
