"""Heads and Wav2Vec2 classifiers: parity with transformers, padding, freezing, checkpoints.

Tolerance: logits equal transformers' to 1e-5 (absolute; float32 on CPU).
Models are tiny (hidden 32, 2 layers) and clips short, so the module runs in seconds.
"""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from transformers import (
    Wav2Vec2Config,
    Wav2Vec2FeatureExtractor,
    Wav2Vec2ForAudioFrameClassification,
    Wav2Vec2ForPreTraining,
    Wav2Vec2ForSequenceClassification,
    Wav2Vec2Model,
)

from course_utils.checkpoints import load_classifier, save_classifier
from course_utils.models import count_parameters
from course_utils.models.heads import (
    FrameClassificationHead,
    SequenceClassificationHead,
    WeightedLayerSum,
    lengths_to_mask,
    masked_mean_pool,
    train_linear_probe,
)
from course_utils.models.wav2vec2 import (
    Wav2Vec2Classifier,
    Wav2Vec2FrameClassifier,
    feature_vector_mask,
    normalize_waveforms,
    tiny_wav2vec2_config,
)
from course_utils.train import fit

ATOL = 1e-5
LABELS = ["yes", "no", "up"]
LENGTHS = torch.tensor([3200, 2100, 900])  # samples; the first is the padded length


def small_config(**overrides) -> Wav2Vec2Config:
    settings = dict(conv_dim=(8, 16, 16), conv_kernel=(10, 8, 4), conv_stride=(5, 4, 4), hidden_size=32,
                    intermediate_size=64, num_attention_heads=2, num_conv_pos_embeddings=8,
                    num_conv_pos_embedding_groups=2, classifier_proj_size=16, num_labels=len(LABELS),
                    id2label=dict(enumerate(LABELS)), label2id={k: i for i, k in enumerate(LABELS)})
    settings.update(overrides)
    return tiny_wav2vec2_config(**settings)


def batch(seed: int = 0, lengths: torch.Tensor = LENGTHS) -> tuple[torch.Tensor, torch.Tensor]:
    """A zero-padded batch of noise clips (B, S) and their lengths (B,)."""
    g = torch.Generator().manual_seed(seed)
    x = 0.3 * torch.randn(len(lengths), int(lengths.max()), generator=g)
    return x * lengths_to_mask(lengths, x.shape[1]), lengths


def randomize_layer_weights(hf_model) -> None:
    """Non-uniform layer weights, so a weighted-sum bug cannot hide behind equal weights."""
    if hasattr(hf_model, "layer_weights"):
        with torch.no_grad():
            hf_model.layer_weights.copy_(torch.randn(hf_model.layer_weights.shape, generator=torch.Generator().manual_seed(1)))


# ----------------------------------------------------------------------------
# Masks and pooling


def test_lengths_to_mask_and_errors():
    mask = lengths_to_mask(torch.tensor([3, 1, 0]), 4)
    assert mask.tolist() == [[True, True, True, False], [True, False, False, False], [False] * 4]
    with pytest.raises(ValueError, match="outside"):
        lengths_to_mask(torch.tensor([5]), 4)
    with pytest.raises(ValueError, match="integer"):
        lengths_to_mask(torch.tensor([1.5]), 4)


def test_masked_mean_pool_matches_manual_mean_and_ignores_padding():
    hidden = torch.randn(2, 5, 3)
    mask = lengths_to_mask(torch.tensor([5, 2]), 5)
    pooled = masked_mean_pool(hidden, mask)
    torch.testing.assert_close(pooled[0], hidden[0].mean(0))
    torch.testing.assert_close(pooled[1], hidden[1, :2].mean(0))
    torch.testing.assert_close(masked_mean_pool(hidden), hidden.mean(1))
    garbage = hidden.clone()
    garbage[1, 2:] = 1e6  # whatever sits in padded frames must not matter
    torch.testing.assert_close(masked_mean_pool(garbage, mask), pooled)


