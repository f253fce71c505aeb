"""Treat the spectrogram as an image: a small CNN, and an image model with its head swapped.

Two ways to classify a log-mel spectrogram `(n_mels, frames)` as if it were
a grey-scale picture:

1. `SpectrogramCNN`: a few conv blocks (3x3 conv -> batch norm -> ReLU ->
   2x2 max pool), then pooling and one linear layer. Small enough to train on
   a laptop CPU in under a minute.
2. `ImageModelClassifier`: an image classifier from transformers (ResNet),
   adapted to one input channel and given a new final layer for our classes:
   the recipe for reusing an ImageNet model (`microsoft/resnet-18`).

Both follow the course classifier contract (course_utils.models): forward
takes waveforms `(batch, samples)` (and optional lengths) and returns logits
`(batch, num_classes)`; the log-mel front-end lives inside the model.

One warning travels with this module. Convolutions slide over both axes and
global pooling forgets *where* a pattern was found: that is exactly what we
want along time (a bark is a bark, early or late in the clip), but along
frequency, position is pitch. `SpectrogramCNN(labels, config={"pooling": "time"})` averages over
time only and keeps the frequency axis for the head; notebook 03 measures
what that changes for classes that differ only in pitch.
"""

from __future__ import annotations

import difflib
import numbers

import torch
from torch import nn

from course_utils.checkpoints import register_classifier
from course_utils.fast_features import LogMel
from course_utils.models.base import Classifier, check_positive_int, resolve_config

__all__ = ["CNN_DEFAULTS", "IMAGE_MODEL_DEFAULTS", "ImageModelClassifier", "RESNET_FIELDS", "SpectrogramCNN",
           "conv_block", "first_conv", "load_image_model", "replace_classifier", "tiny_resnet_config", "to_one_channel"]

# ----------------------------------------------------------------------------
# A small CNN, top to bottom


