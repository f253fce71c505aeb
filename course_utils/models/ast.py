"""The Audio Spectrogram Transformer (AST), from patches up.

AST (Gong, Chung & Glass, 2021) is a Vision Transformer that looks at a
spectrogram instead of a photo. Read this file top to bottom; it is the whole
model, and `tests/test_ast.py` checks that it computes exactly what
`transformers.ASTForAudioClassification` computes (same logits within 1e-5),
so the pretrained AudioSet checkpoint runs through this code unchanged.

    fbank (B, T, F)                          Kaldi log-mel frames, T = max_length, F = num_mel_bins
      -> transpose to an image (B, 1, F, T)  frequency is the height, time the width
      -> Conv2d 16x16, strides (fstride, tstride)     one D-dim vector per patch: (B, D, f, t)
      -> flatten the grid row by row         (B, f*t, D): the patches become a token sequence
      -> prepend [CLS] and [DIST]            (B, 2 + f*t, D)
      -> add learned position embeddings     the only thing that tells a token *where* it came from
      -> N pre-norm encoder blocks           x + attn(LN(x)); x + mlp(LN(x))
      -> final LayerNorm
      -> pooled = mean of the two special tokens      (B, D)
      -> head: LayerNorm + Linear            (B, num_classes) logits
      -> softmax (one label per clip) or sigmoid (several labels may be on at once)

Patches overlap: a 16x16 window moved by 10 bins in frequency and 10 frames in
time. The grid then has

    f = (F - 16) // fstride + 1,    t = (T - 16) // tstride + 1

patches; for the AudioSet model (F=128, T=1024, strides 10) that is
12 x 101 = 1,212 tokens, and self-attention compares every token with every
other: 1,214^2 ~ 1.5 million scores per head per layer. That quadratic cost is
why clip length matters so much more for AST than for a CNN.

The names of the pieces follow nanoGPT (`ln_1`, `attn`, `mlp`, `ln_f`);
`transformers_key_map` translates them to the names transformers uses.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from transformers import ASTConfig

from course_utils.checkpoints import check_model_type, quiet_transformers, read_course_meta, register_classifier
from course_utils.fast_features import ASTFeatures
from course_utils.features import AST_MEAN, AST_STD
from course_utils.models.base import Classifier, check_known_keys, check_positive_int

__all__ = ["ACTIVATIONS", "ARCH_FIELDS", "AST", "ASTClassifier", "ASTEncoding", "Block", "MLP", "MULTI_LABEL",
           "PatchEmbedding", "SINGLE_LABEL", "SelfAttention", "adapt_position_embeddings", "attention_rollout",
           "check_config", "from_pretrained", "from_transformers", "from_transformers_state_dict", "num_patches",
           "patch_grid", "rollout_map", "tiny_ast_config", "to_transformers", "to_transformers_state_dict",
           "transformers_key_map"]

SINGLE_LABEL, MULTI_LABEL = "single_label_classification", "multi_label_classification"

# The architecture fields of an ASTConfig: everything needed to rebuild the model.
ARCH_FIELDS = ("hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "hidden_act",
               "hidden_dropout_prob", "attention_probs_dropout_prob", "initializer_range", "layer_norm_eps",
               "patch_size", "qkv_bias", "frequency_stride", "time_stride", "max_length", "num_mel_bins")

ACTIVATIONS = {
    "gelu": F.gelu,  # exact (erf) GELU: what "gelu" means in transformers
    "gelu_new": lambda x: F.gelu(x, approximate="tanh"),
    "gelu_pytorch_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "relu": F.relu,
    "silu": F.silu,
}


# ----------------------------------------------------------------------------
# Configs and the patch grid


def tiny_ast_config(num_labels: int = 10, max_length: int = 100, num_mel_bins: int = 128, **overrides) -> ASTConfig:
    """A small AST for a CPU: 4 layers of width 64 instead of the AudioSet model's 12 of width 768.

    Everything not overridden keeps AST's defaults (16x16 patches, strides 10, GELU, eps 1e-12).
    """
    settings = dict(hidden_size=64, num_hidden_layers=4, num_attention_heads=4, intermediate_size=128,
                    max_length=max_length, num_mel_bins=num_mel_bins, num_labels=num_labels)
    return ASTConfig(**{**settings, **overrides})


def check_config(config: ASTConfig) -> ASTConfig:
    """Raise ValueError for a config the model cannot be built from; return it unchanged."""
    if not isinstance(config, ASTConfig):
        raise TypeError(f"expected a transformers.ASTConfig, got {type(config).__name__}")
    patch = config.patch_size
    if isinstance(patch, (list, tuple)):  # transformers only builds square patches
        raise ValueError(f"patch_size must be one int (square patches), got {patch!r}")
    for name in ("patch_size", "frequency_stride", "time_stride", "hidden_size", "num_attention_heads"):
        value = getattr(config, name)
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"config.{name} must be a positive int, got {value!r}")
    if config.hidden_size % config.num_attention_heads:
        raise ValueError(f"hidden_size={config.hidden_size} is not divisible by "
                         f"num_attention_heads={config.num_attention_heads}")
    if config.hidden_act not in ACTIVATIONS:
        raise ValueError(f"hidden_act={config.hidden_act!r} is not supported; choose one of {sorted(ACTIVATIONS)}")
    if config.num_labels < 1:
        raise ValueError(f"config.num_labels must be >= 1, got {config.num_labels}")
    for name in ("num_mel_bins", "max_length"):
        if getattr(config, name) < patch:
            raise ValueError(f"config.{name}={getattr(config, name)} is smaller than one {patch}x{patch} patch")
    return config


def patch_grid(config: ASTConfig) -> tuple[int, int]:
    """(f, t): how many patches fit along frequency and along time.

    A kernel of size p moved by stride s over n positions fits (n - p) // s + 1
    times (the usual conv output size, no padding). 128 mel bins x 1024 frames,
    strides 10 -> (12, 101): 1,212 patches.
    """
    check_config(config)
    p = config.patch_size
    return ((config.num_mel_bins - p) // config.frequency_stride + 1,
            (config.max_length - p) // config.time_stride + 1)


def num_patches(config: ASTConfig) -> int:
    """f * t: the number of patch tokens (the sequence is 2 longer: [CLS] and [DIST])."""
    f, t = patch_grid(config)
    return f * t


# ----------------------------------------------------------------------------
# The pieces


class PatchEmbedding(nn.Module):
    """fbank (B, T, F) -> patch tokens (B, f*t, D).

    A Conv2d with a 16x16 kernel and strides (fstride, tstride) is exactly "cut
    the image into (overlapping) 16x16 patches, flatten each into 256 numbers,
    multiply by one shared (256 -> D) matrix": one linear projection per patch.
    """

    def __init__(self, config: ASTConfig):
        super().__init__()
        p = config.patch_size
        self.proj = nn.Conv2d(1, config.hidden_size, kernel_size=(p, p),
                              stride=(config.frequency_stride, config.time_stride))

    def forward(self, fbank: torch.Tensor) -> torch.Tensor:
        x = fbank.unsqueeze(1).transpose(2, 3)  # (B, T, F) -> (B, 1, F, T): frequency up, time right
        x = self.proj(x)  # (B, D, f, t)
        return x.flatten(2).transpose(1, 2)  # (B, f*t, D); token i is grid cell (i // t, i % t)


class SelfAttention(nn.Module):
    """Multi-head self-attention: every token looks at every token (no mask, no causality)."""

    def __init__(self, config: ASTConfig):
        super().__init__()
        d = config.hidden_size
        self.n_head, self.head_dim = config.num_attention_heads, d // config.num_attention_heads
        self.q = nn.Linear(d, d, bias=config.qkv_bias)
        self.k = nn.Linear(d, d, bias=config.qkv_bias)
        self.v = nn.Linear(d, d, bias=config.qkv_bias)
        self.proj = nn.Linear(d, d)
        self.dropout_p = config.attention_probs_dropout_prob

    def forward(self, x: torch.Tensor, return_weights: bool = False):
        B, N, D = x.shape
        # (B, N, D) -> (B, heads, N, head_dim)
        q, k, v = (lin(x).view(B, N, self.n_head, self.head_dim).transpose(1, 2) for lin in (self.q, self.k, self.v))
        dropout = self.dropout_p if self.training else 0.0
        if return_weights:  # spelled out, so the (N, N) weights can be looked at
            scores = (q @ k.transpose(-2, -1)) / math.sqrt(self.head_dim)  # (B, heads, N, N)
            weights = scores.softmax(dim=-1)  # each row sums to 1: where that token looks
            y = F.dropout(weights, dropout, self.training) @ v  # (B, heads, N, head_dim)
        else:  # the same computation in one fused kernel (no (N, N) matrix kept in memory on GPU)
            weights = None
            y = F.scaled_dot_product_attention(q, k, v, dropout_p=dropout)
        y = y.transpose(1, 2).reshape(B, N, D)  # heads side by side again
        return self.proj(y), weights


class MLP(nn.Module):
    """Position-wise feed-forward: D -> intermediate -> D, applied to every token separately."""

    def __init__(self, config: ASTConfig):
        super().__init__()
        self.fc = nn.Linear(config.hidden_size, config.intermediate_size)
        self.act = ACTIVATIONS[config.hidden_act]
        self.proj = nn.Linear(config.intermediate_size, config.hidden_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(self.act(self.fc(x)))


class Block(nn.Module):
    """A pre-norm transformer block: LayerNorm *before* each sub-layer, a residual around it."""

    def __init__(self, config: ASTConfig):
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.attn = SelfAttention(config)
        self.ln_2 = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.mlp = MLP(config)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, x: torch.Tensor, return_weights: bool = False):
        a, weights = self.attn(self.ln_1(x), return_weights)
        x = x + self.dropout(a)  # tokens exchange information
        x = x + self.dropout(self.mlp(self.ln_2(x)))  # each token is transformed on its own
        return x, weights


@dataclass
class ASTEncoding:
    """What the encoder computed for a batch (see `AST.encode`)."""

    last_hidden_state: torch.Tensor  # (B, 2 + f*t, D), after the final LayerNorm
    pooled: torch.Tensor  # (B, D): mean of the [CLS] and [DIST] tokens
    hidden_states: list[torch.Tensor] | None  # embeddings, then each block's output (before ln_f): L + 1 tensors
    attentions: list[torch.Tensor] | None  # per block (B, heads, N, N), when asked for


# ----------------------------------------------------------------------------
# The model


class AST(nn.Module):
    """Audio Spectrogram Transformer: fbank `(batch, frames, mel_bins)` -> logits `(batch, num_classes)`.

    Built from a `transformers.ASTConfig`; `config.max_length` and
    `config.num_mel_bins` fix the input size (the position embeddings have one
    row per patch). This is the network alone; `ASTClassifier` puts the fbank
    front-end in front of it and follows the course classifier contract.
    """

    def __init__(self, config: ASTConfig):
        super().__init__()
        self.config = check_config(config)
        d = config.hidden_size
        self.grid = patch_grid(config)  # (f, t)
        self.patch_embed = PatchEmbedding(config)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, d))  # summarises the clip for the head
        self.dist_token = nn.Parameter(torch.zeros(1, 1, d))  # DeiT's distillation token; AST pools both
        self.pos_embed = nn.Parameter(torch.zeros(1, 2 + self.grid[0] * self.grid[1], d))
        self.dropout = nn.Dropout(config.hidden_dropout_prob)
        self.blocks = nn.ModuleList([Block(config) for _ in range(config.num_hidden_layers)])
        self.ln_f = nn.LayerNorm(d, eps=config.layer_norm_eps)
        self.head_norm = nn.LayerNorm(d, eps=config.layer_norm_eps)
        self.head = nn.Linear(d, config.num_labels)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """ViT/DeiT initialisation: truncated normal (std=initializer_range) for weights and for the
        tokens and position embeddings, zeros for biases, ones for LayerNorm scales."""
        std = self.config.initializer_range
        for module in self.modules():
            if isinstance(module, (nn.Linear, nn.Conv2d)):
                nn.init.trunc_normal_(module.weight, std=std)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)
            elif isinstance(module, nn.LayerNorm):
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)
        for p in (self.cls_token, self.dist_token, self.pos_embed):
            nn.init.trunc_normal_(p, std=std)

    # -- the forward pass, in three steps -------------------------------------------------

    def embed(self, fbank: torch.Tensor) -> torch.Tensor:
        """fbank (B, T, F) -> token sequence (B, 2 + f*t, D) with position embeddings added."""
        self._check_input(fbank)
        x = self.patch_embed(fbank)  # (B, f*t, D)
        B = x.shape[0]
        special = torch.cat([self.cls_token, self.dist_token], dim=1).expand(B, -1, -1)  # (B, 2, D)
        x = torch.cat([special, x], dim=1)  # (B, 2 + f*t, D)
        return self.dropout(x + self.pos_embed)

    def encode(self, fbank: torch.Tensor, return_attentions: bool = False,
               return_hidden_states: bool = True) -> ASTEncoding:
        """Run the encoder; keep every hidden state and, when asked, the attention weights."""
        x = self.embed(fbank)  # (B, N, D)
        hidden_states = [x] if return_hidden_states else None
        attentions = [] if return_attentions else None
        for block in self.blocks:
            x, weights = block(x, return_attentions)
            if return_hidden_states:
                hidden_states.append(x)
            if return_attentions:
                attentions.append(weights)
        x = self.ln_f(x)
        pooled = (x[:, 0] + x[:, 1]) / 2  # (B, D): mean of [CLS] and [DIST]
        return ASTEncoding(x, pooled, hidden_states, attentions)

    def forward(self, fbank: torch.Tensor, return_attentions: bool = False):
        """Logits (B, num_classes); with `return_attentions=True`, `(logits, attentions)` where
        attentions is a list with one (B, heads, N, N) tensor per block."""
        out = self.encode(fbank, return_attentions, return_hidden_states=False)  # nothing kept that is not needed
        logits = self.head(self.head_norm(out.pooled))  # (B, num_classes)
        return (logits, out.attentions) if return_attentions else logits

    # -- input checks and resizing -----------------------------------------------------------

    def _check_input(self, fbank: torch.Tensor) -> None:
        expected = (self.config.max_length, self.config.num_mel_bins)
        if not torch.is_tensor(fbank) or fbank.ndim != 3 or tuple(fbank.shape[1:]) != expected:
            shape = tuple(fbank.shape) if torch.is_tensor(fbank) else type(fbank).__name__
            raise ValueError(f"AST expects fbank features of shape (batch, max_length={expected[0]}, "
                             f"num_mel_bins={expected[1]}), got {shape}; pad/cut the frames to max_length "
                             f"(course_utils.features.ast_features does) or call resize_position_embeddings")
        if not fbank.is_floating_point():
            raise ValueError(f"AST expects float features, got {fbank.dtype}")

    def resize_position_embeddings(self, max_length: int | None = None, num_mel_bins: int | None = None,
                                   mode: str = "cut") -> "AST":
        """Adapt the model, in place, to inputs of another size (see `adapt_position_embeddings`).

        E.g. the AudioSet model (1024 frames, 10 s) applied to 1 s clips: `max_length=100`.
        The convolution and the encoder do not care about the input size; only the
        position embeddings (one per grid cell) must be cut or stretched to the new grid.
        """
        changes = {k: v for k, v in (("max_length", max_length), ("num_mel_bins", num_mel_bins)) if v is not None}
        new_config = ASTConfig.from_dict({**self.config.to_dict(), **changes})
        new_grid = patch_grid(new_config)
        pos = adapt_position_embeddings(self.pos_embed.detach(), self.grid, new_grid, mode=mode)
        self.pos_embed = nn.Parameter(pos)
        self.config, self.grid = new_config, new_grid
        return self


# ----------------------------------------------------------------------------
# Position embeddings for another input size


def adapt_position_embeddings(pos_embed: torch.Tensor, old_grid: tuple[int, int], new_grid: tuple[int, int],
                              mode: str = "cut") -> torch.Tensor:
    """Position embeddings (1, 2 + f*t, D) for a grid of another size (1, 2 + f'*t', D).

    The two special tokens keep theirs; the patch rows are laid out on their
    (f, t) grid and, per axis:
      - mode="cut": a smaller grid keeps the *first* rows/columns (a short clip is the
        first seconds of a long one: the first time columns are the ones it used) and a
        larger grid is interpolated, as the AST code does when it changes clip length.
        (AST centre-crops ImageNet's 24x24 grid instead: there, no position is "first".)
      - mode="interpolate": always bilinear interpolation of the grid (like resizing an image).
    Interpolating to the same size is the identity.
    """
    if mode not in ("cut", "interpolate"):
        raise ValueError(f"mode must be 'cut' or 'interpolate', got {mode!r}")
    (f, t), (nf, nt) = old_grid, new_grid
    if pos_embed.ndim != 3 or pos_embed.shape[0] != 1 or pos_embed.shape[1] != 2 + f * t:
        raise ValueError(f"pos_embed must be (1, 2 + {f}*{t} = {2 + f * t}, D) for grid {old_grid}, "
                         f"got {tuple(pos_embed.shape)}")
    if nf < 1 or nt < 1:
        raise ValueError(f"new_grid must be positive, got {new_grid}")
    special, patches = pos_embed[:, :2], pos_embed[:, 2:]  # (1, 2, D), (1, f*t, D)
    d = pos_embed.shape[-1]
    grid = patches.transpose(1, 2).reshape(1, d, f, t)  # (1, D, f, t): token i -> cell (i // t, i % t)
    if mode == "cut":
        grid = grid[:, :, : min(f, nf), : min(t, nt)]  # keep the first rows/columns
    if tuple(grid.shape[2:]) != (nf, nt):  # (still) needs resizing
        grid = F.interpolate(grid, size=(nf, nt), mode="bilinear", align_corners=False)
    patches = grid.reshape(1, d, nf * nt).transpose(1, 2)  # (1, nf*nt, D)
    return torch.cat([special, patches], dim=1).contiguous()


# ----------------------------------------------------------------------------
# transformers <-> course model: the same weights under other names


def transformers_key_map(num_layers: int) -> dict[str, str]:
    """course state_dict key -> transformers (v5) ASTForAudioClassification key."""
    p = "audio_spectrogram_transformer."
    names = {
        "cls_token": p + "embeddings.cls_token",
        "dist_token": p + "embeddings.distillation_token",
        "pos_embed": p + "embeddings.position_embeddings",
        "patch_embed.proj": p + "embeddings.patch_embeddings.projection",
        "ln_f": p + "layernorm",
        "head_norm": "classifier.layernorm",
        "head": "classifier.dense",
    }
    for i in range(num_layers):
        ours, theirs = f"blocks.{i}.", f"{p}layers.{i}."
        names.update({ours + "ln_1": theirs + "layernorm_before", ours + "ln_2": theirs + "layernorm_after",
                      ours + "attn.q": theirs + "attention.q_proj", ours + "attn.k": theirs + "attention.k_proj",
                      ours + "attn.v": theirs + "attention.v_proj", ours + "attn.proj": theirs + "attention.o_proj",
                      ours + "mlp.fc": theirs + "mlp.fc1", ours + "mlp.proj": theirs + "mlp.fc2"})
    keys = {}
    for ours, theirs in names.items():
        if ours in ("cls_token", "dist_token", "pos_embed"):
            keys[ours] = theirs
        else:
            keys[ours + ".weight"], keys[ours + ".bias"] = theirs + ".weight", theirs + ".bias"
    return keys


# transformers < 5 (and the checkpoints on the hub) name the encoder like BERT did.
_V4_TO_V5 = [
    (r"\.encoder\.layer\.(\d+)\.", r".layers.\1."),
    (r"\.attention\.attention\.query\.", ".attention.q_proj."),
    (r"\.attention\.attention\.key\.", ".attention.k_proj."),
    (r"\.attention\.attention\.value\.", ".attention.v_proj."),
    (r"\.attention\.output\.dense\.", ".attention.o_proj."),
    (r"\.intermediate\.dense\.", ".mlp.fc1."),
    (r"\.output\.dense\.", ".mlp.fc2."),
]
_V5_TO_V4 = [
    (r"\.layers\.(\d+)\.", r".encoder.layer.\1."),
    (r"\.attention\.q_proj\.", ".attention.attention.query."),
    (r"\.attention\.k_proj\.", ".attention.attention.key."),
    (r"\.attention\.v_proj\.", ".attention.attention.value."),
    (r"\.attention\.o_proj\.", ".attention.output.dense."),
    (r"\.mlp\.fc1\.", ".intermediate.dense."),
    (r"\.mlp\.fc2\.", ".output.dense."),
]


def _rename(key: str, rules: list[tuple[str, str]]) -> str:
    for pattern, repl in rules:
        key = re.sub(pattern, repl, key)
    return key


def from_transformers_state_dict(state_dict: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """An ASTForAudioClassification state_dict (v5 or v4 key names) renamed to the course model's keys."""
    v5 = {(_rename(k, _V4_TO_V5) if ".encoder.layer." in k else k): v for k, v in state_dict.items()}
    num_layers = len({m.group(1) for k in v5 for m in [re.search(r"\.layers\.(\d+)\.", k)] if m})
    inverse = {theirs: ours for ours, theirs in transformers_key_map(num_layers).items()}
    unknown = sorted(k for k in v5 if k not in inverse)
    optional = re.compile(r"attention\.[qkv]_proj\.bias$")  # absent when config.qkv_bias is False
    missing = sorted(k for k in inverse if k not in v5 and not optional.search(k))
    if unknown or missing:
        raise ValueError(f"not an ASTForAudioClassification state_dict: unexpected keys {unknown[:5]}, "
                         f"missing keys {missing[:5]}")
    return {inverse[k]: v for k, v in v5.items()}


def to_transformers_state_dict(state_dict: dict[str, torch.Tensor], style: str = "v5") -> dict[str, torch.Tensor]:
    """The course model's state_dict under ASTForAudioClassification's names (style "v5", or "v4"
    for transformers < 5 and the original hub checkpoints)."""
    if style not in ("v4", "v5"):
        raise ValueError(f"style must be 'v4' or 'v5', got {style!r}")
    num_layers = len({k.split(".")[1] for k in state_dict if k.startswith("blocks.")})
    names = transformers_key_map(num_layers)
    unknown = sorted(k for k in state_dict if k not in names)
    if unknown:
        raise ValueError(f"not a course AST state_dict: unexpected keys {unknown[:5]}")
    out = {names[k]: v for k, v in state_dict.items()}
    return {_rename(k, _V5_TO_V4): v for k, v in out.items()} if style == "v4" else out


def from_transformers(hf_model) -> AST:
    """The course AST with the weights (and config) of a transformers ASTForAudioClassification."""
    model = AST(ASTConfig.from_dict(hf_model.config.to_dict()))  # a copy: we may resize ours
    model.load_state_dict(from_transformers_state_dict(hf_model.state_dict()), strict=True)
    return model.to(next(hf_model.parameters()).device).train(hf_model.training)


def to_transformers(model: AST):
    """A transformers ASTForAudioClassification with the course model's weights (same logits)."""
    from transformers import ASTForAudioClassification

    hf = ASTForAudioClassification(ASTConfig.from_dict(model.config.to_dict()))
    style = "v4" if any(".encoder.layer." in k for k in hf.state_dict()) else "v5"
    hf.load_state_dict(to_transformers_state_dict(model.state_dict(), style), strict=True)
    return hf.to(model.pos_embed.device).train(model.training)


def from_pretrained(name_or_path: str = "MIT/ast-finetuned-audioset-10-10-0.4593", multi_label: bool | None = None,
                    **kwargs) -> AST:
    """Load an ASTForAudioClassification checkpoint (a hub name when online, or a folder written
    by `save_pretrained`) into the course AST. transformers downloads the files and renames old
    keys; the computation that follows is this module's. Never runs code from the checkpoint.

    `multi_label` sets the config's problem_type (the AudioSet models are multi-label:
    pass True; their config does not say so).
    """
    from transformers import ASTForAudioClassification

    with quiet_transformers():
        hf = ASTForAudioClassification.from_pretrained(name_or_path, trust_remote_code=False, **kwargs)
    model = from_transformers(hf).eval()
    if multi_label is not None:
        model.config.problem_type = MULTI_LABEL if multi_label else SINGLE_LABEL
    return model


# ----------------------------------------------------------------------------
# Where does it look? Attention rollout (Abnar & Zuidema, 2020)


def attention_rollout(attentions: list[torch.Tensor], residual: bool = True) -> torch.Tensor:
    """How much each input token feeds each output token, through all layers: (B, N, N).

    Average the heads of each layer, add the identity for the residual
    connection and renormalise the rows, then multiply the layers' matrices.
    """
    if not attentions:
        raise ValueError("attention_rollout needs at least one layer's attention weights")
    rollout = None
    for a in attentions:  # (B, heads, N, N)
        a = a.mean(dim=1)  # (B, N, N)
        if residual:
            a = a + torch.eye(a.shape[-1], device=a.device, dtype=a.dtype)
            a = a / a.sum(dim=-1, keepdim=True)
        rollout = a if rollout is None else a @ rollout
    return rollout


def rollout_map(attentions: list[torch.Tensor], grid: tuple[int, int]) -> torch.Tensor:
    """(B, f, t): how much each patch contributes to the pooled ([CLS] + [DIST]) output."""
    rollout = attention_rollout(attentions)  # (B, N, N)
    weights = rollout[:, :2, 2:].mean(dim=1)  # (B, f*t): the two rows that are pooled
    return weights.reshape(-1, *grid)


# ----------------------------------------------------------------------------
# The course classifier: waveforms in, logits out


@register_classifier
class ASTClassifier(Classifier):
    """waveforms (B, S) -> ASTFeatures (Kaldi fbank, normalised) -> AST -> logits (B, num_classes).

    Follows the course classifier contract (course_utils.models).

    Args:
        labels: class names, in logit order.
        config: an ASTConfig, used as it is; or a dict of overrides of `tiny_ast_config`, whose
            max_length defaults to the number of fbank frames in one clip (98 for 1 s); or None
            for the tiny config itself. num_labels, id2label and problem_type are set from
            `labels` and `multi_label`.
        sample_rate, num_samples: what the model expects (1 s at 16 kHz by default).
        multi_label: sigmoid + binary cross-entropy instead of softmax + cross-entropy.
        mean, std: fbank normalisation (AST's AudioSet statistics by default; the features
            are `(fbank - mean) / (2 * std)`, as ASTFeatureExtractor computes them).
    """

    def __init__(self, labels: list[str], config: ASTConfig | dict | None = None, *, sample_rate: int = 16000,
                 num_samples: int = 16000, multi_label: bool = False, mean: float = AST_MEAN, std: float = AST_STD):
        super().__init__(labels, sample_rate=sample_rate, num_samples=num_samples, multi_label=multi_label)
        front = ASTFeatures(self.sample_rate)
        if self.num_samples < front.frame_length:
            raise ValueError(f"num_samples={num_samples!r} is shorter than one {front.frame_length}-sample fbank frame")
        if config is None or isinstance(config, dict):  # overrides of the tiny config
            check_known_keys(config or {}, ASTConfig().to_dict(), "ASTConfig",
                             hint=f"not fields of transformers.ASTConfig (the architecture's are {sorted(ARCH_FIELDS)})")
            config = tiny_ast_config(**{"max_length": front.num_frames(self.num_samples), **(config or {})})
        elif not isinstance(config, ASTConfig):
            raise TypeError(f"config must be None, a dict of overrides or a transformers.ASTConfig, "
                            f"got {type(config).__name__}")
        config = ASTConfig.from_dict(config.to_dict())  # a copy: we set labels on it
        config.num_labels = self.num_classes
        config.id2label = dict(enumerate(self.labels))
        config.label2id = {name: i for i, name in enumerate(self.labels)}
        config.problem_type = MULTI_LABEL if multi_label else SINGLE_LABEL
        self.mean, self.std = float(mean), float(std)
        self.features = ASTFeatures(sample_rate=self.sample_rate, num_mel_bins=config.num_mel_bins,
                                    max_length=config.max_length, mean=mean, std=std)
        self.ast = AST(config)

    def forward(self, waveforms: torch.Tensor, lengths: torch.Tensor | None = None, return_attentions: bool = False):
        """waveforms (B, S) [and their true lengths (B,)] -> logits (B, num_classes) [, attentions]."""
        waveforms, lengths = self.prepare_input(waveforms, lengths)
        fbank = self.features(waveforms, lengths)  # (B, max_length, num_mel_bins); frames past a clip's end = padding
        return self.ast(fbank, return_attentions=return_attentions)  # (B, num_classes)

    @property
    def min_samples(self) -> int:
        """One fbank frame (400 samples at 16 kHz): a shorter clip gives no frame at all."""
        return self.features.frame_length

    def resize(self, num_samples: int, mode: str = "cut") -> "ASTClassifier":
        """Adapt the classifier, in place, to clips of `num_samples` (e.g. a 10 s AudioSet model to 1 s
        clips): max_length becomes their number of fbank frames, the position embeddings are cut or
        interpolated (`AST.resize_position_embeddings`)."""
        num_samples = check_positive_int(num_samples, "num_samples")  # a numpy int is fine, 16000.0 is not
        if num_samples < self.features.frame_length:
            raise ValueError(f"num_samples={num_samples!r} is shorter than one "
                             f"{self.features.frame_length}-sample fbank frame")
        frames = self.features.num_frames(num_samples)
        self.ast.resize_position_embeddings(max_length=frames, mode=mode)
        self.features = ASTFeatures(self.sample_rate, num_mel_bins=self.ast.config.num_mel_bins, max_length=frames,
                                    mean=self.mean, std=self.std).to(self.ast.pos_embed.device)
        self.num_samples = num_samples
        return self

    # -- checkpoints: a transformers folder (course_utils.checkpoints) --------------------------

    def feature_extractor(self):
        """The `transformers.ASTFeatureExtractor` that computes this model's input (for `pipeline`)."""
        from transformers import ASTFeatureExtractor

        return ASTFeatureExtractor(sampling_rate=self.sample_rate, num_mel_bins=self.ast.config.num_mel_bins,
                                   max_length=self.ast.config.max_length, mean=self.mean, std=self.std,
                                   do_normalize=True)

    def save_pretrained(self, directory: str | os.PathLike) -> None:
        """Write `ASTForAudioClassification` + `ASTFeatureExtractor` files with `save_pretrained`."""
        to_transformers(self.ast).save_pretrained(directory)
        self.feature_extractor().save_pretrained(directory)

    @classmethod
    def from_pretrained(cls, name_or_path: str | os.PathLike = "MIT/ast-finetuned-audioset-10-10-0.4593",
                        labels: list[str] | None = None, *, num_samples: int | None = None,
                        multi_label: bool | None = None) -> "ASTClassifier":
        """A pretrained ASTForAudioClassification checkpoint (hub name or local folder) as a course
        classifier: labels from its config, fbank settings from its preprocessor_config.json when
        there is one. Pass `labels` to fine-tune on your own classes: the encoder keeps its
        weights and a fresh head is made for them. `num_samples` defaults to the saved clip
        length (a folder from `save_classifier`) or to the clip length that fills max_length
        frames. The AudioSet models are multi-label but their config does not say so: pass
        multi_label=True."""
        check_model_type(name_or_path, "audio-spectrogram-transformer", cls.__name__)
        ast = from_pretrained(name_or_path)
        mean, std, sample_rate = AST_MEAN, AST_STD, 16000
        try:
            from transformers import ASTFeatureExtractor

            extractor = ASTFeatureExtractor.from_pretrained(name_or_path)
            mean, std, sample_rate = extractor.mean, extractor.std, extractor.sampling_rate
            if (extractor.num_mel_bins, extractor.max_length) != (ast.config.num_mel_bins, ast.config.max_length):
                raise ValueError(f"{name_or_path}: the feature extractor makes ({extractor.max_length}, "
                                 f"{extractor.num_mel_bins}) fbanks but the model expects "
                                 f"({ast.config.max_length}, {ast.config.num_mel_bins})")
        except OSError:  # no preprocessor_config.json: AST's defaults
            pass
        meta = read_course_meta(name_or_path) if Path(name_or_path).is_dir() else None
        id2label = ast.config.id2label
        saved_labels = [id2label[i] for i in range(ast.config.num_labels)]
        new_head = labels is not None and list(labels) != saved_labels
        labels = saved_labels if labels is None else labels
        if multi_label is None:
            multi_label = ast.config.problem_type == MULTI_LABEL and not new_head
        if num_samples is None and meta is not None:
            num_samples = int(meta["num_samples"])
        if num_samples is None:
            front = ASTFeatures(sample_rate)
            num_samples = (ast.config.max_length - 1) * front.frame_shift + front.frame_length
        model = cls(labels, ast.config, sample_rate=sample_rate, num_samples=num_samples, mean=mean, std=std,
                    multi_label=multi_label)
        weights = ast.state_dict()
        if new_head:  # keep the fresh head the constructor made for the new labels
            weights = {k: v for k, v in weights.items() if not k.startswith("head.")}
            weights.update({f"head.{k}": v for k, v in model.ast.head.state_dict().items()})
        model.ast.load_state_dict(weights)
        return model.eval()