def test_masked_mean_pool_errors():
    with pytest.raises(ValueError, match=r"\(batch, frames, hidden_size\)"):
        masked_mean_pool(torch.randn(4, 3))
    with pytest.raises(ValueError, match="mask must have shape"):
        masked_mean_pool(torch.randn(2, 5, 3), torch.ones(2, 4, dtype=torch.bool))
    with pytest.raises(ValueError, match="row 1 has no valid frame"):
        masked_mean_pool(torch.randn(2, 5, 3), lengths_to_mask(torch.tensor([5, 0]), 5))
    with pytest.raises(ValueError, match="floating point"):
        masked_mean_pool(torch.ones(2, 5, 3, dtype=torch.long))


@pytest.mark.parametrize("norm", ["group", "layer"])
def test_feature_vector_mask_matches_transformers(norm):
    config = Wav2Vec2Config(feat_extract_norm=norm)  # the base model's 7 convs: stride 320, field 400
    model = Wav2Vec2Model(small_config(conv_dim=(8,) * 7, conv_kernel=config.conv_kernel, conv_stride=config.conv_stride))
    lengths = torch.tensor([16000, 15999, 12345, 720, 400])
    sample_mask = lengths_to_mask(lengths, 16000).long()
    frames = 49  # num_frames(config, 16000)
    expected = model._get_feature_vector_attention_mask(frames, sample_mask)
    got = feature_vector_mask(config, sample_mask, frames)
    assert torch.equal(got, expected)
    assert got.sum(1).tolist() == [49, 49, 38, 2, 1]
    with pytest.raises(ValueError, match="shorter than the feature encoder's receptive field"):
        feature_vector_mask(config, lengths_to_mask(torch.tensor([16000, 399]), 16000), frames)
    with pytest.raises(ValueError, match="hidden states have 10"):
        feature_vector_mask(config, sample_mask, 10)


def test_weighted_layer_sum_is_a_softmax_average():
    layers = [torch.full((1, 2, 3), float(i)) for i in range(3)]
    mix = WeightedLayerSum(3)
    torch.testing.assert_close(mix(layers), torch.full((1, 2, 3), 1.0))  # equal weights: the mean of 0, 1, 2
    with torch.no_grad():
        mix.weight.copy_(torch.tensor([0.0, 0.0, 100.0]))
    torch.testing.assert_close(mix(layers), torch.full((1, 2, 3), 2.0))  # softmax puts all weight on the last
    with pytest.raises(ValueError, match="sequence of 3 hidden states"):
        mix(layers[:2])
    with pytest.raises(ValueError, match="sequence of 3 hidden states"):
        mix(torch.randn(3, 1, 2, 3))
    with pytest.raises(ValueError, match="num_layers"):
        WeightedLayerSum(0)


def test_heads_validate_their_input():
    with pytest.raises(ValueError, match="takes one tensor"):
        SequenceClassificationHead(4, 2, proj_size=3)([torch.randn(1, 2, 4)])
    with pytest.raises(ValueError, match="proj_size"):
        SequenceClassificationHead(4, 2, proj_size=0)
    with pytest.raises(ValueError, match="num_classes must be a positive int, got 0"):
        FrameClassificationHead(4, 0)
    with pytest.raises(ValueError, match="hidden_size must be a positive int, got 0"):
        FrameClassificationHead(0, 2)


# ----------------------------------------------------------------------------
# Parity with transformers: same weights, same logits


ENCODERS = {  # feature-encoder norm and transformer layout of the real checkpoints
    "group (base)": dict(feat_extract_norm="group"),
    "layer (large-lv60)": dict(feat_extract_norm="layer", do_stable_layer_norm=True),
    "layer (course tiny)": dict(feat_extract_norm="layer"),
}