def conv_block(in_channels: int, out_channels: int) -> nn.Sequential:
    """(B, in, F, T) -> (B, out, F // 2, T // 2): 3x3 conv, batch norm, ReLU, 2x2 max pool."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1, bias=False),  # BN brings its own bias
        nn.BatchNorm2d(out_channels),
        nn.ReLU(),
        nn.MaxPool2d(2),
    )


CNN_DEFAULTS = dict(n_mels=32, n_fft=400, hop_length=320, top_db=80.0, channels=(16, 32, 64), pooling="global",
                   dropout=0.1)


@register_classifier
class SpectrogramCNN(Classifier):
    """waveforms -> log-mel "image" -> conv blocks -> pooling -> linear -> logits.

    Follows the course classifier contract (course_utils.models). `config`
    overrides any of `CNN_DEFAULTS`:

        n_mels, n_fft, hop_length: the log-mel front-end (LogMel). The defaults, 32 mel bands
            every 20 ms (25 ms windows), are a coarser picture than notebook 02's 64 bands every
            10 ms: enough for these sounds, and four times fewer pixels to convolve.
        top_db: the floor, in dB below each clip's loudest cell (None: no floor). A lower
            floor hides quiet detail (and quiet noise) from the convolutions.
        channels: output channels of each conv block; each block halves both axes.
        pooling: "global" averages the last feature map over frequency *and* time (the usual
            image-classifier choice: translation tolerant in both directions); "time" averages
            over time only and hands every frequency row to the head (frequency position kept).
        dropout: before the final linear layer.

    `lengths` is accepted and checked, and the CNN, like an image model, sees the zero
    padding after a short clip as silence.
    """

    def __init__(self, labels: list[str], config: dict | None = None, *, sample_rate: int = 16000,
                 num_samples: int = 16000, multi_label: bool = False):
        super().__init__(labels, sample_rate=sample_rate, num_samples=num_samples, multi_label=multi_label)
        settings = resolve_config(config, CNN_DEFAULTS, "SpectrogramCNN")
        if not isinstance(settings["channels"], (list, tuple)):
            raise ValueError(f"channels must be a list of conv block widths, e.g. {CNN_DEFAULTS['channels']}, "
                             f"got {settings['channels']!r}")
        n_mels, channels, pooling = settings["n_mels"], tuple(settings["channels"]), settings["pooling"]
        if pooling not in ("global", "time"):
            raise ValueError(f"pooling must be 'global' or 'time', got {pooling!r}")
        if not channels:
            raise ValueError(f"channels must list at least one conv block's width, e.g. {CNN_DEFAULTS['channels']}, "
                             f"got {settings['channels']!r}")
        for i, width in enumerate(channels):
            check_positive_int(width, f"channels[{i}]")
        check_positive_int(n_mels, "n_mels")
        dropout = settings["dropout"]
        if isinstance(dropout, bool) or not isinstance(dropout, numbers.Real) or not 0.0 <= dropout <= 1.0:
            raise ValueError(f"dropout must be a number in [0, 1] (the share of features zeroed while training), "
                             f"got {dropout!r}")
        if n_mels % 2 ** len(channels):
            raise ValueError(f"n_mels={n_mels} must be divisible by 2**{len(channels)} (one halving per conv block)")
        self.config = {**settings, "channels": channels}
        self.channels = channels
        self.features = LogMel(sample_rate=self.sample_rate, n_fft=settings["n_fft"],
                               hop_length=settings["hop_length"], n_mels=n_mels, top_db=settings["top_db"])
        self.input_norm = nn.BatchNorm2d(1)  # learns the dB scale: like normalizing an image's pixels
        widths = (1,) + channels
        self.blocks = nn.Sequential(*[conv_block(a, b) for a, b in zip(widths[:-1], widths[1:])])
        rows = n_mels // 2 ** len(channels)  # frequency rows left after the blocks
        head_in = channels[-1] * (rows if pooling == "time" else 1)
        self.dropout = nn.Dropout(settings["dropout"])
        self.head = nn.Linear(head_in, self.num_classes)

    def forward(self, waveforms: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        waveforms, _ = self.prepare_input(waveforms, lengths)  # the CNN hears padding as silence
        return self.classify_spectrogram(self.features(waveforms))  # (B, S) -> (B, n_mels, frames) -> (B, C)

    def classify_spectrogram(self, spec: torch.Tensor) -> torch.Tensor:
        """Logits `(B, num_classes)` from log-mel spectrograms `(B, n_mels, frames)`: the "image" half."""
        min_frames = 2 ** len(self.channels)  # each block halves the time axis
        if spec.shape[-1] < min_frames:
            raise ValueError(f"{spec.shape[-1]} frames is too short for this CNN: its {len(self.channels)} conv blocks "
                             f"need at least {min_frames} frames (pad the clip to model.num_samples, "
                             f"{self.num_samples} samples)")
        x = self.input_norm(spec[:, None])  # (B, 1, n_mels, frames): a one-channel image
        x = self.blocks(x)  # (B, C, n_mels / 2^k, frames / 2^k)
        return self.head(self.dropout(self.pool(x)))  # (B, num_classes)

    def pool(self, feature_map: torch.Tensor) -> torch.Tensor:
        """The last feature map `(B, C, rows, frames)` -> one vector per clip for the head."""
        if self.config["pooling"] == "global":
            return feature_map.mean(dim=(2, 3))  # (B, C): *where* a pattern was, in time or frequency, is gone
        return feature_map.mean(dim=3).flatten(1)  # (B, C * rows): time forgotten, frequency row kept

    def get_config(self) -> dict:
        """The constructor's arguments, JSON-able: what `save_classifier` writes."""
        return {"labels": self.labels, "config": {**self.config, "channels": list(self.channels)},
                "sample_rate": self.sample_rate, "num_samples": self.num_samples, "multi_label": self.multi_label}


# ----------------------------------------------------------------------------
# Head swap: an image classifier from transformers, reused for spectrograms
#
# The recipe, for any ImageNet model:
#   1. load it (pretrained when online: `load_image_model("microsoft/resnet-18")`);
#   2. make its first convolution take 1 channel instead of RGB (`to_one_channel`);
#   3. replace its last layer, 1000 ImageNet classes, by a new Linear for ours (`replace_classifier`);
#   4. train the new head alone (`freeze_backbone`), or everything with a small learning rate.


def tiny_resnet_config(num_labels: int = 2, num_channels: int = 3, **overrides):
    """A ResNet-18-shaped config (basic blocks, 4 stages), scaled down to train on a CPU in seconds.

    microsoft/resnet-18 is embedding_size=64, hidden_sizes=[64, 128, 256, 512], depths=[2, 2, 2, 2].
    """
    from transformers import ResNetConfig

    settings = dict(num_channels=num_channels, embedding_size=16, hidden_sizes=[16, 32, 64, 128],
                    depths=[1, 1, 1, 1], layer_type="basic", num_labels=num_labels)
    return ResNetConfig(**{**settings, **overrides})


def load_image_model(name_or_path: str = "microsoft/resnet-18"):
    """`ResNetForImageClassification.from_pretrained(name_or_path)`: a hub name (online) or a local folder
    written by `save_pretrained` (offline). Never runs code from the checkpoint."""
    from transformers import ResNetForImageClassification

    return ResNetForImageClassification.from_pretrained(name_or_path, trust_remote_code=False)


