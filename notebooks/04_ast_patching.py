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
# costs, trains a tiny one and looks at where it attends.
#
# **Learning goals**
#
# - Compute AST's patch grid, `((F − 16) // fstride + 1) × ((T − 16) // tstride + 1)`, and see the overlap.
# - Follow a spectrogram through patches → tokens → `[CLS]`/`[DIST]` + position embeddings → encoder → pooling → head.
# - Know that the course model and transformers' give the same logits, so a pretrained AudioSet checkpoint runs through it.
# - Measure why clip length matters: the sequence grows linearly, attention's cost quadratically.
# - Train a tiny AST, compare it with a CNN, and look at its attention.

# %%
# Setup: in Colab, install the course package; locally this does nothing.
import sys
if "google.colab" in sys.modules:
    # %pip install -q "course-utils @ git+https://github.com/audio-classification-course/audio-classification-course@main"

# %%
import os
import tempfile
import time

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from IPython.display import Audio, display
from matplotlib.patches import Rectangle
from transformers import ASTConfig, ASTForAudioClassification

from course_utils.data import CLIP_CLASSES, clip_tensors, make_clip, make_clip_dataset
from course_utils.env import get_device, seed_everything
from course_utils.fast_features import ASTFeatures
from course_utils.measure import median_ms, peak_memory_mib
from course_utils.models import ast as A
from course_utils.models.ast import AST, ASTClassifier, patch_grid, tiny_ast_config
from course_utils.models.cnn import SpectrogramCNN
from course_utils.notebook import record_result
from course_utils.train import evaluate, fit

seed_everything(0)
device = get_device()
SR = 16000
print("device:", device)

# %% [markdown]
# ## AST's input: a Kaldi filterbank, time first
#
# AST does not take the log-mel of notebook 02 but its cousin from the speech toolkit Kaldi:
# 25 ms frames every 10 ms, 128 mel bins, natural log, then normalised with AudioSet's mean and
# standard deviation. `ASTFeatures` computes it (and is tested against transformers'
# `ASTFeatureExtractor`). Its layout is **(frames, mel bins)**: time first. One second of audio
# gives 98 frames; the AudioSet model pads or cuts every clip to `max_length = 1024` frames (10.24 s).
#
# Our clip: a "ding-dong", two bell strikes, high then low.

# %%
wave_np, meta = make_clip("ding_dong", index=3)
wave = torch.from_numpy(wave_np)                        # (samples,)
front = ASTFeatures(SR, num_mel_bins=128, max_length=98)  # 1 s -> 98 frames
fbank = front(wave[None])                               # (1, frames=98, mel_bins=128)
print("waveform", tuple(wave.shape), "-> fbank", tuple(fbank.shape))
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
print(f"10 s vs 4 s: {n_tokens[-1] / n_tokens[2]:.1f}x the tokens, {ms[-1] / ms[2]:.1f}x the time")
assert mem_w[-1] / mem_w[0] > 3 * n_tokens[-1] / n_tokens[0]  # far more than linear
# No assert on the times: a busy machine can stretch any one of them (timings belong in benchmarks/).

# %% [markdown]
# The memory with the weights kept follows N². The fused kernel (`F.scaled_dot_product_attention`,
# which never stores the whole matrix at once) keeps memory nearly linear, but it still has to *compute*
# every score: once the clip is long enough that the fixed cost of a call (a few milliseconds for the
# shortest clips here) no longer dominates, the time should grow faster than the token count (compare 4 s and
# 10 s in the printout; on a busy machine one timing can be off, which is why the course's speed claims live in
# `benchmarks/`, measured side by side). Per layer, the linear layers cost about
# N·D² operations and attention about N²·D, so attention dominates as soon as N is larger than the
# width D. Our tiny model has D = 64: from the first second on. The AudioSet model (D = 768, 12 layers)
# crosses over at a few seconds; `benchmarks/bench_ast.py` measures it, and the course AST beside
# transformers' (figures in `BENCHMARKS.md`). This is why AST works on fixed 10 s windows, and why
# long recordings are cut into windows rather than fed whole.