@pytest.mark.parametrize("weighted", [False, True], ids=["last-layer", "weighted-sum"])
@pytest.mark.parametrize("encoder", list(ENCODERS))
def test_sequence_head_equals_transformers(encoder, weighted):
    torch.manual_seed(0)
    config = small_config(use_weighted_layer_sum=weighted, **ENCODERS[encoder])
    hf_model = Wav2Vec2ForSequenceClassification(config).eval()
    randomize_layer_weights(hf_model)
    ours = Wav2Vec2Classifier.from_transformers(hf_model, use_attention_mask=True).eval()
    x, lengths = batch()
    with torch.no_grad():
        expected_masked = hf_model(x, attention_mask=lengths_to_mask(lengths, x.shape[1]).long()).logits
        expected_plain = hf_model(x).logits
        torch.testing.assert_close(ours(x, lengths), expected_masked, atol=ATOL, rtol=0)
        torch.testing.assert_close(ours(x), expected_plain, atol=ATOL, rtol=0)
    assert (expected_masked - expected_plain).abs().max() > 1e-4  # the mask matters, so both cases test something


@pytest.mark.parametrize("weighted", [False, True], ids=["last-layer", "weighted-sum"])
@pytest.mark.parametrize("encoder", ["group (base)", "layer (course tiny)"])
def test_frame_head_equals_transformers(encoder, weighted):
    torch.manual_seed(0)
    config = small_config(use_weighted_layer_sum=weighted, **ENCODERS[encoder])
    hf_model = Wav2Vec2ForAudioFrameClassification(config).eval()
    randomize_layer_weights(hf_model)
    ours = Wav2Vec2FrameClassifier.from_transformers(hf_model, use_attention_mask=True).eval()
    x, lengths = batch()
    with torch.no_grad():
        expected = hf_model(x, attention_mask=lengths_to_mask(lengths, x.shape[1]).long()).logits  # (B, T, C)
        torch.testing.assert_close(ours(x, lengths), expected, atol=ATOL, rtol=0)
        torch.testing.assert_close(ours(x), hf_model(x).logits, atol=ATOL, rtol=0)
    # the loss: transformers' single-label cross-entropy over all frames, argmax of one-hot targets
    targets = F.one_hot(torch.randint(0, len(LABELS), expected.shape[:2]), len(LABELS)).float()
    hf_loss = hf_model(x, attention_mask=lengths_to_mask(lengths, x.shape[1]).long(), labels=targets).loss
    torch.testing.assert_close(ours.head.loss(expected, targets), hf_loss, atol=ATOL, rtol=0)


def test_to_transformers_round_trip():
    torch.manual_seed(0)
    ours = Wav2Vec2Classifier(LABELS, small_config(use_weighted_layer_sum=True)).eval()
    hf_model = ours.to_transformers().eval()
    assert isinstance(hf_model, Wav2Vec2ForSequenceClassification)
    assert hf_model.config.id2label == dict(enumerate(LABELS))
    x, lengths = batch()
    with torch.no_grad():
        torch.testing.assert_close(ours(x, lengths), hf_model(x, attention_mask=lengths_to_mask(lengths, x.shape[1]).long()).logits,
                                   atol=ATOL, rtol=0)


# ----------------------------------------------------------------------------
# Padding: the mask makes a padded batch exact; forgetting it changes the answer


def test_padded_batch_equals_clips_one_by_one_with_mask():
    torch.manual_seed(0)
    model = Wav2Vec2Classifier(LABELS, small_config()).eval()  # feat_extract_norm="layer": per-frame norms
    assert model.use_attention_mask
    x, lengths = batch()
    with torch.no_grad():
        one_by_one = torch.cat([model(x[i:i + 1, :n]) for i, n in enumerate(lengths.tolist())])
        padded = model(x, lengths)
        forgot_mask = model(x)  # zero-padded, no lengths: padding frames are pooled as if heard
    torch.testing.assert_close(padded, one_by_one, atol=ATOL, rtol=0)
    assert torch.equal(forgot_mask[0], padded[0]) or (forgot_mask[0] - padded[0]).abs().max() < ATOL  # the unpadded clip
    assert (forgot_mask[1:] - one_by_one[1:]).abs().max() > 1e-3  # the pitfall


