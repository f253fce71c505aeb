# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 04 · AST: a transformer that reads spectrogram patches
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/audio-classification-course/audio-classification-course/blob/main/notebooks/04_ast_patching.ipynb)
#
# The Audio Spectrogram Transformer (AST, Gong et al. 2021) is a Vision Transformer pointed at a
# spectrogram: cut the picture into 16×16 patches, turn each patch into a vector, let a transformer
# encoder mix them, and read the answer off two special tokens. This notebook takes it apart piece
# by piece with the course's own implementation (`course_utils.models.ast`, one readable file),
# proves that it is *the same model* as `transformers.ASTForAudioClassification`, measures what it
# costs, trains a tiny one on synthetic clips to look at where it attends, then meets real sound:
# real instrument notes, over three seeds, beside a CNN and a linear baseline, and clips of another length.
#
# **Learning goals**
#
# - Compute AST's patch grid, `((F − 16) // fstride + 1) × ((T − 16) // tstride + 1)`, and see the overlap.
# - Follow a spectrogram through patches → tokens → `[CLS]`/`[DIST]` + position embeddings → encoder → pooling → head.
# - Know that the course model and transformers' give the same logits, so a pretrained AudioSet checkpoint runs through it.
# - Measure why clip length matters: the sequence grows linearly, attention's cost quadratically, and count where
#   attention overtakes the rest of the layer (N ≈ 2D + the MLP width: 6D for the AudioSet model).
# - Train a tiny AST and look at its attention; then train it on real instrument notes over 3 seeds, beside the CNN
#   and the linear baseline, and say only what the seed-to-seed spread supports.
# - Adapt a trained AST to clips of another length (position embeddings cut or interpolated) and see why that works
#   one way and not the other: the time positions are part of what it learned.
# - Run the pretrained AudioSet AST through the same code (`ONLINE = True`) or a local stand-in (offline), and
#   fine-tune it on your classes.

# %%
# Setup: in Colab, install the course package; locally this does nothing.
import sys
if "google.colab" in sys.modules:
    # %pip install -q "course-utils @ git+https://github.com/audio-classification-course/audio-classification-course@main"

# %%
import copy
import math
import tempfile
import time

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from IPython.display import Audio, Markdown, display
from matplotlib.patches import Rectangle
from transformers import ASTConfig, ASTForAudioClassification

from course_utils.compare import load_clip_data, over_seeds
from course_utils.data import CLIP_CLASSES, clip_tensors, load_data, make_clip, make_clip_dataset
from course_utils.env import get_device, online, seed_everything
from course_utils.fast_features import ASTFeatures
from course_utils.measure import median_ms, peak_memory_mib
from course_utils.models import ast as A
from course_utils.models.ast import AST, ASTClassifier, patch_grid, tiny_ast_config
from course_utils.notebook import record_result
from course_utils.seeds import show, z_against, z_score
from course_utils.train import evaluate, fit

DATA = "instruments"  # "synthetic" | "instruments" | "voices" | "esc50" | "speech_commands" | "folder:<path>"
ONLINE = None         # None: $COURSE_ONLINE decides; True: download the AudioSet AST (and the hub sets)

seed_everything(0)
device = get_device()
if device.type == "cpu":  # the thread count changes the last digits of trained numbers: fix it (05 says more)
    torch.set_num_threads(2)
SR = 16000
print("device:", device, "| data:", DATA, "| online:", online(ONLINE))

# %% [markdown]
# ## AST's input: a Kaldi filterbank, time first
#
# AST does not take the log-mel of notebook 02 but its cousin from the speech toolkit Kaldi:
# 25 ms frames every 10 ms, 128 mel bins, natural log, then normalised with AudioSet's mean and
# standard deviation as `(fbank − mean) / (2 · std)`: divided by *twice* the standard deviation (the AST
# authors' choice), so on AudioSet the features have a standard deviation of one half, not one.
# `ASTFeatures` computes it (and is tested against transformers' `ASTFeatureExtractor`). Its layout is
# **(frames, mel bins)**: time first. One second of audio gives 98 frames; the AudioSet model pads or
# cuts every clip to `max_length = 1024` frames: 1023 hops of 10 ms plus one 25 ms window (printed below).
#
# Our clip: a "ding-dong", two bell strikes, high then low.

# %%
wave_np, meta = make_clip("ding_dong", index=3)
wave = torch.from_numpy(wave_np)                        # (samples,)
front = ASTFeatures(SR, num_mel_bins=128, max_length=98)  # 1 s -> 98 frames
fbank = front(wave[None])                               # (1, frames=98, mel_bins=128)
print("waveform", tuple(wave.shape), "-> fbank", tuple(fbank.shape))
print(f"the AudioSet model's 1024 frames cover {((1024 - 1) * front.frame_shift + front.frame_length) / SR:.2f} s")
display(Audio(wave.numpy(), rate=SR))

fig, ax = plt.subplots(figsize=(7, 3))
ax.imshow(fbank[0].T, origin="lower", aspect="auto", cmap="magma", interpolation="nearest")
ax.set(xlabel="frame (10 ms)", ylabel="mel bin", title="the input AST sees (transposed for display)")
plt.show()
plt.close(fig)

# %% [markdown]
# ## The patch grid
#
# The transposed fbank is a one-channel image, mel bins up, frames right. AST cuts it into 16×16
# patches, moved by `frequency_stride` bins and `time_stride` frames, both 10 by default. With a
# stride smaller than the patch, neighbours **overlap** by 6 rows or columns: a sound that falls
# on a patch border is still seen whole by some patch. How many patches fit along an axis of
# length n? A window of 16 moved by s: `(n − 16) // s + 1`.

# %%
# NBVAL_CHECK_OUTPUT
for label, kw in [("AudioSet model, 10.24 s", {}), ("1 s clip", dict(max_length=98)),
                  ("1 s, no overlap (stride 16)", dict(max_length=98, frequency_stride=16, time_stride=16)),
                  ("1 s, 64 mel bins", dict(max_length=98, num_mel_bins=64))]:
    config = ASTConfig(**kw)
    f, t = patch_grid(config)
    print(f"{label:30s} F={config.num_mel_bins:4d} T={config.max_length:5d} "
          f"strides=({config.frequency_stride}, {config.time_stride}) -> {f:2d} x {t:3d} = {f * t:5d} patches")
assert patch_grid(ASTConfig()) == (12, 101) and A.num_patches(ASTConfig()) == 1212
assert patch_grid(ASTConfig(max_length=98)) == (12, 9)