# %% [markdown]
# ## Training a tiny AST on the course clips
#
# Ten classes of one-second clips (notebook 01). Pitch pairs (`horn_low`/`horn_high`) differ only in
# *where* the energy sits on the frequency axis, order pairs (`chirp_up`/`chirp_down`,
# `ding_dong`/`dong_ding`) only in *when*: both need the position embeddings.
#
# `ASTClassifier` puts `ASTFeatures` in front of `AST`, so it takes waveforms like every course
# classifier and trains with the same `fit`. To stay well inside a CPU budget it uses 64 mel bins
# (a 5 × 9 grid: 45 patch tokens), width 64 and 2 blocks: about 87 000 weights, a thousandth of the
# AudioSet model. Twelve epochs take from a few seconds on an idle 2-core CPU to half a minute on a busy one (well
# inside a 90 s budget). A full-size AST trained from scratch on 700 clips would overfit; the real recipe is to start
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
# The same data, budget and training loop for notebook 03's small CNN on log-mel spectrograms:

# %%
seed_everything(0)
cnn = SpectrogramCNN(labels)
cnn_history = fit(cnn, train, val, epochs=12, lr=2e-3, batch_size=32, seed=0, device=device)
cnn_scores = evaluate(cnn, test)
print(f"{'model':12s} {'weights':>8s} {'train s':>8s} {'test acc':>9s} {'macro-F1':>9s}")
for name, m, hist, scores in [("tiny AST", ast_model, ast_history, ast_scores), ("CNN", cnn, cnn_history, cnn_scores)]:
    print(f"{name:12s} {sum(p.numel() for p in m.parameters()):8,d} {hist.total_seconds:8.0f} "
          f"{scores['accuracy']:9.3f} {scores['macro_f1']:9.3f}")

# %% [markdown]
# On these clean, synthetic one-second clips both reach high accuracy in well under a minute; the CNN gets
# there with fewer assumptions about position (convolutions share weights everywhere), the AST
# has to *learn* from 700 clips what every position means. Where transformers pull ahead is with
# pretraining on large data (AudioSet: 2 million clips) and longer context: the next section shows
# the path to that model.

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
show = ["horn_low", "horn_high", "chirp_up", "chirp_down", "ding_dong", "dong_ding"]
test_waves, test_lengths, test_labels = test
picks = [int((test_labels == labels.index(name)).nonzero()[0]) for name in show]
with torch.no_grad():
    waves = test_waves[picks].to(device)
    feats = ast_model.features(waves, test_lengths[picks].to(device))   # (6, 98, 64)
    logits, attentions = ast_model.ast(feats, return_attentions=True)
    heat = A.rollout_map(attentions, ast_model.ast.grid).cpu()          # (6, f=5, t=9)
predicted = [labels[i] for i in logits.argmax(-1).tolist()]

fig, axes = plt.subplots(2, 6, figsize=(12, 3.8))
for k, name in enumerate(show):
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
# ## The pretrained AudioSet model, through the same code
#
# `MIT/ast-finetuned-audioset-10-10-0.4593` is the 86-million-weight AST trained on AudioSet (527
# classes, multi-label: sigmoid). `ASTClassifier.from_pretrained` loads it with transformers
# (download, key renaming), moves the weights into the course model and reads the fbank settings
# from its `preprocessor_config.json`. That needs the internet and ~350 MB, so the cell runs it only
# when you ask (`COURSE_ONLINE=1`, or set `ONLINE = True`). Otherwise it runs **the same code** on a
# small checkpoint saved here with `save_pretrained`, exactly as the test suite does.
#
# To use a 10 s model on 1 s clips, `resize(num_samples=16000)` cuts the input to 98 frames and keeps
# the first 9 time columns of the position embeddings (interpolating instead would squeeze 10 s of positions into
# 1 s); for fine-tuning on your own classes, `ASTClassifier.from_pretrained(checkpoint, labels=[...])`
# keeps the encoder and makes a fresh head for them.

# %%
from transformers.utils import logging as transformers_logging