def test_group_norm_encoder_is_not_padding_invariant_even_with_mask():
    """The base model's first conv normalises over the whole (padded) clip: why its extractor returns no mask."""
    torch.manual_seed(0)
    model = Wav2Vec2Classifier(LABELS, small_config(feat_extract_norm="group")).eval()
    assert not model.use_attention_mask  # follows the config, as wav2vec2-base's feature extractor does
    model.use_attention_mask = True
    x, lengths = batch()
    with torch.no_grad():
        one_by_one = torch.cat([model(x[i:i + 1, :n]) for i, n in enumerate(lengths.tolist())])
        padded = model(x, lengths)
    assert (padded[1:] - one_by_one[1:]).abs().max() > 1e-4


def test_frame_classifier_frame_mask():
    model = Wav2Vec2FrameClassifier(LABELS, small_config())
    x, lengths = batch()
    with torch.no_grad():
        logits = model(x, lengths)
    mask = model.frame_mask(lengths, logits.shape[1])
    assert mask.shape == logits.shape[:2] and mask.sum(1).tolist() == [39, 25, 10]


# ----------------------------------------------------------------------------
# Frame head losses


def test_frame_loss_single_and_multi_label():
    logits = torch.randn(2, 4, 3)
    mask = lengths_to_mask(torch.tensor([4, 2]), 4)
    single = FrameClassificationHead(8, 3)
    indices = torch.randint(0, 3, (2, 4))
    expected = F.cross_entropy(logits[mask], indices[mask])
    torch.testing.assert_close(single.loss(logits, indices, mask), expected)
    torch.testing.assert_close(single.loss(logits, F.one_hot(indices, 3), mask), expected)
    multi = FrameClassificationHead(8, 3, multi_label=True)
    targets = torch.randint(0, 2, (2, 4, 3)).float()  # overlapping events: several classes on in one frame
    targets[0, 0] = 1.0
    torch.testing.assert_close(multi.loss(logits, targets, mask),
                               F.binary_cross_entropy_with_logits(logits[mask], targets[mask]))
    changed = logits.clone()
    changed[1, 2:] = 50.0  # padded frames do not count
    torch.testing.assert_close(multi.loss(changed, targets, mask), multi.loss(logits, targets, mask))
    torch.testing.assert_close(multi.probabilities(logits), torch.sigmoid(logits))
    torch.testing.assert_close(single.probabilities(logits).sum(-1), torch.ones(2, 4))
    with pytest.raises(ValueError, match="more than one active class"):
        single.loss(logits, targets, mask)
    with pytest.raises(ValueError, match="multi-hot"):
        multi.loss(logits, indices, mask)


def test_frame_loss_pos_weight_matches_bce_with_logits_loss():
    logits, targets = torch.randn(2, 4, 3), torch.randint(0, 2, (2, 4, 3)).float()
    mask = lengths_to_mask(torch.tensor([4, 2]), 4)
    weights = torch.tensor([3.0, 1.0, 0.5])
    multi = FrameClassificationHead(8, 3, multi_label=True)
    expected = torch.nn.BCEWithLogitsLoss(pos_weight=weights)(logits[mask], targets[mask])
    torch.testing.assert_close(multi.loss(logits, targets, mask, pos_weight=weights), expected)
    torch.testing.assert_close(multi.loss(logits, targets, mask, pos_weight=torch.ones(3)), multi.loss(logits, targets, mask))
    with pytest.raises(ValueError, match="must hold 3 weights, one per class, got shape \\(2,\\)"):
        multi.loss(logits, targets, mask, pos_weight=torch.ones(2))
    for bad in (-weights, torch.tensor([1.0, float("nan"), 1.0]), torch.tensor([1.0, float("inf"), 1.0])):
        with pytest.raises(ValueError, match="finite and non-negative"):
            multi.loss(logits, targets, mask, pos_weight=bad)
    with pytest.raises(ValueError, match="multi-label"):
        FrameClassificationHead(8, 3).loss(logits, targets.argmax(-1), mask, pos_weight=weights)


# ----------------------------------------------------------------------------
# Checkpoints: the course registry, and transformers' save_pretrained (the Hub path offline)


