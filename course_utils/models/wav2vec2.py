"""Wav2Vec2 classifiers: a raw-waveform encoder from transformers plus the course heads.

Wav2Vec2 reads the waveform itself, no spectrogram:

    waveform (B, S)                           16 kHz samples
      -> conv feature encoder                 7 strided 1-D convs (base model): stride 320 samples,
         (B, conv_dim, T)                     one frame every 20 ms, each seeing 400 samples (25 ms)
      -> feature projection                   LayerNorm + Linear to hidden_size
      -> transformer encoder (B, T, D)        positional conv embedding + self-attention layers
      -> head                                 course_utils.models.heads

The encoder is transformers' own `Wav2Vec2Model` (the same weights load from
`facebook/wav2vec2-base` or any fine-tuned checkpoint); the heads are the
course's, and equal transformers' `Wav2Vec2ForSequenceClassification` /
`Wav2Vec2ForAudioFrameClassification` logits to 1e-5 with the same weights.

    >>> model = Wav2Vec2Classifier(["dog", "cat"])                       # the tiny config
    >>> logits = model(waveforms, lengths)                 # (B, 2)
    >>> model = Wav2Vec2Classifier.from_pretrained("superb/wav2vec2-base-superb-ks")      # online
    >>> model = Wav2Vec2Classifier.from_pretrained("facebook/wav2vec2-base", labels=[...])  # new head

Both classifiers follow the course classifier contract (course_utils.models):
forward takes `(waveforms (B, S), lengths (B,) | None)`; `Wav2Vec2Classifier`
returns logits (B, C), `Wav2Vec2FrameClassifier` one prediction per frame,
logits (B, T, C). `save_classifier` writes a transformers folder that
`from_pretrained` (here and in transformers) and `pipeline` read.

Padding, and which checkpoints want a mask. With `lengths`, the classifier
builds the sample mask, the encoder ignores padded frames in attention, and
the head pools only real frames. That holds exactly for encoders whose conv
layers normalise each frame on its own (`feat_extract_norm="layer"`, the
course's tiny model, wav2vec2-large-lv60). The base model normalises its first
conv layer over the whole clip (`feat_extract_norm="group"`), padding
included, and was trained on zero-padded batches without a mask; its feature
extractor says so (`return_attention_mask=False`). `use_attention_mask=None`
follows the checkpoint's feature extractor when there is one, else the config.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from torch import nn
from transformers import (
    Wav2Vec2Config,
    Wav2Vec2FeatureExtractor,
    Wav2Vec2ForAudioFrameClassification,
    Wav2Vec2ForSequenceClassification,
    Wav2Vec2Model,
)

from course_utils.checkpoints import check_model_type, quiet_transformers, read_course_meta, register_classifier
from course_utils.models.base import (Classifier, check_known_keys, check_positive_int, holds_class_names,
                                     label_indices)
from course_utils.models.heads import FrameClassificationHead, SequenceClassificationHead, lengths_to_mask, masked_mean_pool

try:  # transformers >= 5 validates configs with huggingface_hub's strict dataclasses
    from huggingface_hub.errors import StrictDataclassError as _StrictDataclassError
    _ConfigValidationError = (ValueError, _StrictDataclassError)
except ImportError:
    _ConfigValidationError = ValueError

__all__ = ["Wav2Vec2Classifier", "Wav2Vec2FrameClassifier", "encoder_stride", "feature_vector_mask", "frame_spans",
           "hop_seconds", "normalize_waveforms", "num_frames", "receptive_field", "tiny_wav2vec2_config"]

# ----------------------------------------------------------------------------
# The Wav2Vec2 feature encoder's frame rate
#
# Wav2Vec2's feature encoder is a stack of 1-D convolutions, no padding:
#
#   base model   kernel  10   3   3   3   3   2   2
#                stride   5   2   2   2   2   2   2
#
# Each layer with kernel k and stride s maps L samples to floor((L - k) / s) + 1.
# One step of the output moves the input by the product of the strides
# (5 * 2**6 = 320 samples = 20 ms at 16 kHz), and one output frame sees
# 1 + sum_i (k_i - 1) * (s_1 * ... * s_{i-1}) input samples (400 = 25 ms).
# So frame i sees samples [320 i, 320 i + 400). With `config.add_adapter` a
# strided adapter after the transformer thins the frames further: the stride and
# the frame count include it (as transformers counts), the receptive field is the
# conv stack's (the transformer in between already sees the whole clip).


def _conv_layers(config, adapter: bool = True) -> list[tuple[int, int]]:
    """(kernel, stride) of the feature encoder's convs (+ the adapter's, when the config has one)."""
    try:
        kernels, strides = list(config.conv_kernel), list(config.conv_stride)
    except (AttributeError, TypeError):
        raise TypeError(f"config must be a Wav2Vec2-style config with conv_kernel and conv_stride, "
                        f"got {type(config).__name__}") from None
    if len(kernels) != len(strides) or not kernels:
        raise ValueError(f"config.conv_kernel {kernels} and config.conv_stride {strides} must be non-empty and equally long")
    layers = list(zip(kernels, strides))
    if adapter and getattr(config, "add_adapter", False):  # kernel 3, padding 1, stride s: same count as kernel 1
        layers += [(1, config.adapter_stride)] * config.num_adapter_layers
    return layers


def encoder_stride(config) -> int:
    """Input samples per output frame: the product of the conv strides (320 for wav2vec2-base)
    (times the adapter's strides when `config.add_adapter`)."""
    return math.prod(s for _, s in _conv_layers(config))


def receptive_field(config) -> int:
    """Input samples one output frame sees (400 for wav2vec2-base: 25 ms at 16 kHz)."""
    field, jump = 1, 1
    for kernel, stride in _conv_layers(config, adapter=False):
        field += (kernel - 1) * jump  # each layer widens the view by (k - 1) steps of the current spacing
        jump *= stride
    return field


def hop_seconds(config, sample_rate: int = 16000) -> float:
    """Seconds between output frames: encoder_stride / sample_rate (0.02 for wav2vec2-base at 16 kHz)."""
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, int) or sample_rate <= 0:
        raise ValueError(f"sample_rate must be a positive int, got {sample_rate!r}")
    return encoder_stride(config) / sample_rate