def first_conv(image_model) -> nn.Conv2d:
    """The stem convolution of a transformers ResNet (7x7, stride 2, `num_channels` inputs)."""
    return image_model.resnet.embedder.embedder.convolution


def to_one_channel(image_model, mode: str = "sum"):
    """Make an RGB image model accept 1-channel (spectrogram) input, keeping its pretrained knowledge.

    The first conv has weights `(out, 3, k, k)`. Feeding a grey picture as RGB means
    repeating it in all three channels, and then the conv computes
    `W_r * x + W_g * x + W_b * x = (W_r + W_g + W_b) * x`. So a conv with the summed
    kernel `(out, 1, k, k)` gives *exactly* the same output for one channel, for a
    third of the work. AST (Gong et al., 2021) does this to ViT's patch embedding to
    start from ImageNet weights; the paper says "average", the code sums: `mode="mean"`
    divides by 3, which only rescales the input (the batch norm after the conv absorbs most of it).
    Changes the model in place and returns it.
    """
    if mode not in ("sum", "mean"):
        raise ValueError(f"mode must be 'sum' or 'mean', got {mode!r}")
    conv = first_conv(image_model)
    if conv.in_channels == 1:
        return image_model
    weight = conv.weight.detach().sum(dim=1, keepdim=True)  # (out, 3, k, k) -> (out, 1, k, k)
    if mode == "mean":
        weight = weight / conv.in_channels
    new = nn.Conv2d(1, conv.out_channels, conv.kernel_size, stride=conv.stride, padding=conv.padding,
                    bias=conv.bias is not None)
    new.weight.data.copy_(weight)
    if conv.bias is not None:
        new.bias.data.copy_(conv.bias.detach())
    image_model.resnet.embedder.embedder.convolution = new
    image_model.resnet.embedder.num_channels = 1  # the embedder checks the input's channel count
    image_model.config.num_channels = 1
    return image_model


def replace_classifier(image_model, labels: list[str]):
    """Swap the final Linear (e.g. 1000 ImageNet classes) for a new, randomly initialised one for `labels`."""
    if len(labels) < 2:
        raise ValueError(f"need at least 2 labels, got {list(labels)}")
    old = image_model.classifier[-1]
    in_features = old.in_features if isinstance(old, nn.Linear) else image_model.config.hidden_sizes[-1]
    image_model.classifier[-1] = nn.Linear(in_features, len(labels))
    image_model.num_labels = len(labels)
    image_model.config.num_labels = len(labels)
    image_model.config.id2label = dict(enumerate(labels))
    image_model.config.label2id = {name: i for i, name in enumerate(labels)}
    return image_model


IMAGE_MODEL_DEFAULTS = dict(resnet=None, n_mels=64, n_fft=400, hop_length=160)
# The settings that shape a transformers ResNet (ResNetConfig's own fields).
RESNET_FIELDS = ("num_channels", "embedding_size", "hidden_sizes", "depths", "layer_type", "hidden_act",
                 "downsample_in_first_stage", "downsample_in_bottleneck", "out_features", "out_indices")


def _check_resnet_settings(resnet) -> None:
    """`config["resnet"]`: None, or a dict of ResNetConfig settings with no misspelt field.

    ResNetConfig.from_dict keeps an unknown key as an inert attribute, so `hidden_size` for
    `hidden_sizes` would be a silently ignored setting. A key it does not know that is close to
    one of RESNET_FIELDS is refused; other unknown keys pass (a config saved by another
    transformers version carries general keys of its own, e.g. 4.x's generation settings).
    """
    from transformers import ResNetConfig

    if resnet is None:
        return
    if not isinstance(resnet, dict):
        raise TypeError(f"config['resnet'] must be None or a dict of ResNetConfig settings, e.g. "
                        f"tiny_resnet_config(num_channels=1).to_dict(), got {type(resnet).__name__}")
    known = set(ResNetConfig().to_dict())
    for key in sorted(set(resnet) - known):
        close = difflib.get_close_matches(key, RESNET_FIELDS, n=1, cutoff=0.75)
        if close:
            raise ValueError(f"unknown ResNetConfig setting {key!r} in config['resnet']: did you mean {close[0]!r}? "
                             f"(a ResNet's fields: {list(RESNET_FIELDS)})")


def _check_image_model(image_model) -> None:
    """An image classifier from transformers: an nn.Module with a config that says its
    number of outputs and input channels (what forward and the label check read)."""
    config = getattr(image_model, "config", None)
    if not isinstance(image_model, nn.Module) or not all(hasattr(config, k) for k in ("num_labels", "num_channels")):
        raise TypeError(f"image_model must be a transformers image classifier such as ResNetForImageClassification "
                        f"(see load_image_model), got {type(image_model).__name__}")