def test_save_and_load_classifier(tmp_path):
    torch.manual_seed(0)
    model = Wav2Vec2Classifier(LABELS, small_config(use_weighted_layer_sum=True), num_samples=3200).eval()
    save_classifier(model, tmp_path / "w2v")
    loaded = load_classifier(tmp_path / "w2v")
    assert type(loaded) is Wav2Vec2Classifier and loaded.labels == LABELS and loaded.num_samples == 3200
    x, lengths = batch()
    with torch.no_grad():
        torch.testing.assert_close(loaded(x, lengths), model(x, lengths), atol=0, rtol=0)
    frame_model = Wav2Vec2FrameClassifier(LABELS, small_config(), multi_label=True)
    save_classifier(frame_model, tmp_path / "frames")
    assert load_classifier(tmp_path / "frames").head.multi_label


def test_saved_classifier_loads_in_a_fresh_interpreter(tmp_path):
    """load_classifier imports the model module itself: the checkpoint names only the class."""
    import json
    import subprocess
    import sys

    from safetensors.torch import load_file, save_file

    torch.manual_seed(0)
    model = Wav2Vec2Classifier(LABELS, small_config(), num_samples=3200).eval()
    folder = save_classifier(model, tmp_path / "w2v")
    meta = json.loads((folder / "classifier.json").read_text())
    assert meta["class"] == "Wav2Vec2Classifier" and "module" not in meta  # found through checkpoints._MODEL_MODULES
    x, lengths = batch()
    save_file({"x": x, "lengths": lengths}, str(tmp_path / "inputs.safetensors"))
    child = (  # nothing imported but course_utils.checkpoints: the registry starts empty
        "import sys, torch\n"
        "from safetensors.torch import load_file, save_file\n"
        "from course_utils.checkpoints import CLASSIFIERS, load_classifier\n"
        "assert not CLASSIFIERS, CLASSIFIERS\n"
        "model = load_classifier(sys.argv[1])\n"
        "inputs = load_file(sys.argv[2])\n"
        "with torch.no_grad():\n"
        "    save_file({'logits': model(inputs['x'], inputs['lengths'])}, sys.argv[3])\n"
        "print(type(model).__name__, model.labels)\n")
    out = subprocess.run([sys.executable, "-c", child, str(folder), str(tmp_path / "inputs.safetensors"),
                          str(tmp_path / "logits.safetensors")], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == f"Wav2Vec2Classifier {LABELS}"
    with torch.no_grad():
        torch.testing.assert_close(load_file(str(tmp_path / "logits.safetensors"))["logits"], model(x, lengths),
                                   atol=1e-6, rtol=1e-5)


def test_from_pretrained_fine_tuned_checkpoint_offline(tmp_path):
    """The superb/wav2vec2-base-superb-ks path: a saved Wav2Vec2ForSequenceClassification + its extractor."""
    torch.manual_seed(0)
    hf_model = Wav2Vec2ForSequenceClassification(small_config(use_weighted_layer_sum=True)).eval()
    randomize_layer_weights(hf_model)
    extractor = Wav2Vec2FeatureExtractor(do_normalize=True, return_attention_mask=True)
    hf_model.save_pretrained(tmp_path)
    extractor.save_pretrained(tmp_path)
    model = Wav2Vec2Classifier.from_pretrained(str(tmp_path))
    assert model.labels == LABELS and model.do_normalize and model.use_attention_mask and not model.training
    # end to end: raw clips of different lengths -> transformers' extractor + model == course model
    x, lengths = batch()
    clips = [x[i, :n].numpy() for i, n in enumerate(lengths.tolist())]
    inputs = extractor(clips, sampling_rate=16000, padding=True, return_tensors="pt")
    with torch.no_grad():
        expected = hf_model(**inputs).logits
        torch.testing.assert_close(model(x, lengths), expected, atol=ATOL, rtol=0)
    # new labels: same encoder, a fresh head
    other = Wav2Vec2Classifier.from_pretrained(str(tmp_path), labels=["a", "b"])
    assert other.labels == ["a", "b"] and other.head.classifier.out_features == 2
    torch.testing.assert_close(other.encoder.state_dict(), model.encoder.state_dict())


def test_from_pretrained_encoder_only_checkpoint_offline(tmp_path):
    """The facebook/wav2vec2-base path: a pretraining checkpoint without a classification head."""
    torch.manual_seed(0)
    pretrained = Wav2Vec2ForPreTraining(small_config(feat_extract_norm="group", proj_codevector_dim=16,
                                                     codevector_dim=16, num_codevectors_per_group=8))
    pretrained.save_pretrained(tmp_path)
    Wav2Vec2FeatureExtractor(do_normalize=True, return_attention_mask=False).save_pretrained(tmp_path)
    with pytest.raises(ValueError, match="pass labels"):
        Wav2Vec2Classifier.from_pretrained(str(tmp_path))
    model = Wav2Vec2Classifier.from_pretrained(str(tmp_path), labels=["x", "y"])
    assert model.labels == ["x", "y"] and model.do_normalize and not model.use_attention_mask
    torch.testing.assert_close(model.encoder.state_dict(), pretrained.wav2vec2.state_dict())
    frame_model = Wav2Vec2FrameClassifier.from_pretrained(str(tmp_path), labels=["speech"], multi_label=True)
    assert frame_model.head.multi_label


def test_normalize_waveforms_matches_feature_extractor():
    x, lengths = batch()
    clips = [x[i, :n].numpy() for i, n in enumerate(lengths.tolist())]
    expected = Wav2Vec2FeatureExtractor(do_normalize=True, return_attention_mask=True)(
        clips, sampling_rate=16000, padding=True, return_tensors="pt").input_values
    torch.testing.assert_close(normalize_waveforms(x, lengths), expected, atol=1e-5, rtol=0)


# ----------------------------------------------------------------------------
# Freezing, linear probe, training


def test_freezing_helpers():
    model = Wav2Vec2Classifier(LABELS, small_config())
    total = count_parameters(model)
    convs = count_parameters(model.encoder.feature_extractor)
    head = count_parameters(model.head)
    assert total == sum(p.numel() for p in model.parameters()) and 0 < head < convs < total
    assert count_parameters(model.freeze_feature_encoder(), trainable_only=True) == total - convs
    assert count_parameters(model.freeze_base_model(), trainable_only=True) == head
    assert count_parameters(model) == count_parameters(model, trainable_only=False) == total  # default: all
    before = {k: v.clone() for k, v in model.state_dict().items()}
    x, lengths = batch()
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1)
    F.cross_entropy(model.train()(x, lengths), torch.tensor([0, 1, 2])).backward()
    opt.step()
    changed = {k for k, v in model.state_dict().items() if not torch.equal(v, before[k])}
    assert changed and all(k.startswith("head.") for k in changed)
    assert count_parameters(model.unfreeze(), trainable_only=True) == total