def num_frames(config, num_samples):
    """Frames the feature encoder outputs for `num_samples` input samples.

    Same arithmetic as transformers' `Wav2Vec2Model._get_feat_extract_output_lengths`
    (applied layer by layer: floor((L - k) / s) + 1). `num_samples` is an int, or
    an integer tensor of lengths (batch,) -> a tensor. A clip shorter than the
    receptive field gives no frame at all: ValueError.
    """
    lengths = torch.as_tensor(num_samples)
    if lengths.is_floating_point() or lengths.dtype == torch.bool or lengths.ndim > 1:
        raise ValueError(f"num_samples must be an int or a 1-D integer tensor of lengths, got {num_samples!r}")
    field = receptive_field(config)
    if lengths.numel() and lengths.min() < field:
        short = int(lengths.min())
        raise ValueError(f"a clip of {short} samples is shorter than the feature encoder's receptive field of "
                         f"{field} samples ({1000 * field / 16000:g} ms at 16 kHz): it gives no frame; pad it")
    out = lengths.long()
    for kernel, stride in _conv_layers(config):
        out = torch.div(out - kernel, stride, rounding_mode="floor") + 1
    return int(out) if isinstance(num_samples, (int, np.integer)) else out


def frame_spans(config, n_frames: int) -> torch.Tensor:
    """`(n_frames, 2)` [start, stop) input-sample span each output frame sees:
    [i * stride, i * stride + receptive_field). Not defined with an adapter (its frames mix the whole clip)."""
    if getattr(config, "add_adapter", False):
        raise ValueError("frame_spans is the conv feature encoder's geometry; this config has add_adapter=True")
    start = torch.arange(n_frames) * encoder_stride(config)
    return torch.stack([start, start + receptive_field(config)], dim=1)