# %% [markdown]
# Drawn over our clip (frequency 128 × time 98: a 12 × 9 grid). Every patch of the first row and
# the first column is outlined; two neighbours are filled so that the shared strip is visible.
# The last 2 frames and the top 2 bins fall outside every patch: the grid only takes whole patches.

# %%
def draw_grid(ax, config, image):
    f, t = patch_grid(config)
    p, fs, ts = config.patch_size, config.frequency_stride, config.time_stride
    ax.imshow(image, origin="lower", aspect="auto", cmap="magma", interpolation="nearest")
    for j in range(t):  # first row of patches
        ax.add_patch(Rectangle((j * ts - 0.5, -0.5), p, p, fill=False, ec="cyan", lw=1))
    for i in range(f):  # first column
        ax.add_patch(Rectangle((-0.5, i * fs - 0.5), p, p, fill=False, ec="white", lw=1))
    for j, color in [(3, "lime"), (4, "yellow")]:  # two neighbours in row 6: they share 6 frames
        ax.add_patch(Rectangle((j * ts - 0.5, 6 * fs - 0.5), p, p, color=color, alpha=0.45))
    ax.set(xlabel="frame", ylabel="mel bin", title=f"{f} x {t} patches of {p}x{p}, strides ({fs}, {ts})")


fig, ax = plt.subplots(figsize=(7, 3.5))
draw_grid(ax, ASTConfig(max_length=98), fbank[0].T)
plt.show()
plt.close(fig)

# %% [markdown]
# ### Your turn: the patch grid
#
# Write `my_patch_grid(num_frames, num_mel_bins)`: the number of patches AST cuts along frequency and
# along time, as a tuple `(frequency patches, time patches)`, for 16 x 16 patches moved by strides of
# 10 (the AudioSet model's settings). Before you run the check, predict the grid of a 5-s clip
# (498 frames, 128 mel bins) and of the AudioSet model's 1024 frames.

# %%
from course_utils.exercises import check


def my_patch_grid(num_frames: int, num_mel_bins: int) -> tuple[int, int]:
    ...  # your answer here


check("04.patch_grid", my_patch_grid)

# %% [markdown]
# ## Patches become a token sequence
#
# Cut out every patch (`Tensor.unfold` does it along each axis), flatten each to 16 · 16 = 256
# numbers, and read the grid **row by row** (frequency row 0 from left to right, then row 1, ...):
# token `i` is grid cell `(i // t, i % t)`. The sequence has f · t = 108 tokens.
#
# Each token is then projected to the model width D by one shared matrix `W (D × 256)` plus a bias:
# a linear "patch embedding". AST writes this as a `Conv2d` with a 16×16 kernel and the two
# strides: a convolution *is* that matrix applied to every patch. We check that the two are the
# same numbers.

# %%
image = fbank[0].T                                              # (F=128, T=98)
patches = image.unfold(0, 16, 10).unfold(1, 16, 10)            # (f=12, t=9, 16, 16)
tokens = patches.reshape(-1, 16 * 16)                           # (108, 256): row by row
print("patches", tuple(patches.shape), "-> tokens", tuple(tokens.shape))

fig, axes = plt.subplots(1, 12, figsize=(10, 1.3))
for k, ax in enumerate(axes):  # the first 12 tokens: frequency row 0 (t=9 of them), then row 1
    ax.imshow(tokens[k].reshape(16, 16), origin="lower", cmap="magma", vmin=image.min(), vmax=image.max())
    ax.set_title(f"#{k}\n({k // 9},{k % 9})", fontsize=7)
    ax.axis("off")
plt.show()
plt.close(fig)

seed_everything(0)
demo = AST(tiny_ast_config(num_labels=len(CLIP_CLASSES), max_length=98)).eval()  # D = 64, random weights
W = demo.patch_embed.proj.weight.reshape(64, 256)               # (D, 256)
by_hand = tokens @ W.T + demo.patch_embed.proj.bias             # (108, D)
with torch.no_grad():
    torch.testing.assert_close(by_hand[None], demo.patch_embed(fbank), atol=1e-5, rtol=1e-5)
print("matrix per patch == Conv2d patch embedding:", tuple(by_hand.shape))

# %% [markdown]
# ## `[CLS]`, `[DIST]` and position embeddings
#
# Two learned vectors go in front of the patch tokens. `[CLS]` (from BERT/ViT) collects a summary
# of the clip; `[DIST]` is the distillation token of DeiT, the ImageNet model AST started from.
# AST keeps both and averages them at the end.
#
# Attention itself has no idea of order: shuffle the tokens and every token still sees the same
# set. So each of the 2 + 108 positions gets its own learned **position embedding**, added to the
# token. That is all that tells the model *which frequency* (pitch!) and *which moment* a patch
# came from.

# %%
with torch.no_grad():
    x = demo.embed(fbank)                                       # (1, 2 + 108, D)
    special = torch.cat([demo.cls_token, demo.dist_token], dim=1)
    by_hand = torch.cat([special, demo.patch_embed(fbank)], dim=1) + demo.pos_embed
torch.testing.assert_close(x, by_hand)
print("tokens entering the encoder:", tuple(x.shape), "  position embeddings:", tuple(demo.pos_embed.shape))

# %% [markdown]
# ### Your turn: how long is the sequence?
#
# Write `num_tokens(num_samples)`: how many tokens enter the encoder for a clip of `num_samples`
# samples at 16 kHz, with the AudioSet model's settings: a 25 ms window every 10 ms (no padding, so
# the last window must fit inside the clip), 128 mel bins, 16 x 16 patches moved by strides of 10, and
# the two special tokens. The one-second clip above gives the sequence just printed. Predict the count
# for 10 s before you run the check; the check counts the tokens that the course's AST makes from
# each clip, and the timing table of the next section prints a few more.

# %%
def num_tokens(num_samples: int) -> int:
    ...  # your answer here


check("04.num_tokens", num_tokens)

# %% [markdown]
# ## Encoder, pooling, head
#
# The encoder is a stack of identical **pre-norm** blocks: `x = x + attention(LayerNorm(x))`, then
# `x = x + MLP(LayerNorm(x))`. Attention lets every token look at every other; the MLP transforms
# each token on its own. After the last block a final LayerNorm, then the **pooled output is the
# mean of the two special tokens**; the classifier head is LayerNorm + Linear. Below, the forward
# pass by hand, checked against the module.
#
# Which activation at the end? With one label per clip (our classes), **softmax** turns logits into
# probabilities that sum to 1 (loss: cross-entropy). AudioSet clips carry several labels at once
# (speech *and* music *and* a dog), so the AudioSet model uses a **sigmoid** per class (loss: binary
# cross-entropy); `problem_type="multi_label_classification"` switches the course model to it.