def test_linear_probe_on_pooled_features():
    torch.manual_seed(0)
    model = Wav2Vec2Classifier(LABELS, small_config())
    x, lengths = batch()
    features = model.pooled_features(x, lengths, batch_size=2)
    assert features.shape == (3, 32) and model.training  # mode restored
    torch.testing.assert_close(features[2], model.eval().encode(x[2:3, :900])[0].mean(1)[0], atol=ATOL, rtol=0)
    points, targets = probe_points()
    probe = train_linear_probe(points, targets, 3)
    assert (probe(points).argmax(1) == targets).float().mean() == 1.0
    assert probe.weight.dtype == points.dtype and not probe.training
    again = train_linear_probe(points, targets, 3)  # deterministic: no seed, the same probe
    assert torch.equal(again.weight, probe.weight) and torch.equal(again.bias, probe.bias)


def probe_points(n_classes: int = 3, per_class: int = 20, dim: int = 8, spread: float = 1.0):
    """Gaussian clusters, shifted and scaled on purpose (the probe standardises them itself)."""
    g = torch.Generator().manual_seed(0)
    centers = 5 * torch.randn(n_classes, dim, generator=g)
    targets = torch.arange(n_classes).repeat(per_class)
    return 3.0 + 10.0 * (centers[targets] + spread * torch.randn(n_classes * per_class, dim, generator=g)), targets


