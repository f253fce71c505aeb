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

    >>> model = Wav2Vec2Classifier(tiny_wav2vec2_config(), labels=["dog", "cat"])
    >>> logits = model(waveforms, lengths)                 # (B, 2)
    >>> model = Wav2Vec2Classifier.from_pretrained("superb/wav2vec2-base-superb-ks")      # online
    >>> model = Wav2Vec2Classifier.from_pretrained("facebook/wav2vec2-base", labels=[...])  # new head

`Wav2Vec2Classifier` follows the course classifier convention (course_utils.train):
forward takes `(waveforms (B, S), lengths (B,) | None)` and returns logits (B, C),
and the model carries `sample_rate`, `num_samples` and `labels`.
`Wav2Vec2FrameClassifier` takes the same input and returns one prediction per
frame, logits (B, T, C); both save and load with `save_classifier` / `load_classifier`.

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

import contextlib
from typing import Sequence

import torch
from torch import nn
from transformers import (
    Wav2Vec2Config,
    Wav2Vec2FeatureExtractor,
    Wav2Vec2ForAudioFrameClassification,
    Wav2Vec2ForSequenceClassification,
    Wav2Vec2Model,
)

from course_utils.frames import num_frames, receptive_field
from course_utils.models.heads import (
    FrameClassificationHead,
    SequenceClassificationHead,
    feature_vector_mask,
    lengths_to_mask,
    masked_mean_pool,
)
from course_utils.train import register_classifier

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


def count_parameters(model: nn.Module, trainable_only: bool = True) -> int:
    """How many parameters (that will train, by default) a model has."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


@contextlib.contextmanager
def _quiet_transformers():
    """Silence transformers' "newly initialized weights" notices while loading a checkpoint."""
    from transformers.utils import logging

    level = logging.get_verbosity()
    logging.set_verbosity_error()
    try:
        yield
    finally:
        logging.set_verbosity(level)


def _as_config(config) -> Wav2Vec2Config:
    if isinstance(config, Wav2Vec2Config):
        return Wav2Vec2Config.from_dict(config.to_dict())  # a copy: we set num_labels on it
    if isinstance(config, dict):
        return Wav2Vec2Config.from_dict(config)
    raise TypeError(f"config must be a transformers.Wav2Vec2Config or a dict, got {type(config).__name__}")


# ----------------------------------------------------------------------------
# What both classifiers share: waveform checks, the encoder, masks, freezing