# %%
with torch.no_grad():
    h = demo.embed(fbank)
    for block in demo.blocks:
        h = h + block.attn(block.ln_1(h))[0]
        h = h + block.mlp(block.ln_2(h))
    h = demo.ln_f(h)                                            # (1, 110, D)
    pooled = (h[:, 0] + h[:, 1]) / 2                            # (1, D): mean of [CLS] and [DIST]
    logits = demo.head(demo.head_norm(pooled))                  # (1, 10)
    torch.testing.assert_close(logits, demo(fbank))
print("logits", tuple(logits.shape))
print("softmax sums to", round(logits.softmax(-1).sum().item(), 4), "| sigmoids:",
      np.round(torch.sigmoid(logits)[0, :4].numpy(), 3), "...")

# %% [markdown]
# ## The same model as transformers
#
# `course_utils.models.ast` is written from scratch, but it is not *a* transformer for
# spectrograms; it is **AST**: the same computation as `transformers.ASTForAudioClassification`,
# weight for weight. `to_transformers` renames our weights to theirs, `from_transformers` the
# other way. Same input, same logits (the test suite checks this for several configs, strides
# and lengths, layer by layer).

# %%
config = ASTConfig(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, intermediate_size=128,
                   max_length=98, num_labels=10, frequency_stride=12, time_stride=8)
seed_everything(1)
theirs = ASTForAudioClassification(config).eval()
with torch.no_grad():
    for p in theirs.parameters():                               # random everything, tokens included
        p.add_(0.1 * torch.randn_like(p))
ours = A.from_transformers(theirs).eval()
x = torch.randn(4, 98, 128)
with torch.no_grad():
    diff_in = (ours(x) - theirs(x).logits).abs().max().item()
    diff_out = (A.to_transformers(demo).eval()(fbank).logits - demo(fbank)).abs().max().item()
print(f"transformers -> course: max |logit difference| = {diff_in:.1e}")
print(f"course -> transformers: max |logit difference| = {diff_out:.1e}")
assert diff_in < 1e-5 and diff_out < 1e-5

# %% [markdown]
# ## What it costs: attention is quadratic
#
# Longer clips mean more time columns, so the sequence grows **linearly** with the clip: about 10
# tokens more per 100 ms. But attention compares every token with every other: the score matrix of
# one head in one layer has N² entries. We time one forward pass of the tiny model for clips of 1
# to 10 s, and measure its peak memory twice: with the fused attention kernel, and when the model
# also returns its attention weights (every layer's (heads, N, N) matrix kept, as for the plots
# further down).

# %%
rows = []
for seconds in [1, 2, 4, 6, 8, 10]:
    frames = front.num_frames(seconds * SR)
    model = AST(tiny_ast_config(max_length=frames)).to(device).eval()
    x = torch.randn(1, frames, 128, device=device)
    with torch.no_grad():
        ms = median_ms(lambda: model(x), repeats=9, device=device)  # medians: robust to bursts of load
        mem = peak_memory_mib(lambda: model(x), device)
        mem_weights = peak_memory_mib(lambda: model(x, return_attentions=True), device)
    rows.append((seconds, 2 + A.num_patches(model.config), ms, mem, mem_weights))
    print(f"{seconds:3d} s  {frames:5d} frames  {rows[-1][1]:5d} tokens  {ms:7.1f} ms  "
          f"peak {mem:6.1f} MiB  (with attention weights {mem_weights:6.1f} MiB)")

sec, n_tokens, ms, mem, mem_w = map(np.array, zip(*rows))
fig, axes = plt.subplots(1, 3, figsize=(11, 3))
axes[0].plot(sec, n_tokens, "o-")
axes[0].set(xlabel="clip (s)", ylabel="tokens N", title="sequence length: linear")
axes[1].plot(sec, ms, "o-")
axes[1].set(xlabel="clip (s)", ylabel="ms", title="time of one forward pass")
axes[2].plot(sec, mem_w, "o-", label="attention weights kept")
axes[2].plot(sec, mem, "s-", label="fused attention")
axes[2].plot(sec, mem_w[0] * (n_tokens / n_tokens[0]) ** 2, "k:", label="∝ N²")
axes[2].set(xlabel="clip (s)", ylabel="MiB", title="peak memory")
axes[2].legend(fontsize=8)
for ax in axes:
    ax.grid(alpha=0.3)
fig.tight_layout()
plt.show()
plt.close(fig)
print(f"10 s vs 1 s: {n_tokens[-1] / n_tokens[0]:.1f}x the tokens, {(n_tokens[-1] / n_tokens[0]) ** 2:.0f}x the "
      f"attention scores, {mem_w[-1] / mem_w[0]:.0f}x the memory with weights kept, {ms[-1] / ms[0]:.1f}x the time")
print(f" 4 s vs 1 s: {n_tokens[2] / n_tokens[0]:.1f}x the tokens, {ms[2] / ms[0]:.1f}x the time")
print(f"10 s vs 4 s: {n_tokens[-1] / n_tokens[2]:.1f}x the tokens, {ms[-1] / ms[2]:.1f}x the time")
assert mem_w[-1] / mem_w[0] > 3 * n_tokens[-1] / n_tokens[0]  # far more than linear
# No assert on the times: a busy machine can stretch any one of them (timings belong in benchmarks/).

# %% [markdown]
# The memory with the weights kept follows N². The fused kernel (`F.scaled_dot_product_attention`,
# which never stores the whole matrix at once) keeps memory nearly linear, but it still has to *compute*
# every score. Does that make the *time* quadratic? Only for long enough sequences. Count the
# multiply-adds of one encoder layer for N tokens of width D:
#
# - the **dense parts**, applied to each token on its own: the query, key, value and output projections,
#   4·N·D², and the MLP, 2·N·D·I with I its inner width. The AudioSet model has I = 4D: 12·N·D² in all.
# - **attention**: the scores Q·Kᵀ, N²·D, and the weighted sum of the values, another N²·D: 2·N²·D.
#
# Their ratio is attention / dense = N / (2D + I): attention overtakes the dense parts only at
# **N ≈ 2D + I**, which is **N ≈ 6D** when I = 4D. Below that, the time grows about like the token count
# (plus a fixed cost per call that dominates the shortest clips); above it, faster. The cell below
# computes where that is for the tiny model timed above and for the AudioSet model.