def test_linear_probe_matches_scikit_learn():
    """The probe is sklearn's LogisticRegression (lbfgs, multinomial) on standardised features, with
    C = 1 / (2 N l2). Overlapping clusters, so the penalty matters: probabilities agree to 1e-4."""
    sklearn = pytest.importorskip("sklearn.linear_model")
    points, targets = probe_points(n_classes=4, per_class=15, dim=6, spread=3.0)
    l2 = 1e-2
    probe = train_linear_probe(points, targets, 4, l2=l2)
    x = points.double()
    standardised = ((x - x.mean(0)) / x.std(0, unbiased=False)).numpy()
    theirs = sklearn.LogisticRegression(C=1 / (2 * len(targets) * l2), tol=1e-10, max_iter=10_000)
    theirs.fit(standardised, targets.numpy())
    with torch.no_grad():
        ours = probe(points).softmax(dim=1).double()
    assert 0.5 < (ours.argmax(1) == targets).double().mean() < 1.0  # neither trivial nor separable
    torch.testing.assert_close(ours, torch.from_numpy(theirs.predict_proba(standardised)), atol=1e-4, rtol=0)


def test_linear_probe_errors_name_the_argument():
    points, targets = probe_points()
    with pytest.raises(ValueError, match=r"target 3 is out of range for num_classes=3"):
        train_linear_probe(points, targets + 1, 3)
    with pytest.raises(ValueError, match=r"features must be a float tensor \(N, D\)"):
        train_linear_probe(points[0], targets, 3)
    with pytest.raises(TypeError, match="targets must be a torch.Tensor, got list"):
        train_linear_probe(points, targets.tolist(), 3)
    with pytest.raises(ValueError, match="targets must be integer class indices"):
        train_linear_probe(points, targets.float(), 3)
    with pytest.raises(ValueError, match="l2 must be >= 0"):
        train_linear_probe(points, targets, 3, l2=-1.0)


def test_fit_trains_the_classifier_with_lengths():
    torch.manual_seed(0)
    model = Wav2Vec2Classifier(["low", "high"], small_config(), num_samples=2400)
    t = torch.arange(2400) / 16000
    lengths = torch.tensor([2400, 1600] * 8)
    waves = torch.stack([torch.sin(2 * torch.pi * (200 if i % 4 < 2 else 2000) * t) for i in range(16)])
    waves = waves * lengths_to_mask(lengths, 2400)
    labels = torch.tensor([0 if i % 4 < 2 else 1 for i in range(16)])
    history = fit(model, (waves, lengths, labels), epochs=15, lr=3e-3, batch_size=8, device="cpu", progress=False)
    assert history.train_loss[-1] < 0.5 * history.train_loss[0]


def test_classifier_input_errors():
    model = Wav2Vec2Classifier(LABELS, small_config())
    x, lengths = batch()
    with pytest.raises(ValueError, match=r"\(batch, samples\)"):
        model(x[0])
    with pytest.raises(ValueError, match="must be float"):
        model(x.long())
    with pytest.raises(ValueError, match="NaN"):
        model(torch.full_like(x, float("nan")))
    with pytest.raises(ValueError, match=r"lengths must lie in \[1, 3200\] \(the padded clip length\), got \[3200, 0, 5\]"):
        model(x, torch.tensor([3200, 0, 5]))
    with pytest.raises(ValueError, match=r"lengths must be integers of shape \(3,\), got shape \(1,\)"):
        model(x, torch.tensor([3200]))
    with pytest.raises(ValueError, match=r"lengths must be integers of shape \(3,\)"):
        model(x, lengths.float())
    with pytest.raises(ValueError, match="shorter than the feature encoder's receptive field"):
        model(x, torch.tensor([3200, 2000, 50]))
    with pytest.raises(ValueError, match="distinct"):
        Wav2Vec2Classifier(["a", "a"], small_config())
    with pytest.raises(TypeError, match="config must be None, a dict of overrides or a transformers.Wav2Vec2Config"):
        Wav2Vec2Classifier(LABELS, "facebook/wav2vec2-base")
    with pytest.raises(TypeError, match="labels must be a list of class names"):
        Wav2Vec2Classifier(small_config(), LABELS)  # the old argument order: config first
    with pytest.raises(ValueError, match="num_samples=100 is shorter"):
        Wav2Vec2Classifier(LABELS, small_config(), num_samples=100)
    with pytest.raises(TypeError, match="expected a Wav2Vec2ForSequenceClassification"):
        Wav2Vec2Classifier.from_transformers(Wav2Vec2Model(small_config()))


