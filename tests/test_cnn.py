"""SpectrogramCNN and the image-model head swap (offline: tiny ResNet saved to tmp_path)."""

import pytest
import torch
from torch import nn
from transformers import ResNetForImageClassification

from course_utils.checkpoints import load_classifier, save_classifier
from course_utils.env import seed_everything
from course_utils.models import count_parameters
from course_utils.models.cnn import (CNN_DEFAULTS, ImageModelClassifier, SpectrogramCNN, first_conv,
                                     load_image_model, replace_classifier, tiny_resnet_config, to_one_channel)
from course_utils.train import evaluate, fit

LABELS = ["a", "b", "c"]
SR, S = 16000, 4000  # quarter-second clips keep the tests fast


def waves(n=6, seed=0):
    return 0.1 * torch.randn(n, S, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("pooling, head_in", [("global", 32), ("time", 32 * 4)])
def test_spectrogram_cnn_shapes(pooling, head_in):
    seed_everything(0)
    model = SpectrogramCNN(LABELS, {"n_mels": 32, "channels": (8, 16, 32), "pooling": pooling}, num_samples=S).eval()
    assert model(waves()).shape == (6, 3)
    assert model(waves(), torch.full((6,), S)).shape == (6, 3)  # the contract's (waveforms, lengths)
    assert model.head.in_features == head_in  # time pooling keeps 32 / 2**3 = 4 frequency rows
    assert model.config == {**CNN_DEFAULTS, "n_mels": 32, "channels": (8, 16, 32), "pooling": pooling}
    # every parameter, counted by hand: input batch norm, (3x3 conv without bias + batch norm) per block, head
    widths = (1, 8, 16, 32)
    blocks = sum(9 * a * b + 2 * b for a, b in zip(widths[:-1], widths[1:]))
    expected = 2 + blocks + head_in * 3 + 3
    assert count_parameters(model) == count_parameters(model, trainable_only=True) == expected
    model.head.requires_grad_(False)
    assert count_parameters(model, trainable_only=True) == expected - (head_in * 3 + 3)
    assert count_parameters(model) == expected  # the default counts every parameter, frozen or not


def test_spectrogram_cnn_bad_arguments():
    with pytest.raises(ValueError, match="pooling must be 'global' or 'time', got 'max'"):
        SpectrogramCNN(LABELS, {"pooling": "max"})
    with pytest.raises(ValueError, match="n_mels=30 must be divisible by 2\\*\\*3"):
        SpectrogramCNN(LABELS, {"n_mels": 30})
    with pytest.raises(ValueError, match="at least 2 labels"):
        SpectrogramCNN(["only"])
    with pytest.raises(ValueError, match=r"unknown SpectrogramCNN setting\(s\) \['n_mel'\]"):
        SpectrogramCNN(LABELS, {"n_mel": 32})  # a misspelt key is an error, not a silently ignored setting
    with pytest.raises(TypeError, match="config must be None or a dict"):
        SpectrogramCNN(LABELS, 32)


def test_spectrogram_cnn_save_load_in_fresh_model(tmp_path):
    seed_everything(0)
    x, y = waves(12), torch.arange(12) % 3
    model = SpectrogramCNN(LABELS, {"n_mels": 32, "channels": (8, 16), "pooling": "time"}, num_samples=S,
                           sample_rate=SR)
    fit(model, (x, y), None, epochs=1, batch_size=6, device="cpu")
    folder = save_classifier(model, tmp_path / "cnn")
    assert sorted(p.name for p in folder.iterdir()) == ["classifier.json", "model.safetensors"]  # the course format
    fresh = load_classifier(folder)
    assert isinstance(fresh, SpectrogramCNN) and fresh.get_config() == model.get_config()
    assert set(model.get_config()) == {"labels", "config", "sample_rate", "num_samples", "multi_label"}
    assert (fresh.labels, fresh.num_samples, fresh.config) == (LABELS, S, model.config)
    torch.testing.assert_close(fresh(x), model.eval()(x), rtol=0, atol=0)


@pytest.fixture
def imagenet_like(tmp_path):
    """A tiny 3-channel, 1000-class ResNet written the way the hub stores microsoft/resnet-18."""
    seed_everything(0)
    model = ResNetForImageClassification(tiny_resnet_config(num_labels=1000)).eval()
    with torch.no_grad():  # non-trivial batch-norm statistics, as after ImageNet training
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
    model.save_pretrained(tmp_path / "resnet-tiny")
    return tmp_path / "resnet-tiny", model


@pytest.mark.parametrize("mode, scale", [("sum", 1.0), ("mean", 1 / 3)])
def test_one_channel_trick_is_exact(imagenet_like, mode, scale):
    path, original = imagenet_like
    model = load_image_model(str(path)).eval()  # the online path, from a local folder
    assert first_conv(model).in_channels == 3 and model.config.num_labels == 1000
    grey = torch.randn(2, 1, 32, 48)
    expected = original(pixel_values=(scale * grey).expand(-1, 3, -1, -1)).logits  # grey repeated as RGB
    to_one_channel(model, mode=mode)
    assert first_conv(model).weight.shape[1] == 1 and model.config.num_channels == 1
    torch.testing.assert_close(model(pixel_values=grey).logits, expected, rtol=1e-4, atol=1e-4)
    with pytest.raises(ValueError, match="mode must be 'sum' or 'mean'"):
        to_one_channel(model, mode="max")


def test_replace_classifier_and_freeze(imagenet_like, tmp_path):
    path, original = imagenet_like
    image_model = replace_classifier(to_one_channel(load_image_model(str(path))), LABELS)
    head = image_model.classifier[-1]
    assert isinstance(head, nn.Linear) and (head.in_features, head.out_features) == (128, 3)
    assert image_model.config.id2label == {0: "a", 1: "b", 2: "c"}
    stem_before = first_conv(image_model).weight.detach().clone()
    torch.testing.assert_close(stem_before, first_conv(original).weight.sum(1, keepdim=True))

    clf = ImageModelClassifier(LABELS, {"n_mels": 32}, num_samples=S, image_model=image_model).freeze_backbone()
    assert count_parameters(clf, trainable_only=True) == 128 * 3 + 3
    bn_before = {k: v.clone() for k, v in clf.state_dict().items() if "running" in k}
    x, y = waves(12), torch.arange(12) % 3
    head_before = clf.head().weight.detach().clone()
    fit(clf, (x, y), None, epochs=2, batch_size=6, lr=1e-2, device="cpu")
    assert not torch.equal(clf.head().weight, head_before)  # the head learned
    torch.testing.assert_close(first_conv(clf.image_model).weight, stem_before, rtol=0, atol=0)  # backbone did not
    for k, v in bn_before.items():  # nor did its batch-norm statistics
        torch.testing.assert_close(clf.state_dict()[k], v, rtol=0, atol=0)

    clf.freeze_backbone(False)  # full fine-tuning: everything moves
    fit(clf, (x, y), None, epochs=1, batch_size=6, lr=1e-3, device="cpu")
    assert not torch.equal(first_conv(clf.image_model).weight, stem_before)

    folder = save_classifier(clf, tmp_path / "swapped")
    fresh = load_classifier(folder)
    assert isinstance(fresh, ImageModelClassifier) and fresh.image_model.config.num_channels == 1
    torch.testing.assert_close(evaluate(fresh, (x, y))["probabilities"], evaluate(clf, (x, y))["probabilities"],
                               rtol=0, atol=0)


def test_image_model_classifier_errors(imagenet_like):
    path, _ = imagenet_like
    with pytest.raises(ValueError, match="1000 outputs but there are 3 labels: call replace_classifier"):
        ImageModelClassifier(LABELS, image_model=load_image_model(str(path)))
    with pytest.raises(ValueError, match=r"pass either image_model or config\['resnet'\], not both"):
        ImageModelClassifier(LABELS, {"resnet": tiny_resnet_config(3, 1).to_dict()},
                             image_model=replace_classifier(load_image_model(str(path)), LABELS))
    with pytest.raises(ValueError, match=r"unknown ImageModelClassifier setting\(s\) \['resnet_config'\]"):
        ImageModelClassifier(LABELS, {"resnet_config": tiny_resnet_config(3, 1).to_dict()})  # the old argument
    with pytest.raises(ValueError, match="at least 2 labels"):
        replace_classifier(load_image_model(str(path)), ["x"])
    # an RGB model still works: the spectrogram is repeated in its three channels
    rgb = replace_classifier(load_image_model(str(path)), LABELS)
    assert ImageModelClassifier(LABELS, {"n_mels": 32}, num_samples=S, image_model=rgb).eval()(waves(2)).shape == (2, 3)


def test_image_model_classifier_default_is_a_tiny_one_channel_resnet(tmp_path):
    seed_everything(0)
    model = ImageModelClassifier(LABELS, {"n_mels": 32}, num_samples=S, multi_label=True).eval()
    config = model.image_model.config
    assert (config.num_channels, config.num_labels, config.hidden_sizes) == (1, 3, [16, 32, 64, 128])
    assert first_conv(model.image_model).in_channels == 1
    x = waves(4)
    with torch.no_grad():
        logits = model(x)
    assert logits.shape == (4, 3)
    torch.testing.assert_close(model.probabilities(logits), logits.sigmoid(), rtol=0, atol=0)  # multi-label
    fresh = load_classifier(save_classifier(model, tmp_path / "default"))
    assert isinstance(fresh, ImageModelClassifier) and fresh.multi_label and fresh.num_samples == S
    with torch.no_grad():
        torch.testing.assert_close(fresh(x), logits, rtol=0, atol=0)


def test_spectrogram_cnn_names_a_clip_too_short_for_its_blocks():
    model = SpectrogramCNN(["a", "b"])  # three blocks: at least 8 frames of 20 ms
    with pytest.raises(ValueError, match="frames is too short for this CNN: its 3 conv blocks need at least 8"):
        model(torch.randn(2, 10))


def test_spectrogram_cnn_floor_is_a_setting():
    """top_db sets the log-mel floor below each clip's peak; None keeps every quiet cell."""
    x = waves(2)
    x[:, S // 2:] *= 1e-6  # a loud half and a near-silent half: the floor decides what the quiet half looks like
    floors = {}
    for top_db in (80.0, 40.0, None):
        model = SpectrogramCNN(LABELS, {"top_db": top_db}, num_samples=S)
        spec = model.features(x)  # (B, n_mels, frames)
        floors[top_db] = (spec.amax(dim=(1, 2)) - spec.amin(dim=(1, 2))).min().item()
        assert model.get_config()["config"]["top_db"] == top_db
    assert floors[40.0] == pytest.approx(40.0, abs=1e-3) and floors[80.0] == pytest.approx(80.0, abs=1e-3)
    assert floors[None] > 80.0
    assert SpectrogramCNN(LABELS).config["top_db"] == 80.0  # the default is LogMel's, as before