# %%
for name, cfg in [("tiny model timed above", tiny_ast_config(max_length=98)), ("AudioSet model", ASTConfig())]:
    d, inner = cfg.hidden_size, cfg.intermediate_size
    crossover = 2 * d + inner                                   # tokens where 2·N²·D = N·(4·D² + 2·D·I)
    f, _ = patch_grid(cfg)
    columns = math.ceil((crossover - 2) / f)                    # time columns of patches for that many tokens
    frames = cfg.patch_size + (columns - 1) * cfg.time_stride
    seconds = ((frames - 1) * front.frame_shift + front.frame_length) / SR
    tokens_10s = 2 + A.num_patches(ASTConfig(**{**cfg.to_dict(), "max_length": front.num_frames(10 * SR)}))
    print(f"{name:24s} D={d:4d} I={inner:5d}: attention = dense at N = 2D + I = {crossover:5d} tokens "
          f"(about {seconds:4.1f} s of audio); at 10 s, N = {tokens_10s} and attention/dense = "
          f"{tokens_10s / crossover:.2f}")
assert 2 * ASTConfig().hidden_size + ASTConfig().intermediate_size == 6 * ASTConfig().hidden_size

# %% [markdown]
# So the tiny model (D = 64, I = 128) crosses over at a couple of seconds: past that, its time should grow
# faster than its token count, as the ratios printed under the timings let you check (on a busy machine one
# timing can be off, which is why the course's speed claims live in `benchmarks/`, measured side by side).
# The AudioSet model (D = 768, I = 3072) crosses over only past half a minute: on its 10 s inputs most of its
# multiply-adds are still in the dense parts (`benchmarks/bench_ast.py` measures it, and the course AST beside
# transformers': figures in `BENCHMARKS.md`). Its 10 s input length is not a cost limit: AudioSet's clips
# are 10 s long, so that is the length it was trained on, and its position embeddings cover exactly those
# 10 s. Longer recordings are cut into windows of that length (`course_utils.inference`), both because the
# model has no position for second eleven (the section "Clips of another length" below) and because memory
# grows with N² wherever the attention weights are kept.

# %% [markdown]
# ## Training a tiny AST on the course clips
#
# First on the course's synthetic clips, because they make the attention pictures below easy to read:
# ten classes of one-second clips (notebook 01). Pitch pairs (`horn_low`/`horn_high`) differ only in
# *where* the energy sits on the frequency axis, order pairs (`chirp_up`/`chirp_down`,
# `ding_dong`/`dong_ding`) only in *when*: both need the position embeddings.
#
# `ASTClassifier` puts `ASTFeatures` in front of `AST`, so it takes waveforms like every course
# classifier and trains with the same `fit`. To stay well inside a CPU budget it uses 64 mel bins
# (a 5 × 9 grid: 45 patch tokens), width 64 and 2 blocks: about 87 000 weights, a thousandth of the
# AudioSet model. Twelve epochs take from a few seconds on an idle 2-core CPU to half a minute on a busy one.
# A full-size AST trained from scratch on 700 clips would overfit; the real recipe is to start
# from the pretrained checkpoint (last section).

# %%
t0 = time.perf_counter()
dataset = make_clip_dataset()
# every split padded to 1 s (the clips last 0.4 to 1 s), the length the models below are built for
train, val, test = (clip_tensors(dataset[s], num_samples=SR) for s in ("train", "validation", "test"))  # (waves, lengths, targets)
labels = dataset["train"].features["label"].names
print(f"{len(train[0])} train / {len(val[0])} validation / {len(test[0])} test clips, "
      f"made in {time.perf_counter() - t0:.0f} s; classes: {labels}")

# %%
seed_everything(0)
ast_model = ASTClassifier(labels, config=dict(num_mel_bins=64, num_hidden_layers=2))
print(f"grid {ast_model.ast.grid}, {sum(p.numel() for p in ast_model.parameters()):,} weights")
ast_history = fit(ast_model, train, val, epochs=12, lr=2e-3, weight_decay=0.05, batch_size=32, seed=0,
                  device=device)
ast_scores = evaluate(ast_model, test)
print(f"trained {len(ast_history)} epochs in {ast_history.total_seconds:.0f} s; "
      f"test accuracy {ast_scores['accuracy']:.3f}, macro-F1 {ast_scores['macro_f1']:.3f}")
assert ast_scores["accuracy"] >= 0.90

# %% [markdown]
# On these clean, synthetic clips the tiny AST is near the ceiling, and so is every course model (notebook 03's CNN
# too): a comparison here could not tell models apart. That comparison happens on real sound below; these
# clips are for looking inside.

# %% [markdown]
# ## Where does it attend?
#
# `return_attentions=True` returns every layer's attention weights `(batch, heads, N, N)`.
# **Attention rollout** (Abnar & Zuidema 2020) follows the information through the layers: average
# the heads, add the identity for the residual connection, multiply the layers' matrices. The rows
# of the two pooled tokens then say how much each patch contributed to the answer. Below, one test
# clip per class pair, with the rollout drawn on the patch grid next to the input (the flat strip at
# the right of a short clip is padding).

# %%
ast_model.eval()
pairs = ["horn_low", "horn_high", "chirp_up", "chirp_down", "ding_dong", "dong_ding"]
test_waves, test_lengths, test_labels = test
picks = [int((test_labels == labels.index(name)).nonzero()[0]) for name in pairs]
with torch.no_grad():
    waves = test_waves[picks].to(device)
    feats = ast_model.features(waves, test_lengths[picks].to(device))   # (6, 98, 64)
    logits, attentions = ast_model.ast(feats, return_attentions=True)
    heat = A.rollout_map(attentions, ast_model.ast.grid).cpu()          # (6, f=5, t=9)
predicted = [labels[i] for i in logits.argmax(-1).tolist()]

fig, axes = plt.subplots(2, 6, figsize=(12, 3.8))
for k, name in enumerate(pairs):
    axes[0, k].imshow(feats[k].cpu().T, origin="lower", aspect="auto", cmap="magma", interpolation="nearest")
    axes[0, k].set_title(f"{name}\n→ {predicted[k]}", fontsize=8)
    axes[1, k].imshow(heat[k], origin="lower", aspect="auto", cmap="viridis")
    axes[1, k].set_xlabel("time patch", fontsize=7)
for row, title in enumerate(["input (64 mel x 98 frames)", "rollout (5 x 9 patches)"]):
    axes[row, 0].set_ylabel(title, fontsize=8)
for ax in axes.flat:
    ax.set_xticks([])
    ax.set_yticks([])
fig.tight_layout()
plt.show()
plt.close(fig)