transformers_logging.disable_progress_bar()  # no download/loading bars in the notebook
ONLINE = os.environ.get("COURSE_ONLINE") == "1"
clip = torch.from_numpy(make_clip("vowel_a", index=0)[0])             # a synthetic voice, 1 s
with tempfile.TemporaryDirectory() as folder:
    if ONLINE:
        checkpoint = "MIT/ast-finetuned-audioset-10-10-0.4593"
    else:  # a tiny stand-in with the same files: config.json, model.safetensors, preprocessor_config.json
        from transformers import ASTFeatureExtractor

        tiny = ASTConfig(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, intermediate_size=128,
                         max_length=1024, num_labels=5, problem_type="multi_label_classification",
                         id2label={i: n for i, n in enumerate(["Speech", "Music", "Dog", "Bell", "Rain"])})
        ASTForAudioClassification(tiny).save_pretrained(folder)
        ASTFeatureExtractor().save_pretrained(folder)
        checkpoint = folder
    pretrained = ASTClassifier.from_pretrained(checkpoint, multi_label=True).to(device)
    print(f"{'AudioSet AST' if ONLINE else 'local tiny checkpoint'}: {len(pretrained.labels)} classes, "
          f"grid {pretrained.ast.grid}, clip length {pretrained.num_samples / SR:.2f} s")
    padded = F.pad(clip, (0, pretrained.num_samples - clip.numel()))[None].to(device)
    with torch.no_grad():
        probs = pretrained.probabilities(pretrained(padded, lengths=torch.tensor([clip.numel()], device=device)))[0]
    for p, i in zip(*probs.topk(3)):
        print(f"  {pretrained.labels[i]:20s} {p:.3f}")
    if not ONLINE:  # the same weights in transformers, fed by transformers' feature extractor
        reference = ASTForAudioClassification.from_pretrained(folder).eval()
        inputs = ASTFeatureExtractor.from_pretrained(folder)(clip.numpy(), sampling_rate=SR, return_tensors="pt")
        with torch.no_grad():
            expected = torch.sigmoid(reference(**inputs).logits)[0]
        print(f"max |probability difference| vs transformers: {(probs.cpu() - expected).abs().max():.1e}")
        assert torch.allclose(probs.cpu(), expected, atol=1e-4)

# the 10 s model on 1 s clips: 1024 -> 98 frames, a 12 x 101 grid -> 12 x 9, the first time columns kept
pretrained.resize(num_samples=SR)
with torch.no_grad():
    short_probs = pretrained.probabilities(pretrained(clip[None].to(device)))
print(f"after resizing: grid {pretrained.ast.grid}, {pretrained.num_samples / SR:.0f} s clips, "
      f"probabilities {tuple(short_probs.shape)}")
assert pretrained.ast.grid == (12, 9)

# %%
record_result("04_ast_patching", test_accuracy=round(ast_scores["accuracy"], 4),
              cnn_test_accuracy=round(cnn_scores["accuracy"], 4),
              train_seconds=round(ast_history.total_seconds, 1), patches_audioset=A.num_patches(ASTConfig()))

# %% [markdown]
# ## Summary
#
# - AST = ViT on the fbank: 16×16 patches with strides (10, 10) overlap; the grid has
#   `((F − 16) // fs + 1) × ((T − 16) // ts + 1)` cells, 12 × 101 = 1,212 for the AudioSet model.
# - A patch embedding is one matrix applied to every flattened patch (a strided `Conv2d`); `[CLS]` and
#   `[DIST]` go in front, learned position embeddings say where each patch came from.
# - Pre-norm encoder blocks, a final LayerNorm, pooled = mean of the two special tokens, head =
#   LayerNorm + Linear; softmax for one label per clip, sigmoid for multi-label (AudioSet).
# - The course model is transformers' AST weight for weight (same logits within 1e-5), so the pretrained
#   checkpoint runs through code you can read.
# - Tokens grow linearly with clip length, attention scores quadratically: from 1 s to 10 s, 11× the
#   tokens, ~100× the memory when the attention weights are kept, and (past the fixed cost of a call)
#   time that grows faster than the tokens.
# - A tiny AST trained from scratch for 12 epochs (seconds to half a minute on a CPU) comes close to the CNN on the course clips;
#   pretraining on large data is what makes transformers worth their cost.
#
# **Next:** `05_wav2vec2_sequence_classification`: a transformer that skips the spectrogram and reads the
# raw waveform, with a pooled head on top.