def feature_vector_mask(config, attention_mask: torch.Tensor, feature_vector_length: int) -> torch.Tensor:
    """Turn a sample-level mask `(B, S)` into the encoder's frame-level mask `(B, T)`.

    What Wav2Vec2 does in `_get_feature_vector_attention_mask`: count each clip's
    real samples, push that count through the conv feature encoder's length
    arithmetic (`num_frames` above: each conv keeps
    `(length - kernel) // stride + 1` steps) and mark that many leading frames
    as real. `config` is any config with `conv_kernel` and `conv_stride`
    (Wav2Vec2, HuBERT, WavLM, ...); `feature_vector_length` is T, the number of
    frames in the (padded) hidden states. A clip shorter than one frame's
    receptive field has no frame at all; that is an error here (transformers
    would mark the whole row as real).
    """
    attention_mask = torch.as_tensor(attention_mask)
    if attention_mask.ndim != 2:
        raise ValueError(f"attention_mask must be (batch, samples), got shape {tuple(attention_mask.shape)}")
    sample_lengths = attention_mask.long().sum(dim=-1)  # (B,)
    frame_lengths = num_frames(config, sample_lengths).to(attention_mask.device)  # (B,); ValueError if < 1 frame
    if frame_lengths.max() > feature_vector_length:
        raise ValueError(f"the mask implies {frame_lengths.max().item()} frames but the hidden states have "
                         f"{feature_vector_length}")
    return lengths_to_mask(frame_lengths, feature_vector_length)  # (B, T)



# ----------------------------------------------------------------------------
# A Wav2Vec2 small enough to train on a laptop CPU in a minute


def tiny_wav2vec2_config(**overrides) -> Wav2Vec2Config:
    """A small Wav2Vec2Config with the base model's frame rate (stride 320 = 20 ms at 16 kHz).

    3 conv layers (16, 32, 32 channels; kernels 10, 8, 8; strides 5, 8, 8: a
    receptive field of 325 samples), 2 transformer layers of width 64,
    per-frame LayerNorm in the convs (so masks make padded batches exact), no
    dropout, no SpecAugment. About 0.1 M parameters versus 95 M for
    wav2vec2-base; one epoch over 700 one-second clips costs a few CPU
    seconds. Any field can be overridden.
    """
    settings = dict(
        conv_dim=(16, 32, 32), conv_kernel=(10, 8, 8), conv_stride=(5, 8, 8),
        feat_extract_norm="layer", conv_bias=True,
        hidden_size=64, num_hidden_layers=2, num_attention_heads=4, intermediate_size=128,
        num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=4,
        hidden_dropout=0.0, attention_dropout=0.0, activation_dropout=0.0, feat_proj_dropout=0.0,
        final_dropout=0.0, layerdrop=0.0, mask_time_prob=0.0, mask_feature_prob=0.0,
        classifier_proj_size=64,
    )
    settings.update(overrides)
    return Wav2Vec2Config(**settings)