@register_classifier
class ImageModelClassifier(Classifier):
    """waveforms -> log-mel -> (B, channels, n_mels, frames) -> transformers ResNet -> logits.

    Follows the course classifier contract (course_utils.models). Give it an
    `image_model` (e.g. from `load_image_model` + `to_one_channel` + `replace_classifier`),
    or let `config["resnet"]` (a ResNetConfig dict; default `tiny_resnet_config`) build one.
    `config` also overrides the log-mel settings (`IMAGE_MODEL_DEFAULTS`). A model that
    still expects RGB gets the spectrogram repeated in its three channels.
    """

    def __init__(self, labels: list[str], config: dict | None = None, *, sample_rate: int = 16000,
                 num_samples: int = 16000, multi_label: bool = False, image_model=None):
        super().__init__(labels, sample_rate=sample_rate, num_samples=num_samples, multi_label=multi_label)
        from transformers import ResNetConfig, ResNetForImageClassification

        settings = resolve_config(config, IMAGE_MODEL_DEFAULTS, "ImageModelClassifier")
        _check_resnet_settings(settings["resnet"])
        if image_model is not None:
            _check_image_model(image_model)
        if image_model is not None and settings["resnet"] is not None:
            raise ValueError("pass either image_model or config['resnet'], not both")
        if image_model is None:
            resnet = settings["resnet"] or tiny_resnet_config(num_labels=self.num_classes, num_channels=1).to_dict()
            image_model = ResNetForImageClassification(ResNetConfig.from_dict(resnet))
        if image_model.config.num_labels != self.num_classes:
            raise ValueError(f"the image model has {image_model.config.num_labels} outputs but there are "
                             f"{self.num_classes} labels: call replace_classifier(image_model, labels) first")
        self.config = {**settings, "resnet": None}
        self.features = LogMel(sample_rate=self.sample_rate, n_fft=settings["n_fft"],
                               hop_length=settings["hop_length"], n_mels=settings["n_mels"])
        self.image_model = image_model
        self.backbone_frozen = False

    def forward(self, waveforms: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        waveforms, _ = self.prepare_input(waveforms, lengths)
        spec = self.features(waveforms)  # (B, n_mels, frames)
        # Standardize each clip, as image models expect normalized pixels. No learned state here,
        # so the recipe carries over unchanged from pre-training to a new task.
        mean, std = spec.mean(dim=(1, 2), keepdim=True), spec.std(dim=(1, 2), keepdim=True)
        x = ((spec - mean) / (std + 1e-5))[:, None]  # (B, 1, n_mels, frames)
        channels = self.image_model.config.num_channels
        x = x.expand(-1, channels, -1, -1)  # (B, channels, n_mels, frames): grey -> "RGB" if needed
        try:
            return self.image_model(pixel_values=x).logits  # (B, num_classes)
        except ValueError as exc:  # batch norm on one value per channel: say why, and what to do
            if self.training and x.shape[0] == 1 and "more than 1 value per channel" in str(exc):
                raise ValueError(f"a batch of one clip cannot train {type(self).__name__}: for a "
                                 f"{tuple(spec.shape[1:])} (n_mels, frames) spectrogram the image model's last "
                                 "feature map is 1x1, so its batch norm sees one value per channel. Train on "
                                 "batches of 2 or more clips, or on longer clips or more mel bands; call "
                                 "model.eval() to predict") from exc
            raise

    def head(self) -> nn.Linear:
        return self.image_model.classifier[-1]

    def freeze_backbone(self, frozen: bool = True) -> "ImageModelClassifier":
        """Train only the new head: every other weight is frozen, and its batch-norm statistics too
        (the frozen part stays in eval mode even while `fit` calls `model.train()`)."""
        self.backbone_frozen = frozen
        for p in self.parameters():
            p.requires_grad = not frozen
        for p in self.head().parameters():
            p.requires_grad = True
        return self.train(self.training)

    def train(self, mode: bool = True) -> "ImageModelClassifier":
        super().train(mode)
        if self.backbone_frozen:  # frozen means frozen: no running-statistics updates either
            for module in self.modules():
                module.training = False
            self.head().train(mode)
            self.training = mode
        return self

    def get_config(self) -> dict:
        """The constructor's arguments, JSON-able (the ResNet's config included): what `save_classifier` writes."""
        return {"labels": self.labels, "config": {**self.config, "resnet": self.image_model.config.to_dict()},
                "sample_rate": self.sample_rate, "num_samples": self.num_samples, "multi_label": self.multi_label}