def test_config_is_none_a_dict_of_overrides_or_a_wav2vec2_config():
    tiny = tiny_wav2vec2_config()
    default = Wav2Vec2Classifier(LABELS)  # config=None: the tiny config
    assert (default.config.hidden_size, default.config.conv_dim, default.config.num_hidden_layers) == \
        (tiny.hidden_size, tiny.conv_dim, tiny.num_hidden_layers)
    assert default.config.num_labels == 3 and default.config.id2label == dict(enumerate(LABELS))
    override = Wav2Vec2Classifier(LABELS, {"hidden_size": 32, "num_attention_heads": 2})
    assert (override.config.hidden_size, override.config.num_attention_heads) == (32, 2)
    assert override.config.conv_dim == tiny.conv_dim  # everything else: the tiny config
    explicit = small_config()
    model = Wav2Vec2Classifier(["a", "b"], explicit, multi_label=True)
    assert model.config is not explicit and explicit.num_labels == 3  # a copy: the caller's config is untouched
    assert (model.config.num_labels, model.config.problem_type) == (2, "multi_label_classification")
    with pytest.raises(ValueError, match=r"unknown Wav2Vec2Config setting\(s\) \['hiden_size'\]"):
        Wav2Vec2Classifier(LABELS, {"hiden_size": 32})
    with pytest.raises(ValueError, match=r"unknown Wav2Vec2Config setting\(s\) \['conv_dims'\]"):
        Wav2Vec2FrameClassifier(LABELS, {"conv_dims": (8, 8, 8)})


def test_frame_classifier_loss_and_probabilities():
    """The frame classifier's loss is its head's (mask, pos_weight); its probabilities the contract's."""
    torch.manual_seed(0)
    model = Wav2Vec2FrameClassifier(LABELS, small_config(), multi_label=True).eval()
    x, lengths = batch()
    with torch.no_grad():
        logits = model(x, lengths)
    mask = model.frame_mask(lengths, logits.shape[1])
    targets = torch.randint(0, 2, logits.shape, generator=torch.Generator().manual_seed(0)).float()
    weights = torch.tensor([3.0, 1.0, 0.5])
    expected = torch.nn.BCEWithLogitsLoss(pos_weight=weights)(logits[mask], targets[mask])
    torch.testing.assert_close(model.loss(logits, targets, mask, pos_weight=weights), expected)
    torch.testing.assert_close(model.loss(logits, targets, mask), model.head.loss(logits, targets, mask))
    torch.testing.assert_close(model.probabilities(logits), logits.sigmoid())
    single = Wav2Vec2FrameClassifier(LABELS, small_config()).eval()
    with torch.no_grad():
        logits = single(x, lengths)
    indices = targets.argmax(-1)
    torch.testing.assert_close(single.loss(logits, indices, mask), F.cross_entropy(logits[mask], indices[mask]))
    torch.testing.assert_close(single.probabilities(logits).sum(-1), torch.ones(logits.shape[:2]))


def test_a_clip_shorter_than_the_receptive_field_is_named_without_lengths():
    model = Wav2Vec2Classifier(["a", "b"], tiny_wav2vec2_config())
    with pytest.raises(ValueError, match="receptive field"):
        model(torch.randn(2, 100))