class _Wav2Vec2Base(nn.Module):
    """A transformers `Wav2Vec2Model` as `self.encoder`, plus what any head on it needs.

    Args:
        config: a Wav2Vec2Config (or its dict); num_labels and id2label are set from `labels`.
        labels: class names, in logit order.
        sample_rate, num_samples: what the model expects (1 s at 16 kHz by default).
        do_normalize: normalise each clip to zero mean, unit variance first (pretrained
            checkpoints expect it; their feature extractor says `do_normalize=True`).
        use_attention_mask: turn `lengths` into an attention mask and a pooling mask. Default:
            True for `feat_extract_norm="layer"` encoders, False for "group" ones (see the module doc).
    """

    def __init__(self, config, labels: Sequence[str], *, sample_rate: int = 16000, num_samples: int = 16000,
                 do_normalize: bool = False, use_attention_mask: bool | None = None):
        super().__init__()
        config = _as_config(config)
        labels = [str(label) for label in labels]
        if len(labels) < 1 or len(set(labels)) != len(labels):
            raise ValueError(f"labels must be a non-empty list of distinct names, got {labels!r}")
        if getattr(config, "add_adapter", False):
            raise ValueError("Wav2Vec2 adapters (config.add_adapter=True) change the frame rate; the heads do not support them")
        config.num_labels = len(labels)
        config.id2label = dict(enumerate(labels))
        config.label2id = {label: i for i, label in enumerate(labels)}
        self.config = config
        self.labels = labels
        self.sample_rate = int(sample_rate)
        self.num_samples = int(num_samples)
        self.do_normalize = bool(do_normalize)
        self.use_attention_mask = (config.feat_extract_norm == "layer") if use_attention_mask is None else bool(use_attention_mask)
        if self.num_samples < receptive_field(config):
            raise ValueError(f"num_samples={num_samples} is shorter than the encoder's receptive field "
                             f"of {receptive_field(config)} samples")
        self.encoder = Wav2Vec2Model(config)
        self.num_layers = config.num_hidden_layers + 1 if config.use_weighted_layer_sum else None

    # -- the course classifier convention: save/load ----------------------------------
    def get_config(self) -> dict:
        return {"config": self.config.to_dict(), "labels": list(self.labels), "sample_rate": self.sample_rate,
                "num_samples": self.num_samples, "do_normalize": self.do_normalize,
                "use_attention_mask": self.use_attention_mask, **self._extra_config()}

    def _extra_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    # -- encoder -------------------------------------------------------------------------
    def _check_input(self, waveforms: torch.Tensor, lengths: torch.Tensor | None):
        if not torch.is_tensor(waveforms) or waveforms.ndim != 2:
            shape = tuple(waveforms.shape) if torch.is_tensor(waveforms) else type(waveforms).__name__
            raise ValueError(f"waveforms must be a tensor (batch, samples), got {shape}; "
                             "for one clip use waveform[None]")
        if not waveforms.is_floating_point():
            raise ValueError(f"waveforms must be float, got {waveforms.dtype}")
        if waveforms.shape[1] == 0 or not torch.isfinite(waveforms).all():
            raise ValueError("waveforms are empty or contain NaN/Inf")
        num_frames(self.config, waveforms.shape[1])  # a clip shorter than the receptive field: a clear error
        if lengths is not None:
            lengths = torch.as_tensor(lengths, device=waveforms.device)
            if lengths.shape != waveforms.shape[:1]:
                raise ValueError(f"lengths must have shape ({waveforms.shape[0]},), got {tuple(lengths.shape)}")
            if lengths.is_floating_point() or lengths.min() < 1 or lengths.max() > waveforms.shape[1]:
                raise ValueError(f"lengths must be integers in [1, {waveforms.shape[1]}], got {lengths.tolist()}")
        return lengths

    def encode(self, waveforms: torch.Tensor, lengths: torch.Tensor | None = None):
        """Run the encoder. Returns `(hidden, frame_mask)`.

        hidden: the last hidden state (B, T, D), or with `use_weighted_layer_sum` the
        tuple of all layers' hidden states; frame_mask: (B, T) bool, or None when
        no mask is used (no lengths, or `use_attention_mask=False`).
        """
        lengths = self._check_input(waveforms, lengths)
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
        model = cls(config, labels, **kwargs)
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
    def from_pretrained(cls, name_or_path: str, labels: Sequence[str] | None = None, *, num_samples: int = 16000,
                        use_attention_mask: bool | None = None, hub_kwargs: dict | None = None, **model_kwargs):
        """Load a Hub checkpoint (online) or a `save_pretrained` folder (offline), one code path.

        - A fine-tuned classifier (e.g. "superb/wav2vec2-base-superb-ks"): encoder and head,
          labels from its config. Pass `labels` to replace the head with a fresh one.
        - A pretrained encoder (e.g. "facebook/wav2vec2-base"): its encoder, a new head for `labels`.

        `do_normalize` and `use_attention_mask` come from the checkpoint's feature extractor
        (preprocessor_config.json) when it has one. `hub_kwargs` go to transformers' `from_pretrained`
        (revision, cache_dir, ...); `model_kwargs` to the constructor (e.g. multi_label=True).
        """
        hub_kwargs = hub_kwargs or {}
        config = Wav2Vec2Config.from_pretrained(name_or_path, **hub_kwargs)
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
        with _quiet_transformers():
            if has_head and (labels is None or list(labels) == ckpt_labels):
                hf_model = cls._HF_CLASS.from_pretrained(name_or_path, **hub_kwargs)
                return cls.from_transformers(hf_model, **settings).eval()
            encoder = Wav2Vec2Model.from_pretrained(name_or_path, **hub_kwargs)
        model = cls(encoder.config, labels, **settings)
        model.encoder.load_state_dict(encoder.state_dict(), strict=True)
        return model.eval()

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

    def __init__(self, config, labels: Sequence[str], **kwargs):
        super().__init__(config, labels, **kwargs)
        self.head = SequenceClassificationHead(self.config.hidden_size, len(self.labels),
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
    Frame models do not fit `course_utils.train.fit` (which wants one label per
    clip); train them with `head.loss(logits, targets, mask)`.
    """

    _HF_CLASS = Wav2Vec2ForAudioFrameClassification
    _HEAD_KEYS = {"layer_weights": "head.layer_sum.weight", "classifier.weight": "head.classifier.weight",
                  "classifier.bias": "head.classifier.bias"}

    def __init__(self, config, labels: Sequence[str], *, multi_label: bool = False, **kwargs):
        super().__init__(config, labels, **kwargs)
        self.head = FrameClassificationHead(self.config.hidden_size, len(self.labels), multi_label=multi_label,
                                            num_layers=self.num_layers)

    def _extra_config(self) -> dict:
        return {"multi_label": self.head.multi_label}

    def forward(self, waveforms: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        hidden, _ = self.encode(waveforms, lengths)  # (B, T, D)
        return self.head(hidden)  # (B, T, C)

    def frame_mask(self, lengths: torch.Tensor, num_frames: int) -> torch.Tensor:
        """(B, T) True on output frames that come from real samples (given sample `lengths`)."""
        lengths = torch.as_tensor(lengths)
        return feature_vector_mask(self.config, lengths_to_mask(lengths, int(lengths.max())), num_frames)