def normalize_waveforms(waveforms: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
    """Zero mean, unit variance per clip over its real samples; padding stays 0.

    What `Wav2Vec2FeatureExtractor(do_normalize=True)` does to each clip before
    the pretrained base model sees it. `(B, S) -> (B, S)`.
    """
    if lengths is None:
        lengths = torch.full(waveforms.shape[:1], waveforms.shape[1], dtype=torch.long, device=waveforms.device)
    mask = lengths_to_mask(lengths, waveforms.shape[1]).to(waveforms.dtype)  # (B, S)
    count = mask.sum(dim=1, keepdim=True)  # (B, 1)
    mean = (waveforms * mask).sum(dim=1, keepdim=True) / count
    var = (((waveforms - mean) * mask) ** 2).sum(dim=1, keepdim=True) / count
    return (waveforms - mean) / torch.sqrt(var + 1e-7) * mask


def _as_config(config) -> Wav2Vec2Config:
    """None -> the tiny config; a dict -> overrides of it (misspelt keys refused); a Wav2Vec2Config -> a copy.
    Then the shapes the encoder needs are checked (see `_check_widths`)."""
    if config is None:
        return tiny_wav2vec2_config()
    if isinstance(config, Wav2Vec2Config):
        return _check_widths(Wav2Vec2Config.from_dict(config.to_dict()))  # a copy: we set num_labels on it
    if isinstance(config, dict):
        check_known_keys(config, Wav2Vec2Config().to_dict(), "Wav2Vec2Config", hint="see transformers.Wav2Vec2Config")
        try:
            return _check_widths(tiny_wav2vec2_config(**config))
        except _ConfigValidationError as exc:  # transformers' own check (not a ValueError in every version)
            raise ValueError(f"Wav2Vec2Config overrides {config} do not make a valid config: "
                             f"{str(exc).splitlines()[-1].strip()}") from exc
    raise TypeError(f"config must be None, a dict of overrides or a transformers.Wav2Vec2Config, "
                    f"got {type(config).__name__}")


def _check_widths(config: Wav2Vec2Config) -> Wav2Vec2Config:
    """hidden_size splits evenly into attention heads and positional-conv groups, or a ValueError
    (torch would say "in_channels must be divisible by groups" from deep inside the encoder)."""
    for name in ("num_attention_heads", "num_conv_pos_embedding_groups"):
        parts = getattr(config, name)
        if isinstance(parts, bool) or not isinstance(parts, int) or parts < 1 or config.hidden_size % parts:
            raise ValueError(f"hidden_size={config.hidden_size} must be divisible by {name}={parts!r}")
    return config


# ----------------------------------------------------------------------------
# What both classifiers share: waveform checks, the encoder, masks, freezing


class _Wav2Vec2Base(Classifier):
    """A transformers `Wav2Vec2Model` as `self.encoder`, plus what any head on it needs.

    Follows the course classifier contract (course_utils.models).

    Args:
        labels: class names, in logit order.
        config: None (`tiny_wav2vec2_config()`), a dict of overrides of it, or a Wav2Vec2Config;
            num_labels, id2label and problem_type are set from `labels` and `multi_label`.
        sample_rate, num_samples: what the model expects (1 s at 16 kHz by default).
        multi_label: sigmoid + binary cross-entropy instead of softmax + cross-entropy.
        do_normalize: normalise each clip to zero mean, unit variance first (pretrained
            checkpoints expect it; their feature extractor says `do_normalize=True`).
        use_attention_mask: turn `lengths` into an attention mask and a pooling mask. Default:
            True for `feat_extract_norm="layer"` encoders, False for "group" ones (see the module doc).
    """

    def __init__(self, labels: Sequence[str], config=None, *, sample_rate: int = 16000, num_samples: int = 16000,
                 multi_label: bool = False, do_normalize: bool = False, use_attention_mask: bool | None = None):
        super().__init__(labels, sample_rate=sample_rate, num_samples=num_samples, multi_label=multi_label)
        config = _as_config(config)
        if getattr(config, "add_adapter", False):
            raise ValueError("Wav2Vec2 adapters (config.add_adapter=True) change the frame rate; the heads do not support them")
        config.num_labels = self.num_classes
        config.id2label = dict(enumerate(self.labels))
        config.label2id = {label: i for i, label in enumerate(self.labels)}
        config.problem_type = "multi_label_classification" if multi_label else "single_label_classification"
        self.config = config
        for name, value in (("do_normalize", do_normalize), ("use_attention_mask", use_attention_mask)):
            if not isinstance(value, (bool, np.bool_)) and not (value is None and name == "use_attention_mask"):
                raise TypeError(f"{name} must be True or False{' (or None)' * (name == 'use_attention_mask')}, "
                                f"got {value!r}")
        self.do_normalize = bool(do_normalize)
        self.use_attention_mask = (config.feat_extract_norm == "layer") if use_attention_mask is None else bool(use_attention_mask)
        if self.num_samples < receptive_field(config):
            raise ValueError(f"num_samples={num_samples} is shorter than the encoder's receptive field "
                             f"of {receptive_field(config)} samples")
        self.encoder = Wav2Vec2Model(config)
        self.num_layers = config.num_hidden_layers + 1 if config.use_weighted_layer_sum else None

    # -- encoder -------------------------------------------------------------------------
    @property
    def min_samples(self) -> int:
        """One encoder frame's receptive field: a shorter clip gives no frame at all."""
        return receptive_field(self.config)

    def _check_input(self, waveforms: torch.Tensor, lengths: torch.Tensor | None):
        waveforms, lengths = self.prepare_input(waveforms, lengths)
        num_frames(self.config, waveforms.shape[1])  # a clip shorter than the receptive field: a clear error
        return waveforms, lengths

    def encode(self, waveforms: torch.Tensor, lengths: torch.Tensor | None = None):
        """Run the encoder. Returns `(hidden, frame_mask)`.

        hidden: the last hidden state (B, T, D), or with `use_weighted_layer_sum` the
        tuple of all layers' hidden states; frame_mask: (B, T) bool, or None when
        no mask is used (no lengths, or `use_attention_mask=False`).
        """
        waveforms, lengths = self._check_input(waveforms, lengths)
        if self.do_normalize:
            waveforms = normalize_waveforms(waveforms, lengths)  # (B, S)
        sample_mask = None
        if lengths is not None and self.use_attention_mask:
            sample_mask = lengths_to_mask(lengths, waveforms.shape[1]).long()  # (B, S)
        out = self.encoder(waveforms, attention_mask=sample_mask, output_hidden_states=self.num_layers is not None)
        hidden = out.hidden_states if self.num_layers is not None else out.last_hidden_state  # (B, T, D)
        n_frames = out.last_hidden_state.shape[1]  # T
        frame_mask = feature_vector_mask(self.config, sample_mask, n_frames) if sample_mask is not None else None
        return hidden, frame_mask

    @torch.no_grad()
    def pooled_features(self, waveforms: torch.Tensor, lengths: torch.Tensor | None = None,
                        batch_size: int = 64) -> torch.Tensor:
        """Mean-pooled last hidden states `(N, D)` of the encoder, in eval mode, for a linear probe."""
        if not torch.is_tensor(waveforms):
            raise TypeError(f"waveforms must be a torch tensor (N, samples), got {type(waveforms).__name__}; "
                            "convert with torch.as_tensor(x, dtype=torch.float32)")
        check_positive_int(batch_size, "batch_size")
        if lengths is not None:
            lengths = torch.as_tensor(lengths)
            if lengths.shape != waveforms.shape[:1]:
                raise ValueError(f"lengths must hold one sample count per clip, shape ({waveforms.shape[0]},), "
                                 f"got shape {tuple(lengths.shape)}")
        was_training = self.training
        self.eval()
        device = next(self.parameters()).device
        chunks = []
        for start in range(0, waveforms.shape[0], batch_size):
            x = waveforms[start:start + batch_size].to(device)
            n = lengths[start:start + batch_size].to(device) if lengths is not None else None
            hidden, mask = self.encode(x, n)
            if not torch.is_tensor(hidden):
                hidden = hidden[-1]
            chunks.append(masked_mean_pool(hidden, mask).cpu())
        self.train(was_training)
        return torch.cat(chunks)  # (N, D)

    # -- to and from transformers -------------------------------------------------------
    @classmethod
    def from_transformers(cls, hf_model: nn.Module, **kwargs):
        """A course model with exactly the weights of a transformers model of `_HF_CLASS`."""
        if not isinstance(hf_model, cls._HF_CLASS):
            raise TypeError(f"expected a {cls._HF_CLASS.__name__}, got {type(hf_model).__name__}")
        config = hf_model.config
        labels = [config.id2label[i] for i in range(config.num_labels)]
        kwargs.setdefault("multi_label", config.problem_type == "multi_label_classification")
        model = cls(labels, config, **kwargs)
        state = {}
        for key, value in hf_model.state_dict().items():
            if key.startswith("wav2vec2."):
                state["encoder." + key[len("wav2vec2."):]] = value
            elif key in cls._HEAD_KEYS:
                state[cls._HEAD_KEYS[key]] = value
            else:
                raise ValueError(f"unexpected weight {key!r} in {type(hf_model).__name__}")
        model.load_state_dict(state, strict=True)
        return model.to(next(hf_model.parameters()).device).train(hf_model.training)

    def to_transformers(self) -> nn.Module:
        """The equivalent transformers model (e.g. to `save_pretrained` or push to the Hub)."""
        hf_model = self._HF_CLASS(self.config)
        reverse = {v: k for k, v in self._HEAD_KEYS.items()}
        state = {("wav2vec2." + k[len("encoder."):]) if k.startswith("encoder.") else reverse[k]: v
                 for k, v in self.state_dict().items()}
        hf_model.load_state_dict(state, strict=True)
        return hf_model.to(next(self.parameters()).device).train(self.training)

    @classmethod
    def from_pretrained(cls, name_or_path: str | os.PathLike, labels: Sequence[str] | None = None, *,
                        num_samples: int | None = None, use_attention_mask: bool | None = None,
                        hub_kwargs: dict | None = None, **model_kwargs):
        """Load a Hub checkpoint (online) or a `save_pretrained` folder (offline), one code path.

        - A fine-tuned classifier (e.g. "superb/wav2vec2-base-superb-ks"): encoder and head,
          labels from its config. Pass `labels` to replace the head with a fresh one.
        - A pretrained encoder (e.g. "facebook/wav2vec2-base"): its encoder, a new head for `labels`.

        `do_normalize` and `use_attention_mask` come from the checkpoint's feature extractor
        (preprocessor_config.json) when it has one. `hub_kwargs` go to transformers' `from_pretrained`
        (revision, cache_dir, ...); `model_kwargs` to the constructor (e.g. multi_label=True).
        `num_samples` defaults to the saved clip length (a folder from `save_classifier`), else 1 s.
        """
        hub_kwargs = hub_kwargs or {}
        check_model_type(name_or_path, "wav2vec2", cls.__name__, **hub_kwargs)
        config = Wav2Vec2Config.from_pretrained(name_or_path, **hub_kwargs)
        meta = read_course_meta(name_or_path) if Path(name_or_path).is_dir() else None
        if num_samples is None:
            num_samples = int(meta["num_samples"]) if meta is not None else 16000
        has_head = any(a == cls._HF_CLASS.__name__ for a in (config.architectures or []))
        ckpt_labels = [config.id2label[i] for i in range(config.num_labels)]
        if labels is None and not has_head:
            raise ValueError(f"{name_or_path} has no {cls._HF_CLASS.__name__} head: pass labels=[...] for a new head")
        try:
            extractor = Wav2Vec2FeatureExtractor.from_pretrained(name_or_path, **hub_kwargs)
            do_normalize = extractor.do_normalize
            if use_attention_mask is None:
                use_attention_mask = extractor.return_attention_mask
            sample_rate = extractor.sampling_rate
        except OSError:  # no preprocessor_config.json: follow the config
            do_normalize, sample_rate = False, 16000
        settings = dict(sample_rate=sample_rate, num_samples=num_samples, do_normalize=do_normalize,
                        use_attention_mask=use_attention_mask, **model_kwargs)
        with quiet_transformers():
            if has_head and (labels is None or list(labels) == ckpt_labels):
                hf_model = cls._HF_CLASS.from_pretrained(name_or_path, **hub_kwargs)
                return cls.from_transformers(hf_model, **settings).eval()
            encoder = Wav2Vec2Model.from_pretrained(name_or_path, **hub_kwargs)
        model = cls(labels, encoder.config, **settings)
        model.encoder.load_state_dict(encoder.state_dict(), strict=True)
        return model.eval()

    # -- checkpoints: a transformers folder (course_utils.checkpoints) ----------------------
    def feature_extractor(self) -> Wav2Vec2FeatureExtractor:
        """The `transformers.Wav2Vec2FeatureExtractor` that prepares this model's input (for `pipeline`)."""
        return Wav2Vec2FeatureExtractor(feature_size=1, sampling_rate=self.sample_rate, padding_value=0.0,
                                        do_normalize=self.do_normalize, return_attention_mask=self.use_attention_mask)

    def save_pretrained(self, directory: str | os.PathLike) -> None:
        """Write the transformers model (`to_transformers`) and its feature extractor with `save_pretrained`."""
        self.to_transformers().save_pretrained(directory)
        self.feature_extractor().save_pretrained(directory)

    # -- freezing ------------------------------------------------------------------------
    def freeze_feature_encoder(self):
        """Stop training the conv feature encoder (the usual fine-tuning recipe). Returns self."""
        self.encoder.freeze_feature_encoder()
        return self

    def freeze_base_model(self):
        """Stop training the whole encoder: only the head learns. Returns self."""
        self.encoder.freeze_feature_encoder()  # also stops the convs asking for input gradients
        for p in self.encoder.parameters():
            p.requires_grad = False
        return self

    def unfreeze(self):
        """Train everything again. Returns self."""
        for p in self.parameters():
            p.requires_grad = True
        self.encoder.feature_extractor._requires_grad = True
        return self


# ----------------------------------------------------------------------------
# One label per clip


@register_classifier
class Wav2Vec2Classifier(_Wav2Vec2Base):
    """Wav2Vec2 encoder + `SequenceClassificationHead`: waveforms (B, S) -> logits (B, C).

    Same computation as `Wav2Vec2ForSequenceClassification` (projector size
    `config.classifier_proj_size`, weighted layer sum if `config.use_weighted_layer_sum`).
    """

    _HF_CLASS = Wav2Vec2ForSequenceClassification
    _HEAD_KEYS = {"layer_weights": "head.layer_sum.weight", "projector.weight": "head.projector.weight",
                  "projector.bias": "head.projector.bias", "classifier.weight": "head.classifier.weight",
                  "classifier.bias": "head.classifier.bias"}

    def __init__(self, labels: Sequence[str], config=None, **kwargs):
        super().__init__(labels, config, **kwargs)
        self.head = SequenceClassificationHead(self.config.hidden_size, self.num_classes,
                                               proj_size=self.config.classifier_proj_size, num_layers=self.num_layers)

    def forward(self, waveforms: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        hidden, frame_mask = self.encode(waveforms, lengths)  # (B, T, D), (B, T)
        return self.head(hidden, frame_mask)  # (B, C)


# ----------------------------------------------------------------------------
# One prediction per frame


@register_classifier
class Wav2Vec2FrameClassifier(_Wav2Vec2Base):
    """Wav2Vec2 encoder + `FrameClassificationHead`: waveforms (B, S) -> logits (B, T, C).

    Same computation as `Wav2Vec2ForAudioFrameClassification` with
    `multi_label=False`; `multi_label=True` switches the loss to sigmoid + BCE.
    `frame_mask(lengths, num_frames)` tells which output frames are real.
    A frame classifier follows the course contract with one more axis: logits,
    `probabilities` and `loss` are per frame `(B, T, C)`. `frame_level = True`
    tells `fit`, `evaluate` and `predict` (one label per clip) to refuse it;
    train it with `model.loss(logits, targets, mask)` and run it on long audio
    with `course_utils.inference.chunked_frame_predict`.
    """

    frame_level = True

    _HF_CLASS = Wav2Vec2ForAudioFrameClassification
    _HEAD_KEYS = {"layer_weights": "head.layer_sum.weight", "classifier.weight": "head.classifier.weight",
                  "classifier.bias": "head.classifier.bias"}

    def __init__(self, labels: Sequence[str], config=None, **kwargs):
        super().__init__(labels, config, **kwargs)
        self.head = FrameClassificationHead(self.config.hidden_size, self.num_classes, multi_label=self.multi_label,
                                            num_layers=self.num_layers)

    def loss(self, logits: torch.Tensor, targets: torch.Tensor, mask: torch.Tensor | None = None,
             pos_weight: torch.Tensor | None = None) -> torch.Tensor:
        """Mean loss over real frames (`FrameClassificationHead.loss`): logits (B, T, C); targets
        (B, T) class indices (or class names, mapped through `labels`) or (B, T, C) multi-hot; mask (B, T);
        pos_weight (C,), multi-label only."""
        if holds_class_names(targets) or isinstance(targets, str):
            targets = label_indices(targets, self.labels)
        return self.head.loss(logits, targets, mask, pos_weight=pos_weight)

    def forward(self, waveforms: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        hidden, _ = self.encode(waveforms, lengths)  # (B, T, D)
        return self.head(hidden)  # (B, T, C)

    def frame_mask(self, lengths: torch.Tensor, num_frames: int) -> torch.Tensor:
        """(B, T) True on output frames that come from real samples (given sample `lengths`)."""
        lengths = torch.as_tensor(lengths)
        return feature_vector_mask(self.config, lengths_to_mask(lengths, int(lengths.max())), num_frames)