# %% [markdown]
# And the raw weights of the last layer, head by head: where does `[CLS]` look?

# %%
last = attentions[-1][2].cpu()                         # chirp_up: (heads, N, N)
f, t = ast_model.ast.grid
fig, axes = plt.subplots(1, last.shape[0], figsize=(10, 1.8))
for hd, ax in enumerate(axes):
    ax.imshow(last[hd, 0, 2:].reshape(f, t), origin="lower", aspect="auto", cmap="viridis")
    ax.set_title(f"head {hd}: [CLS] row", fontsize=8)
    ax.set_xticks([])
    ax.set_yticks([])
plt.show()
plt.close(fig)

# %% [markdown]
# What did the position embeddings learn? For three patches, the cosine similarity of their
# position embedding with every other position's: learned from scratch, nearby positions end up
# alike, which is how the model knows "high" from "low" and "early" from "late".

# %%
pos = ast_model.ast.pos_embed[0, 2:].detach().cpu()               # (f*t, D)
sim = F.normalize(pos, dim=-1) @ F.normalize(pos, dim=-1).T       # (f*t, f*t)
fig, axes = plt.subplots(1, 3, figsize=(9, 2))
for ax, (i, j) in zip(axes, [(0, 0), (2, 4), (4, 8)]):
    ax.imshow(sim[i * t + j].reshape(f, t), origin="lower", aspect="auto", cmap="coolwarm", vmin=-1, vmax=1)
    ax.plot(j, i, "k*")
    ax.set_title(f"patch ({i}, {j})", fontsize=8)
    ax.set_xticks([])
    ax.set_yticks([])
plt.show()
plt.close(fig)

# %% [markdown]
# ## On real sound: instrument families, over three seeds
#
# Every course model scores near 100% on the synthetic clips, so they cannot tell models apart. `DATA` (set at the
# top) picks a real set; the default, `instruments`, holds one-second notes of 11 instrument families (keyboard,
# guitar, brass, reed, ...) played by the sampled instruments of the FluidR3 General MIDI soundfont. The split is
# by instrument: **the test instruments are never heard in training**, so a model must learn what a family
# sounds like, not one instrument. Pitch varies inside every class, so *where* the energy sits on the frequency
# axis is a nuisance here, not the label (the converse of `horn_low`/`horn_high`).
#
# `over_seeds` trains the tiny AST with this notebook's settings (`compare.AST_OVERRIDES`: 64 mel bins, 2 layers)
# and notebook 03's CNN once per seed, validation picking each run's best epoch, and puts the course's
# **baseline** beside them: a linear model on the time-averaged log-mel spectrum (it sees which frequencies are
# loud on average, and nothing about time). A model that does not beat it has learned nothing a spectrum
# average could not tell.

# %%
t0 = time.perf_counter()
real = load_data(DATA, online=ONLINE)            # DatasetDict: train / validation / test
data = load_clip_data(dataset=real)              # tensors: (waves (N, S), lengths (N,), targets (N,)) per split
S = data.train[0].shape[1]                       # the clip length every model below is built for, in samples
chance = 1 / len(data.labels)
print(f"{DATA}: {len(data.train[0])} train / {len(data.validation[0])} validation / {len(data.test[0])} test clips "
      f"of {S / data.sample_rate:g} s, {len(data.labels)} classes (chance {chance:.3f}), loaded in "
      f"{time.perf_counter() - t0:.1f} s")
print("classes:", data.labels)
display(Audio(data.train[0][0].numpy(), rate=data.sample_rate))

# %%
runs = over_seeds(data, names=("cnn", "ast"), seeds=(0, 1, 2), keep_models=True, device=device)
display(Markdown(runs.markdown()))

# %%
ast_acc, cnn_acc = runs.accuracies("ast"), runs.accuracies("cnn")


def verdict(z: float) -> str:
    return "a finding (|z| > 2)" if abs(z) > 2 else "within the spread: not a finding with these seeds"


for claim, z in [("AST above chance", z_against(ast_acc, chance)),
                 ("AST above the baseline", z_against(ast_acc, runs.baseline)),
                 ("CNN above the baseline", z_against(cnn_acc, runs.baseline)),
                 ("CNN vs AST", z_score(cnn_acc, ast_acc))]:
    print(f"{claim:24s} z = {z:+5.1f}: {verdict(z)}")
print("AST per seed:", [round(a, 3) for a in ast_acc], "| CNN per seed:", [round(a, 3) for a in cnn_acc])
# Only what holds with room to spare on any stack (the z lines above say which gaps are findings):
assert np.mean(ast_acc) > chance and np.mean(cnn_acc) > chance
assert np.mean(cnn_acc) > runs.baseline

# %% [markdown]
# Read the verdicts, not just the means: with three seeds a gap is a finding only when it is more than twice the
# combined seed-to-seed spread. In the run stored here the tiny AST's seeds scatter widely, and its margin over
# the baseline and its gap to the CNN are both within that spread: from scratch, on this set, it learns
# something, but three seeds do not show that it learns more than a spectrum average does. The CNN's margin over
# the baseline is the finding.
#
# Why is a tiny transformer no better than a small CNN here, and so much more at the mercy of its seed? Not
# because the CNN assumes less: it assumes *more*. A convolution slides one small kernel over every position and
# the global pooling at the end forgets where it matched: it builds in **shift invariance**, "the same pattern
# means the same thing anywhere in the picture".
# For instrument timbre at any pitch and any moment that is the right assumption, and it comes free. The AST
# builds in almost nothing about position: its position embeddings are learned, so from a few hundred clips it
# must learn what each of its 45 patch positions means, and which differences between positions do *not*
# matter. That is what large-scale pretraining gives a transformer: the AudioSet AST, fine-tuned, reaches 95.6%
# on ESC-50 (quoted from the AST paper, Gong et al. 2021), while the same architecture from scratch on small data
# is data-hungry (notebook 08 compares the models as the number of training clips grows).

# %% [markdown]
# ## Clips of another length: what the position embeddings hold
#
# The models above were built for the data's clip length: for one-second clips a 5 × 9 patch grid, so 45 position
# embeddings, one per (frequency row, time column). **Time columns are moments of the clip**: column 0 covers its
# first 16 frames, the last column its last ones. Give a trained model a clip of another length and the grid
# has another number of columns. First, what happens if we just try: the features of test clips padded to twice
# the length, into the trained encoder.

# %%
trained = runs.models[("ast", 0)]
long_front = ASTFeatures(data.sample_rate, num_mel_bins=trained.ast.config.num_mel_bins,
                         max_length=trained.features.num_frames(2 * S))
long_waves, long_lengths, _ = clip_tensors(real["test"], num_samples=2 * S)   # every test clip padded to 2 S
try:
    trained.ast(long_front(long_waves[:2], long_lengths[:2]).to(device))
    raise AssertionError("the encoder accepted a grid it has no position embeddings for")
except ValueError as error:
    print("ValueError:", error)
    assert "max_length" in str(error)
long_grid = patch_grid(ASTConfig(num_mel_bins=trained.ast.config.num_mel_bins, max_length=long_front.max_length))
print(f"position embeddings {tuple(trained.ast.pos_embed.shape)} for grid {trained.ast.grid}; "
      f"a {2 * S / data.sample_rate:g} s clip makes grid {long_grid}: {2 + long_grid[0] * long_grid[1]} tokens")

# %% [markdown]
# A clear error, not a silent mistake: the encoder holds one position embedding per grid cell of the length it was
# built for, and the longer clip's grid has cells it has none for. (The *classifier* as a whole would not
# complain: `ASTClassifier` pads or cuts its input to the frames it was built for, so it would classify a longer
# clip on its first stretch only. Remember that for long recordings.)
#
# `ASTClassifier.resize(num_samples, mode=...)` adapts a trained model in place. The patch embedding and the
# encoder work on any number of tokens; only the position embeddings need a new grid
# (`adapt_position_embeddings`), in one of two ways along time:
#
# - `mode="cut"`: a shorter grid keeps the **first** time columns, unchanged. A patch at the start of the short
#   clip gets exactly the embedding the model learned for the start of a clip, a patch a third of a second in,
#   the one it learned for a third of a second in.
# - `mode="interpolate"`: the grid is **stretched** like an image being resized (bilinear interpolation): each
#   new column is a blend of the trained columns at the same *fraction* of the clip, not at the same moment. The
#   last column of a half-length clip gets the embeddings the model learned for the end of a whole clip: time
#   runs at another speed for the model.
#
# A longer grid needs columns for moments the model never saw; neither mode has embeddings for them, and
# `resize` interpolates in both modes then (as the AST code does). The picture shows which trained columns each
# new column is made of (dark: a large weight): an exact copy in `cut`, a blend of later moments in
# `interpolate`, a blend of earlier moments when the grid grows.

# %%
f, t = trained.ast.grid
short_grid = patch_grid(ASTConfig(num_mel_bins=trained.ast.config.num_mel_bins,
                                  max_length=trained.features.num_frames(S // 2)))
one_hot = torch.cat([torch.zeros(1, 2, t), torch.eye(t)[None]], dim=1)  # (1, 2 + t, t): column j's "embedding" is e_j
weights = {}
for title, columns, mode in [(f"{S // 2 / data.sample_rate:g} s, cut", short_grid[1], "cut"),
                             (f"{S // 2 / data.sample_rate:g} s, interpolate", short_grid[1], "interpolate"),
                             (f"{2 * S / data.sample_rate:g} s, cut", long_grid[1], "cut"),
                             (f"{2 * S / data.sample_rate:g} s, interpolate", long_grid[1], "interpolate")]:
    weights[title] = A.adapt_position_embeddings(one_hot, (1, t), (1, columns), mode=mode)[0, 2:]  # (new, trained)
titles = list(weights)
assert torch.equal(weights[titles[2]], weights[titles[3]])  # growing: both modes interpolate
fig, axes = plt.subplots(1, 3, figsize=(11, 3))
for ax, title in zip(axes, titles[:2] + [titles[2].replace("cut", "either mode")]):
    w = weights[titles[2]] if "either" in title else weights[title]
    ax.imshow(w, origin="lower", aspect="auto", cmap="Greys", vmin=0, vmax=1, interpolation="nearest")
    ax.set(title=title, xlabel=f"trained time column (0..{t - 1})", ylabel="new time column")
fig.tight_layout()
plt.show()
plt.close(fig)
print(f"cut, shorter: new column j = trained column j for j < {short_grid[1]}:",
      torch.equal(weights[titles[0]], torch.eye(t)[:short_grid[1]]))

# %% [markdown]
# Now the accuracy, on the real test clips cut to half the length and zero-padded to twice the length, for each of
# the three seeds' AST models: as trained (no resize: the classifier pads or cuts to its own length), and resized
# with each mode. The models are copied before resizing, so every row starts from the same trained weights.

# %%
seeds = runs.settings["seeds"]


def ast_accuracies(num_samples: int, mode: str | None) -> list[float]:
    """Test accuracy of each seed's AST on the test clips cut or padded to num_samples (mode None: no resize)."""
    part = clip_tensors(real["test"], num_samples=num_samples)           # (waves, lengths, targets)
    accuracies = []
    for seed in seeds:
        model = runs.models[("ast", seed)]
        if mode is not None:
            model = copy.deepcopy(model).resize(num_samples, mode=mode)  # the trained model stays as it was
        accuracies.append(evaluate(model, part, device=device)["accuracy"])
    return accuracies


t0 = time.perf_counter()
lengths = {"shorter": S // 2, "longer": 2 * S}
adapted = {(which, mode): ast_accuracies(n, mode) for which, n in lengths.items()
           for mode in (None, "cut", "interpolate")}
print(f"{'test clips':22s} {'no resize':>15s} {'resize, cut':>15s} {'resize, interp.':>15s}")
print(f"{'as trained, ' + format(S / data.sample_rate, 'g') + ' s':22s} {show(ast_acc):>15s}")
for which, n in lengths.items():
    print(f"{which + ', ' + format(n / data.sample_rate, 'g') + ' s':22s} "
          + " ".join(f"{show(adapted[(which, mode)]):>15s}" for mode in (None, "cut", "interpolate")))
print(f"(chance {chance:.3f}; {len(seeds)} seeds; {time.perf_counter() - t0:.1f} s)")
for claim, a, b in [("shorter: cut vs interpolate", adapted[("shorter", "cut")], adapted[("shorter", "interpolate")]),
                    ("shorter: cut vs no resize", adapted[("shorter", "cut")], adapted[("shorter", None)]),
                    ("longer: resized vs no resize", adapted[("longer", "cut")], adapted[("longer", None)])]:
    z = z_score(a, b)
    print(f"{claim:30s} z = {z:+5.1f}: {verdict(z)}")

# Facts that hold by construction:
assert adapted[("longer", "cut")] == adapted[("longer", "interpolate")]  # growing: both modes interpolate
one_clip = 1.5 / len(data.test[0])                                       # one test clip, with a margin
assert np.allclose(adapted[("longer", None)], ast_acc, atol=one_clip)    # the 1-s model reads the first second only
# and what holds with room to spare:
for mode in ("cut", "interpolate"):
    assert np.mean(adapted[("shorter", mode)]) > chance
    assert np.mean(adapted[("shorter", mode)]) > np.mean(adapted[("shorter", None)])
assert np.mean(adapted[("longer", "cut")]) < np.mean(adapted[("longer", None)])

# %% [markdown]
# What the table shows, and why:
#
# - **Shorter clips.** Without a resize, the classifier pads each half clip back to its length: half its tokens are
#   padding, something it never saw in training (every `instruments` clip fills its second), and the accuracy
#   falls towards chance. Resized, the model reads only what it is given, and both modes keep it above chance.
#   `cut` keeps the truth about time (each patch carries the embedding of its own moment); `interpolate` tells the
#   model that the half second it hears is a whole clip. In the run stored here the two are within the seeds'
#   spread of each other (the z line): these notes carry their timbre from the onset on, so the tiny model leans
#   more on what is in a patch than on exactly when. Where timing is the label (`chirp_up`/`chirp_down`), the
#   stretched time of `interpolate` would be the riskier one (not measured here).
# - **Longer clips.** The model has never learned what a second second looks like. Resizing must invent those
#   columns (interpolated, identical in both modes); the note, in the first half of the longer clip, now sits on
#   the positions that meant the first half of a trained clip; and half the tokens are padding again: the
#   accuracy drops towards chance. Without a resize,
#   the classifier cuts each clip to its trained length, which here holds the whole note: the trained accuracy,
#   exactly. So for long inputs keep the trained length and slide it over the recording
#   (`course_utils.inference`), as the AudioSet model does with its 10 s windows.
# - The pretrained AudioSet model (next section) meets the favourable direction: 10 s → 1 s is a `cut`, keeping
#   the embeddings of the first second, which it saw at the start of every training clip. Fine-tuning at the new
#   length then adjusts them.

# %% [markdown]
# ## The pretrained AudioSet model, through the same code
#
# `MIT/ast-finetuned-audioset-10-10-0.4593` is the 86-million-weight AST trained on AudioSet (527
# classes, multi-label: sigmoid). `ASTClassifier.from_pretrained` loads it with transformers
# (download, key renaming), moves the weights into the course model and reads the fbank settings
# from its `preprocessor_config.json`. That needs the internet and ~350 MB, so it runs only when the notebook is
# online: `ONLINE = True` at the top, or `COURSE_ONLINE=1` in the environment (`course_utils.env.online`, the
# course's one switch). Offline, **the same code** runs on a small checkpoint saved here with `save_pretrained`,
# with random weights, exactly as the test suite does: its answers mean nothing, the code path is the point.
#
# We play it a real test clip of `DATA`. Online, on a note of an instrument family, expect AudioSet's music and
# instrument classes near the top.

# %%
from transformers import ASTFeatureExtractor
from transformers.utils import logging as transformers_logging

transformers_logging.disable_progress_bar()  # no download/loading bars in the notebook
stand_in = tempfile.TemporaryDirectory()     # offline: the local checkpoint lives here until the end of the notebook
if online(ONLINE):
    checkpoint = "MIT/ast-finetuned-audioset-10-10-0.4593"
else:  # a tiny stand-in with the same files: config.json, model.safetensors, preprocessor_config.json
    tiny = ASTConfig(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, intermediate_size=128,
                     max_length=1024, num_labels=5, problem_type="multi_label_classification",
                     id2label={i: n for i, n in enumerate(["Speech", "Music", "Dog", "Bell", "Rain"])})
    seed_everything(0)
    ASTForAudioClassification(tiny).save_pretrained(stand_in.name)
    ASTFeatureExtractor().save_pretrained(stand_in.name)
    checkpoint = stand_in.name
pretrained = ASTClassifier.from_pretrained(checkpoint, multi_label=True).to(device)
print(f"{'AudioSet AST' if online(ONLINE) else 'local tiny checkpoint'}: {len(pretrained.labels)} classes, "
      f"grid {pretrained.ast.grid}, clip length {pretrained.num_samples / SR:.2f} s")

clip = data.test[0][0, : int(data.test[1][0])]                       # (samples,): a real test clip, unpadded
print(f"a test clip of {DATA}: {data.labels[int(data.test[2][0])]!r}, {clip.numel() / data.sample_rate:g} s")
display(Audio(clip.numpy(), rate=data.sample_rate))
padded = F.pad(clip, (0, pretrained.num_samples - clip.numel()))[None].to(device)
with torch.no_grad():
    probs = pretrained.probabilities(pretrained(padded, lengths=torch.tensor([clip.numel()], device=device)))[0]
for p, i in zip(*probs.topk(3)):
    print(f"  {pretrained.labels[i]:20s} {p:.3f}")
if not online(ONLINE):  # the same weights in transformers, fed by transformers' feature extractor
    reference = ASTForAudioClassification.from_pretrained(stand_in.name).eval()
    inputs = ASTFeatureExtractor.from_pretrained(stand_in.name)(clip.numpy(), sampling_rate=SR, return_tensors="pt")
    with torch.no_grad():
        expected = torch.sigmoid(reference(**inputs).logits)[0]
    print(f"max |probability difference| vs transformers: {(probs.cpu() - expected).abs().max():.1e}")
    assert torch.allclose(probs.cpu(), expected, atol=1e-4)

# %% [markdown]
# To use the 10 s model on our clips, `resize(num_samples=S)` makes it take clips of the data's length: the input is
# cut to its number of frames and the position embeddings keep their first time columns (`mode="cut"`, the
# favourable direction of the previous section).

# %%
pretrained.resize(num_samples=S)
with torch.no_grad():
    short_probs = pretrained.probabilities(pretrained(data.test[0][:1].to(device), data.test[1][:1].to(device)))[0]
print(f"after resizing: grid {pretrained.ast.grid}, {pretrained.num_samples / SR:g} s clips; top 3:",
      ", ".join(f"{pretrained.labels[i]} {p:.3f}" for p, i in zip(*short_probs.topk(3))))
assert pretrained.ast.grid == patch_grid(ASTConfig(max_length=pretrained.features.num_frames(S)))

# %% [markdown]
# **Fine-tuning on your classes** is the recipe that makes AST worth its cost.
# `ASTClassifier.from_pretrained(checkpoint, labels=data.labels)` keeps the encoder and makes a fresh head for
# the new classes (softmax: one label per clip), `resize` fits it to the clip length, and the same `fit` trains
# it, with a learning rate far below the from-scratch one: the pretrained encoder only needs nudging. Offline,
# this runs one epoch on the random stand-in, to show the code runs; its accuracy means nothing.
#
# What it reaches online, and what it costs: on ESC-50 (`DATA = "esc50"`, 2,000 five-second environmental
# sounds in 50 classes), the AST paper reports 95.6% accuracy for the AudioSet-pretrained model
# (Gong et al. 2021, five-fold cross-validation with their full recipe; a few epochs here will land lower).
# The model has 86 million weights and a five-second clip makes about 600 tokens: on a free Colab GPU (a T4)
# expect minutes per epoch over ESC-50's training folds and hours for the paper's whole five-fold protocol;
# on a CPU, fine-tuning is only practical for short clips (one-second notes), and even then slow, while
# classifying a few clips with the pretrained model is quick anywhere.

# %%
FINE_TUNE_EPOCHS = 5 if online(ONLINE) else 1
seed_everything(0)
finetuned = ASTClassifier.from_pretrained(checkpoint, labels=data.labels).resize(S).to(device)
assert all(torch.equal(a, b) for a, b in zip(finetuned.ast.blocks.parameters(), pretrained.ast.blocks.parameters()))
print(f"fresh head for {len(finetuned.labels)} classes on the pretrained encoder; grid {finetuned.ast.grid}")
tune_history = fit(finetuned, data.train, data.validation, epochs=FINE_TUNE_EPOCHS, lr=5e-5, batch_size=8, seed=0,
                   device=device)
tuned_accuracy = evaluate(finetuned, data.test, device=device)["accuracy"]
print(f"fine-tuned {len(tune_history)} epoch(s) in {tune_history.total_seconds:.0f} s: test accuracy "
      f"{tuned_accuracy:.3f}" + ("" if online(ONLINE) else " (a random stand-in: this number means nothing)"))
stand_in.cleanup()

# %%
record_result("04_ast_patching", data=DATA, test_accuracy=round(float(np.mean(ast_acc)), 4),
              test_accuracy_std=round(float(np.std(ast_acc, ddof=1)), 4),
              cnn_test_accuracy=round(float(np.mean(cnn_acc)), 4), baseline_accuracy=round(runs.baseline, 4),
              shorter_cut_accuracy=round(float(np.mean(adapted[("shorter", "cut")])), 4),
              shorter_interpolate_accuracy=round(float(np.mean(adapted[("shorter", "interpolate")])), 4),
              longer_resized_accuracy=round(float(np.mean(adapted[("longer", "cut")])), 4),
              synthetic_test_accuracy=round(ast_scores["accuracy"], 4),
              train_seconds=round(float(np.mean([r["train_seconds"] for r in runs.rows if r["model"] == "ast"])), 1),
              patches_audioset=A.num_patches(ASTConfig()))

# %% [markdown]
# ## Self-check
#
# Answer each question for yourself before you open its answer.
#
# 1. A clip gives 300 frames of 128 mel bins. How many patches does AST cut with 16 x 16 patches and strides of 10?
# <details><summary>Answer</summary>(128 − 16) // 10 + 1 = 12 along frequency and (300 − 16) // 10 + 1 = 29 along time: 348 patches, plus the `[CLS]` and `[DIST]` tokens.</details>
#
# 2. Does attention dominate a transformer layer's cost as soon as the sequence is longer than the hidden size?
# <details><summary>Answer</summary>No. The dense parts cost about 12·N·D² multiply-adds per layer and attention about 2·N²·D, so attention overtakes only near N ≈ 6D tokens: thousands of tokens for the AudioSet model, far more than a 10-s clip gives.</details>
#
# 3. Why does the AudioSet AST take 10-s inputs?
# <details><summary>Answer</summary>Because AudioSet's clips are 10 s long: the position embeddings were learned for that grid. It is a property of the training data, not a limit of attention.</details>
#
# 4. You want to run a 1-s-trained AST on 0.5-s clips. What must change, and what are the two ways to do it?
# <details><summary>Answer</summary>The position embeddings, one per grid cell: cut them to the first columns (the early time positions keep their meaning) or interpolate the whole grid (each new column blends neighbouring old ones). `ASTClassifier.resize` does both.</details>

# %% [markdown]
# ## Summary
#
# - AST = ViT on the fbank: 16×16 patches with strides (10, 10) overlap; the grid has
#   `((F − 16) // fs + 1) × ((T − 16) // ts + 1)` cells, 12 × 101 = 1,212 for the AudioSet model. Its input is
#   `(fbank − mean) / (2 · std)` with AudioSet's statistics.
# - A patch embedding is one matrix applied to every flattened patch (a strided `Conv2d`); `[CLS]` and
#   `[DIST]` go in front, learned position embeddings say where each patch came from.
# - Pre-norm encoder blocks, a final LayerNorm, pooled = mean of the two special tokens, head =
#   LayerNorm + Linear; softmax for one label per clip, sigmoid for multi-label (AudioSet).
# - The course model is transformers' AST weight for weight (same logits within 1e-5), so the pretrained
#   checkpoint runs through code you can read.
# - Tokens grow linearly with clip length, attention scores quadratically: from 1 s to 10 s, about 11× the
#   tokens and far more memory when the attention weights are kept. In multiply-adds, attention overtakes the
#   dense parts only at N ≈ 2D + I (6D for the AudioSet model: past half a minute of audio, a couple of seconds
#   for the tiny model). AST's 10 s comes from AudioSet's clip length, not from that cost.
# - On real instrument notes, over three seeds, with the linear baseline beside them (the table above): the
#   tiny AST learns from scratch but its seeds scatter; it is not shown to beat the spectrum average or to differ
#   from the CNN. The CNN's built-in shift invariance is an assumption the AST must learn from data, which is
#   why pretraining (AudioSet; 95.6% on ESC-50 in the AST paper) is what makes the transformer worth its cost.
# - Position embeddings are the model's sense of time. For shorter clips `resize(mode="cut")` keeps the
#   embeddings of the first moments (true time), `"interpolate"` stretches them (time at another speed); both
#   beat padding the short clip back, and the seeds did not separate them here. Longer clips have no learned
#   positions: resizing to them failed, while keeping the trained length (cutting or sliding windows) works.
# - `ONLINE = True` runs the AudioSet checkpoint and its fine-tuning with the same code the offline stand-in runs.
#
# **Next:** `05_wav2vec2_sequence_classification`: a transformer that skips the spectrogram and reads the
# raw waveform, with a pooled head on top.
