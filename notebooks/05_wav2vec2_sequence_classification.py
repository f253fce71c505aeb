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
# # 05 · Wav2Vec2 for sequence classification
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/audio-classification-course/audio-classification-course/blob/main/notebooks/05_wav2vec2_sequence_classification.ipynb)
#
# Wav2Vec2 skips the spectrogram: a stack of strided convolutions reads the raw samples, a transformer mixes the
# frames, and a head pools them into one answer per clip. This notebook takes the model apart with the course's own
# code (`course_utils.models.wav2vec2`, identical to transformers'), then trains a small one on **real recorded
# speech** (`DATA = "voices"`: which of five languages is spoken), beside a spectrogram CNN and a linear baseline, and
# asks what a frozen encoder brings when it was pretrained on other real sounds. At the end the same code runs the
# real pretrained checkpoints (`facebook/wav2vec2-base`, `superb/wav2vec2-base-superb-ks`) when you go online.
#
# **Learning goals**
#
# - Follow a raw waveform through Wav2Vec2: the convolutional feature encoder (one frame every 20 ms), the transformer, mean pooling, the head.
# - Build the sequence-classification head by hand and check it against `course_utils` and transformers' `Wav2Vec2ForSequenceClassification`; see that transformers' head (a projector of `classifier_proj_size`, then the classifier) is not the seed's single `nn.Linear(hidden, num_labels)`, and why both are linear classifiers of the mean hidden state.
# - See why a raw-waveform model needs each clip normalised (`do_normalize`) on real recordings, and what happens without it.
# - Train the tiny Wav2Vec2 from scratch over three seeds beside the CNN and the time-averaged log-mel baseline, and say plainly when it loses.
# - Measure the padding pitfall: how much the answers move when padded frames are pooled without the mask.
# - Few-shot with a frozen encoder pretrained on *another* real set, against a frozen random encoder, training from scratch and the baseline, over three seeds; know what favours transfer and what a large pretrained encoder changes.
# - Run `facebook/wav2vec2-base` (frozen, with a new head) and the `superb/wav2vec2-base-superb-ks` keyword spotter through `pipeline("audio-classification")` with one switch (`ONLINE = True`), or the same code on local stand-ins offline.

# %%
# Setup: in Colab, install the course package; locally this does nothing.
import sys
if "google.colab" in sys.modules:
    # %pip install -q "course-utils @ git+https://github.com/audio-classification-course/audio-classification-course@main"

# %%
import dataclasses
import math
import tempfile

import matplotlib.pyplot as plt
import numpy as np
import torch
from IPython.display import Audio, Markdown, display
from torch import nn
from transformers import (Wav2Vec2Config, Wav2Vec2FeatureExtractor, Wav2Vec2ForSequenceClassification,
                          pipeline)
from transformers.utils import logging as transformers_logging

from course_utils.compare import ClipData, build_classifier, few_per_class, load_clip_data, over_seeds
from course_utils.data import load_data
from course_utils.env import get_device, online, seed_everything
from course_utils.models import count_parameters
from course_utils.models.heads import SequenceClassificationHead, lengths_to_mask, masked_mean_pool, train_linear_probe
from course_utils.models.wav2vec2 import (Wav2Vec2Classifier, encoder_stride, hop_seconds, normalize_waveforms,
                                          num_frames, receptive_field, tiny_wav2vec2_config)
from course_utils.notebook import record_result
from course_utils.seeds import mean_std, show, z_against, z_score
from course_utils.train import evaluate, fit

DATA = "voices"  # "synthetic" | "instruments" | "voices" | "esc50" | "speech_commands" | "folder:<path>"
ONLINE = None    # None: $COURSE_ONLINE decides; True: download wav2vec2-base, the SUPERB keyword spotter (and hub sets)

seed_everything(0)
device = get_device()
if device.type == "cpu":
    # One thread: the numbers in the outputs were measured this way (the thread count can change the last digits
    # of float sums), and a shared CPU stays usable. On your own idle machine, delete this line to train faster.
    torch.set_num_threads(1)
print("device:", device, "| data:", DATA, "| online:", online(ONLINE))

# %% [markdown]
# ## The data: real recordings, as raw waveforms
#
# `load_data(DATA)` returns train / validation / test splits; `load_clip_data` turns them into tensors
# `(waveforms, lengths, targets)`, every clip zero-padded to the longest and `lengths` saying where each really ends.
# Wav2Vec2 needs no spectrogram: the samples go in as they are.
#
# `voices` are the Asterisk telephone prompts (recorded, wideband 16 kHz) in five languages, split by prompt, so
# the test sentences are never heard in training. Its confound, which every result below inherits: **one speaker per
# language** (English and Spanish share one), so "which language" is also "which voice"; a model may learn the voice
# and not the language. `data/README.md` lists the sources and licenses. The hub sets hold thousands of clips per
# class; a CPU trains on a draw of them (`MAX_PER_CLASS`, which leaves the shipped sets whole).

# %%
MAX_PER_CLASS = 200  # per split; online hub sets (Speech Commands: thousands per word) are cut to a random draw
dataset = load_data(DATA, online=ONLINE)
data = load_clip_data(dataset=dataset)
for part in ("train", "validation", "test"):
    counts = torch.bincount(getattr(data, part)[2])
    if counts.max() > MAX_PER_CLASS:
        data = dataclasses.replace(data, **{part: few_per_class(getattr(data, part), min(MAX_PER_CLASS, int(counts.min())))})
waves, lengths, labels = data.train  # (N, S), (N,), (N,)
SR, S = data.sample_rate, waves.shape[1]
print(f"{len(data.labels)} classes: {data.labels}")
print(f"train {tuple(waves.shape)}, validation {tuple(data.validation[0].shape)}, test {tuple(data.test[0].shape)}; "
      f"clips of {S / SR:g} s at {SR} Hz")
Audio(waves[0, : lengths[0]].numpy(), rate=SR)

# %% [markdown]
# ## 1. The convolutional feature encoder: from samples to 50 frames a second
#
# The first part of Wav2Vec2 is a stack of 1-D convolutions over the raw samples, with no padding. Each layer has a
# kernel (how many inputs one output sees) and a stride (how far it moves). Multiply the strides and you get the
# **encoder stride**: how many samples one output frame advances. Widen the view layer by layer and you get the
# **receptive field**: how many samples one frame sees. For `facebook/wav2vec2-base` that is 320 and 400 samples,
# 20 ms and 25 ms at 16 kHz, the frame rate of a speech spectrogram. The course's tiny model keeps the 320-sample
# stride with three layers instead of seven.

# %%
# NBVAL_CHECK_OUTPUT
config = tiny_wav2vec2_config()
for name, cfg in [("wav2vec2-base", Wav2Vec2Config()), ("course tiny", config)]:
    # list(...): transformers 4.x stores these as lists, 5.x as tuples; print the same on both
    print(f"{name:13s} kernels {list(cfg.conv_kernel)}, strides {list(cfg.conv_stride)}: "
          f"stride {encoder_stride(cfg)} samples ({1000 * hop_seconds(cfg):.0f} ms), "
          f"receptive field {receptive_field(cfg)} samples ({receptive_field(cfg) / 16:.1f} ms), "
          f"1 s -> {num_frames(cfg, 16000)} frames")

# %% [markdown]
# Follow one clip through the tiny model's conv layers. The shapes are `(batch, channels, time)`: the channels grow,
# time shrinks by each stride.

# %%
seed_everything(0)
model = Wav2Vec2Classifier(data.labels, config, sample_rate=SR, num_samples=S).to(device).eval()
clip, clip_length = waves[:1].to(device), lengths[:1].to(device)
with torch.no_grad():
    h = clip[:, None]  # (batch, 1 channel, samples)
    print(f"input   {tuple(h.shape)}")
    for i, layer in enumerate(model.encoder.feature_extractor.conv_layers):
        h = layer(h)
        print(f"conv {i}  kernel {config.conv_kernel[i]:2d}, stride {config.conv_stride[i]}: {tuple(h.shape)}")
assert h.shape[-1] == num_frames(config, S)

# %% [markdown]
# Then a linear projection to the transformer's width and the transformer itself (a convolutional positional
# embedding, then self-attention layers). Out come the **hidden states**: one 64-dimensional vector per 20 ms frame.
# `model.encode` runs both and also returns the frame mask: which frames come from real samples.

# %%
with torch.no_grad():
    hidden, frame_mask = model.encode(clip, clip_length)  # (1, frames, hidden_size), (1, frames)
print("hidden states", tuple(hidden.shape), "| real frames", frame_mask.sum().item(), "of", frame_mask.shape[1])

fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(8, 4.5), sharex=True)
t = torch.arange(S) / SR
ax1.plot(t, waves[0], lw=0.5)
ax1.set_ylabel("amplitude")
ax1.set_title(f"a '{data.labels[labels[0]]}' clip and its hidden states (untrained encoder)")
frames_t = hop_seconds(config, SR) * hidden.shape[1]
ax2.imshow(hidden[0].T.cpu(), aspect="auto", origin="lower", extent=(0, frames_t, 0, hidden.shape[2]), cmap="magma")
ax2.set_xlabel("time (s): one column per 20 ms frame")
ax2.set_ylabel("hidden dim")
plt.tight_layout()
plt.show()
plt.close(fig)

# %% [markdown]
# ### Your turn: count the frames
#
# Write `wav2vec2_frames(num_samples)`: how many frames wav2vec2-base's feature encoder makes from a
# clip of `num_samples` samples. Each of its seven convolutions maps a length L to
# `(L - kernel) // stride + 1`. Predict the answer for one second at 16 kHz first: is it exactly 50?

# %%
from course_utils.exercises import check


def wav2vec2_frames(num_samples: int) -> int:
    ...  # your answer here


check("05.wav2vec2_frames", wav2vec2_frames)

# %% [markdown]
# ## 2. From hidden states to one label: mean pooling and the head
#
# `Wav2Vec2ForSequenceClassification` does three things: a **projector** (Linear, hidden size -> 64 here, 256 in
# the base model), a **mean over the frames** of each clip, and a **classifier** (Linear -> classes). The mean must
# skip padded frames, so the sample-level mask (`lengths`) is turned into a frame-level mask with the conv arithmetic
# above: a clip of `n` samples gives `num_frames(config, n)` real frames. Here it is by hand on four clips cut to
# different lengths (zeros after each), checked against `course_utils` and against transformers with the same weights.

# %%
nb = torch.tensor([S, 3 * S // 4, S // 2, S // 3], device=device)  # four lengths
xb = waves[:4].to(device) * lengths_to_mask(nb, S).float()  # (4, S): each clip cut, zeros after it
with torch.no_grad():
    hidden, frame_mask = model.encode(xb, nb)  # (4, T, 64), (4, T)
    assert frame_mask.sum(1).tolist() == num_frames(config, nb).tolist()
    projected = model.head.projector(hidden)  # (4, T, 64)
    weights = frame_mask.unsqueeze(-1).float()  # (4, T, 1): 1 on real frames, 0 on padding
    pooled = (projected * weights).sum(1) / weights.sum(1)  # (4, 64)
    logits_by_hand = model.head.classifier(pooled)  # (4, C)
    torch.testing.assert_close(pooled, masked_mean_pool(projected, frame_mask))
    torch.testing.assert_close(logits_by_hand, model(xb, nb))
    hf_model = model.to_transformers().eval()  # transformers' Wav2Vec2ForSequenceClassification, same weights
    hf_logits = hf_model(xb, attention_mask=lengths_to_mask(nb, S).long()).logits
    torch.testing.assert_close(logits_by_hand, hf_logits, atol=1e-5, rtol=0)
print("real frames per clip:", frame_mask.sum(1).tolist(), "| by hand == course_utils == transformers")

# %% [markdown]
# ### The seed's head and transformers' head
#
# The seed writes the head as one layer, `nn.Linear(hidden_dim, num_labels)`, on the pooled hidden states. That is
# not what transformers builds: `Wav2Vec2ForSequenceClassification` has a **projector** to `classifier_proj_size`
# (256 by default) *before* the mean, then the **classifier**. Here are both for the base model's width and our
# classes, and their sizes:

# %%
base_config = Wav2Vec2Config()  # facebook/wav2vec2-base's sizes: hidden 768, classifier_proj_size 256
transformers_head = SequenceClassificationHead(base_config.hidden_size, len(data.labels),
                                               proj_size=base_config.classifier_proj_size)
seed_head = nn.Linear(base_config.hidden_size, len(data.labels))
print("transformers:", transformers_head.projector, "-> mean over frames ->", transformers_head.classifier,
      f"| {count_parameters(transformers_head):,} parameters")
print("the seed:    ", "mean over frames ->", seed_head, f"| {count_parameters(seed_head):,} parameters")

# %% [markdown]
# Are they different models? No nonlinearity sits between the projector, the mean and the classifier, and the mean of
# projected frames is the projection of the mean frame. So transformers' head collapses into one
# `nn.Linear(hidden, num_labels)` with weight `W_c · W_p` and bias `W_c · b_p + b_c`: the seed's head. The check, on
# the four clips above:

# %%
head = model.head
collapsed = nn.Linear(config.hidden_size, len(data.labels)).to(device)
with torch.no_grad():
    collapsed.weight.copy_(head.classifier.weight @ head.projector.weight)  # (C, 64) @ (64, D) -> (C, D)
    collapsed.bias.copy_(head.classifier.weight @ head.projector.bias + head.classifier.bias)
    mean_hidden = masked_mean_pool(hidden, frame_mask)  # (4, D): the seed's pooled hidden states
    torch.testing.assert_close(collapsed(mean_hidden), logits_by_hand, atol=1e-5, rtol=0)
print("seed-style nn.Linear(hidden, classes) on the mean hidden state == projector -> mean -> classifier")

# %% [markdown]
# So both heads draw the same kind of boundary (linear in the mean hidden state). What the projector changes is how
# that boundary is parametrised and trained (more weights, a factorised matrix of rank at most
# `classifier_proj_size`, another learning dynamic), and that it matches the checkpoints: `superb/wav2vec2-base-superb-ks`
# ships a trained projector, so loading it needs transformers' layout. All the "understanding" has to come from the
# encoder. The contrast the seed draws with speech recognition: `Wav2Vec2ForCTC` puts a linear layer on **every**
# frame (one character distribution per 20 ms, no pooling) and trains it with the CTC loss; notebook 06 also keeps one
# prediction per frame, for events instead of characters.

# %% [markdown]
# ### Your turn: pool with a mask
#
# Write `masked_mean(hidden, mask)`: hidden states `(B, T, D)` and a mask `(B, T)` of 1 for real
# frames and 0 for padding in, the mean over each clip's real frames `(B, D)` out. The check tries
# clips with and without padding, and recognises the usual mistakes.

# %%
def masked_mean(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    ...  # your answer here


check("05.masked_mean", masked_mean)

# %% [markdown]
# ## 3. Real recordings have no fixed level: normalise each clip
#
# The course's generated clips sit near full scale. Real recordings do not: the `voices` prompts were scaled to a
# speech level of -30 dBFS, a few hundredths in amplitude. The first conv layer adds a bias to every output; against
# such quiet input, the bias is most of what comes out, and the layer norm after it normalises mostly the bias. The
# pretrained checkpoints guard against this in their feature extractor: `Wav2Vec2FeatureExtractor(do_normalize=True)`
# scales every clip to zero mean and unit variance first (`normalize_waveforms` in the course). Measured on a few
# training clips with the untrained model:

# %%
conv0 = model.encoder.feature_extractor.conv_layers[0].conv
with torch.no_grad():
    for name, x in [("as recorded", waves[:8]), ("normalised", normalize_waveforms(waves[:8], lengths[:8]))]:
        signal = conv0(x[:, None].to(device)) - conv0.bias[None, :, None]  # what the conv makes of the samples
        print(f"{name:12s}: clip RMS {x.pow(2).mean().sqrt():.3f}; first conv: signal part RMS "
              f"{signal.pow(2).mean().sqrt():.3f}, bias RMS {conv0.bias.pow(2).mean().sqrt():.3f}")

# %% [markdown]
# One run without normalisation, as a demonstration (one seed, a few epochs, not a comparison): watch the training
# loss and what the model predicts on the test clips. `ln(classes)` is the loss of a model that answers the class
# frequencies whatever it hears.

# %%
seed_everything(0)
raw_model = Wav2Vec2Classifier(data.labels, config, sample_rate=SR, num_samples=S)
raw_history = fit(raw_model, data.train, None, epochs=8, lr=3e-3, seed=0, device=device, progress=False)
with torch.no_grad():
    raw_predictions = raw_model.to(device).eval()(data.test[0].to(device), data.test[1].to(device)).argmax(1).cpu()
print(f"training loss by epoch: {[round(loss, 3) for loss in raw_history.train_loss]}; "
      f"ln({len(data.labels)}) = {math.log(len(data.labels)):.3f}")
print("test predictions per class:", dict(zip(data.labels, torch.bincount(raw_predictions, minlength=len(data.labels)).tolist())))

# %% [markdown]
# The loss hardly leaves `ln(classes)`: the model has not found the signal under the bias (look at how the test
# predictions are spread over the classes). From here on every clip is normalised once, the step `do_normalize`
# does, and **every** model below gets the same normalised clips, the baseline included. For the spectrogram models it
# changes little (a gain is a constant shift of a log spectrum); the raw-waveform model needs it.


# %%
def normalised(data: ClipData) -> ClipData:
    """The same clips, each scaled to zero mean and unit variance over its real samples (padding stays 0)."""
    return dataclasses.replace(data, **{part: (normalize_waveforms(x, n), n, y) for part, (x, n, y) in
                                        [("train", data.train), ("validation", data.validation), ("test", data.test)]})


raw_test = data.test  # as recorded: section 7's pipeline normalises with its own feature extractor
data = normalised(data)
print(f"train clip RMS now {data.train[0][0, : data.train[1][0]].pow(2).mean().sqrt():.3f}")

# %% [markdown]
# ## 4. Train the tiny Wav2Vec2 from scratch, over three seeds, beside the CNN and the baseline
#
# `over_seeds` trains each model once per seed with the same `fit` (validation picks the best epoch), scores it on
# the test split, and fits the **baseline** beside them: a linear classifier on the time-averaged log-mel spectrum
# (no seed: its fit is convex). A model that does not beat the baseline has learned nothing a spectrum average does
# not already know. The CNN is notebook 03's; times are wall-clock seconds on the machine that ran this notebook.

# %%
runs = over_seeds(data, names=("cnn", "wav2vec2"), seeds=(0, 1, 2), epochs=20, keep_models=True)
display(Markdown(runs.markdown()))
w2v_acc, cnn_acc = runs.accuracies("wav2vec2"), runs.accuracies("cnn")
chance = 1 / len(data.labels)
print(f"Wav2Vec2 vs baseline z = {runs.z_vs_baseline('wav2vec2'):+.1f}; vs chance z = {runs.z_vs_chance('wav2vec2'):+.1f}; "
      f"vs CNN z = {z_score(w2v_acc, cnn_acc):+.1f}")

# %% [markdown]
# Read the table for `voices` plainly: **the raw-waveform model trained from scratch does not beat the baseline; it
# loses to it by many spreads** (the z above), while it does learn something (z against chance). The CNN comes much
# closer, but on this set it does not beat the baseline either (its z in the table). Why does Wav2Vec2 lose?
#
# - **Data size.** Eighty training clips. The CNN and the baseline start from a log-mel spectrum, a fixed front end
#   that already separates frequencies the way hearing does. Wav2Vec2 has to *learn* its own filterbank in the conv
#   layers from the samples, and eighty clips are far too few to learn one.
# - **What the task rewards.** With one speaker per language, the average spectrum (the voice's timbre) is nearly the
#   whole answer: exactly what the baseline computes, and what a raw-waveform model must rediscover.
# - **What pretraining brings.** `facebook/wav2vec2-base` learned its conv filterbank and transformer on 960 hours of
#   unlabelled speech (LibriSpeech; Baevski et al. 2020) before it ever sees your labels. That is the advantage the
#   seed's advice leans on, and the tiny model trained here does not have it. Section 6 tries the nearest thing a
#   laptop can do offline; section 7 runs the real checkpoint online.
#
# Only what the spread supports, on any stack the course is tested on:

# %%
assert min(w2v_acc) > chance - 0.05 and mean_std(w2v_acc)[0] > chance + 0.1  # it learns something...
assert runs.z_vs_baseline("wav2vec2") < -2  # ...and the spectrum average beats it by more than the spread

# %% [markdown]
# ## 5. The padding pitfall, in numbers
#
# The shipped clips all have one length, but real inputs do not: batches get padded. Cut each test clip to a random
# length (half a clip or more) and ask the trained model (seed 0) three ways:
#
# 1. one clip at a time, unpadded (the reference: nothing to get wrong);
# 2. a padded batch with `lengths` (the mask);
# 3. the same padded batch without `lengths`: the zeros after each clip go through the encoder and into the mean.

# %%
trained = runs.models[("wav2vec2", 0)].to(device).eval()
tx, tn, ty = data.test
g = torch.Generator().manual_seed(0)
cut = (tn.float() * (0.5 + 0.5 * torch.rand(len(tn), generator=g))).long()  # (N,) new lengths: 50-100 % of each clip
tx = normalize_waveforms(tx * lengths_to_mask(cut, tx.shape[1]).float(), cut)  # cut, zero-padded, renormalised
tx, tn, ty = tx.to(device), cut.to(device), ty.to(device)
with torch.no_grad():
    one_by_one = torch.cat([trained(tx[i:i + 1, :n]) for i, n in enumerate(tn.tolist())])  # (N, C)
    masked = trained(tx, tn)
    unmasked = trained(tx)
masked_change = (masked - one_by_one).abs().amax(1)  # (N,)
unmasked_change = (unmasked - one_by_one).abs().amax(1)
flipped = (unmasked.argmax(1) != one_by_one.argmax(1)).sum().item()
accuracy_reference = (one_by_one.argmax(1) == ty).float().mean().item()
accuracy_unmasked = (unmasked.argmax(1) == ty).float().mean().item()
confidence_change = (unmasked.softmax(1) - one_by_one.softmax(1)).gather(1, one_by_one.argmax(1, keepdim=True)).abs()
print(f"largest logit change with the mask:    {masked_change.max().item():.1e}")
print(f"largest logit change without the mask: {unmasked_change.max().item():.2f} "
      f"(mean {unmasked_change.mean().item():.2f}); {flipped} of {len(ty)} predictions flip; "
      f"accuracy {accuracy_unmasked:.3f} instead of {accuracy_reference:.3f}")
print(f"probability of the predicted class changes by up to {confidence_change.max().item():.2f} "
      f"(mean {confidence_change.mean().item():.3f})")
assert masked_change.max() < 1e-3
assert unmasked_change.max() > 10 * masked_change.max()

padding = 1 - tn.float().cpu() / tx.shape[1]
fig, ax = plt.subplots(figsize=(6, 3))
ax.scatter(padding, unmasked_change.cpu(), s=10, label="without mask")
ax.scatter(padding, masked_change.cpu(), s=10, label="with mask")
ax.set_xlabel("fraction of the batch row that is padding")
ax.set_ylabel("largest |logit change|")
ax.legend()
plt.tight_layout()
plt.show()
plt.close(fig)

# %% [markdown]
# With the mask, a padded batch gives the reference answer to float precision. Without it the logits move, and the
# more padding a row has, the more they move (the scatter): the model answers a different question ("what is this
# clip followed by silence?"). Whether a winning class flips depends on how close the classes are; the count above
# says how many did here. A model trained on masked batches and served without the mask (or the other way round) is
# quietly a different model.
#
# Why does the mask make it *exact*? Each conv output frame sees only its own 325 samples, and the tiny model
# normalises each frame on its own (`feat_extract_norm="layer"`), so the real frames come out the same; attention
# ignores padded frames; the mean skips them. The base model is different: its first conv normalises over the whole
# clip (`feat_extract_norm="group"`), padding included, and it was trained on zero-padded batches *without* a mask.
# That is why its feature extractor says `return_attention_mask=False`, and why `Wav2Vec2Classifier` follows what the
# checkpoint's extractor says (`use_attention_mask`). For such a model, batch clips of similar length.
#
# ## 6. Few-shot with a frozen encoder pretrained on another real set
#
# The claim to test: freeze a pretrained encoder, put a new head on it, and a handful of examples per class is enough.
# Offline, the nearest thing to pretraining is to train the tiny model on **another real set**, keep its encoder, and
# probe it on this one. For `voices` the encoder is pretrained on `instruments` (eleven instrument families, a few
# hundred notes); it never hears speech. Then, with `k` training clips per class drawn at random:
#
# - **frozen pretrained encoder + linear probe**: the encoder runs once, a linear layer is fitted to its pooled
#   features (`train_linear_probe`: convex, no seed);
# - **frozen random encoder + linear probe**: the same encoder *before* its pretraining (same seed, same initial
#   weights), the control that says how much of the probe's score is pretraining and how much is random conv features;
# - **from scratch**: the tiny Wav2Vec2 trained on the `k` clips (the whole validation split picks its best epoch, a
#   small help the probes do not get);
# - **baseline**: the time-averaged log-mel + linear, fitted on the same `k` clips.
#
# A seed fixes everything random in one run of the experiment: the pretraining, the random encoder, the clips drawn and
# the scratch model. Three seeds give three accuracies per recipe and per `k`.
#
# What favours transfer, and what does not. Pretraining helps when the new classes differ along the same features the
# pretraining needed. An earlier version of this notebook pretrained on five generated sounds and probed on their
# mirrored or re-pitched twins (a rising chirp, then a falling one): the encoder had learned exactly the features that
# tell the twins apart, which **favours transfer**. Here the step is far: music notes to speech, one soundfont to
# five voices. That is an honest test of a small pretraining, and a hard one.

# %%
PRETRAIN_DATA = "voices" if DATA == "instruments" else "instruments"  # another real set, never the one we probe
pretrain_data = normalised(load_clip_data(dataset=load_data(PRETRAIN_DATA)))
print(f"pretraining on {PRETRAIN_DATA}: {len(pretrain_data.labels)} classes, {len(pretrain_data.train[2])} training clips")
pretrain_runs = over_seeds(pretrain_data, names=("wav2vec2",), seeds=(0, 1, 2), epochs=8, keep_models=True)
display(Markdown(pretrain_runs.markdown()))

# %% [markdown]
# Those are the pretrained encoders, one per seed (the table says how well each learned its own task: the test
# instruments are ones it never heard). Now the probes, cheap because the frozen encoder runs once per seed:

# %%
SEEDS, SHOTS = (0, 1, 2), (1, 5)
ALL = "all"  # the whole training split
FROZEN, RANDOM, SCRATCH, BASELINE = ("frozen pretrained + probe", "frozen random + probe", "from scratch",
                                     "baseline (log-mel + linear)")
accuracy = {name: {k: [] for k in SHOTS + (ALL,)} for name in (FROZEN, RANDOM, SCRATCH, BASELINE)}


def probe_accuracy(encoder: Wav2Vec2Classifier, k, seed: int) -> float:
    """A linear probe on the frozen encoder's pooled features of k clips per class (ALL: every training clip)."""
    train = (encoder.pooled_features(data.train[0], data.train[1]), data.train[2])  # (N, D), (N,)
    if k != ALL:
        train = few_per_class(train, k, seed)  # the same clips over_seeds(per_class=k) draws for this seed
    probe = train_linear_probe(train[0], train[1], len(data.labels))
    with torch.no_grad():
        predicted = probe(encoder.pooled_features(data.test[0], data.test[1])).argmax(1)
    return (predicted == data.test[2]).float().mean().item()


for seed in SEEDS:
    pretrained = pretrain_runs.models[("wav2vec2", seed)]
    random_encoder = build_classifier("wav2vec2", pretrain_data.labels, seed=seed).to(device)  # = its start
    for k in SHOTS + (ALL,):
        accuracy[FROZEN][k].append(probe_accuracy(pretrained, k, seed))
        accuracy[RANDOM][k].append(probe_accuracy(random_encoder, k, seed))
for k in SHOTS:
    shots = over_seeds(data, names=("wav2vec2",), seeds=SEEDS, epochs=20, per_class=k, log=None)
    accuracy[SCRATCH][k], accuracy[BASELINE][k] = shots.accuracies("wav2vec2"), shots.baselines
accuracy[SCRATCH][ALL] = w2v_acc  # section 4's runs: the whole training split, the same seeds
accuracy[BASELINE][ALL] = [runs.baseline] * len(SEEDS)  # convex: one number

print(f"test accuracy on {DATA} ({len(data.labels)} classes, chance {chance:.3f}), mean ± std over {len(SEEDS)} seeds")
print(f"{'per class':>9} | " + " | ".join(f"{name:^26}" for name in accuracy) + " | frozen vs scratch | frozen vs random")
for k in SHOTS + (ALL,):
    row = " | ".join(f"{show(accuracy[name][k]):^26}" for name in accuracy)
    print(f"{k:>9} | {row} | z = {z_score(accuracy[FROZEN][k], accuracy[SCRATCH][k]):+5.1f}         "
          f"| z = {z_score(accuracy[FROZEN][k], accuracy[RANDOM][k]):+5.1f}")

fig, ax = plt.subplots(figsize=(6, 3.2))
xs = list(range(len(SHOTS) + 1))
for name, by_k in accuracy.items():
    means, stds = zip(*(mean_std(by_k[k]) for k in SHOTS + (ALL,)))
    ax.errorbar(xs, means, yerr=stds, marker="o", capsize=4, label=name)  # bars: ± 1 std over seeds
ax.axhline(chance, color="gray", ls=":", label="chance")
ax.set_xticks(xs, [str(k) for k in SHOTS] + [f"all ({len(data.train[2])})"])
ax.set_xlabel("training clips per class")
ax.set_ylabel(f"test accuracy ({DATA})")
ax.legend(fontsize=7)
plt.tight_layout()
plt.show()
plt.close(fig)

# %% [markdown]
# Read the table with the spread in mind (a gap is a finding only when |z| > 2):
#
# - **The baseline wins every row**, from one clip per class up: a log-mel spectrum is a strong "frozen encoder" for
#   this task, built by hand, and no learned tiny encoder here comes near it.
# - **Pretraining on instruments bought little, if anything, for speech.** Compare the frozen pretrained encoder with
#   the frozen *random* one (the same encoder before pretraining) and with training from scratch: with three seeds,
#   none of those gaps clears the spread (the z columns). Features learned from a few hundred notes of one soundfont
#   do not carry over to voices in any way three seeds can see.
# - **Few examples, large spread**: with one clip per class, which clip a seed draws moves every recipe a lot.
#
# What the notebook asserts is only what holds robustly:

# %%
frozen_all, frozen_all_std = mean_std(accuracy[FROZEN][ALL])
for k in SHOTS[1:] + (ALL,):  # from five clips per class up: the spectrum average beats the frozen tiny encoder
    assert z_score(accuracy[BASELINE][k], accuracy[FROZEN][k]) > 2, k
assert frozen_all > chance  # a probe on the frozen encoder's features, on every training clip, is above chance

# %% [markdown]
# So the few-shot claim is not a property of "a frozen encoder": it is a property of *what the encoder learned*. A
# small encoder pretrained on a few hundred clips of other sounds is a poor one; a hand-made spectrum beats it. The
# claim rests on a large encoder pretrained on the right kind of sound, which is what the next section loads.
# Twins of the pretraining classes (the earlier version) would have flattered it; a run with more seeds would only
# pin down the spreads, not change which features the encoder has.
#
# The probe above is the cheap way to train "only the head". The same thing with the model's own head and `fit`:
# `freeze_base_model()` stops gradients into the encoder, so only the head's parameters train (and, as section 2
# showed, that head is a linear classifier too).

# %%
seed_everything(0)
head_only = Wav2Vec2Classifier(data.labels, config, sample_rate=SR, num_samples=S)
head_only.encoder.load_state_dict(pretrain_runs.models[("wav2vec2", 0)].encoder.state_dict())
head_only.freeze_base_model()
print(f"trainable: {count_parameters(head_only, trainable_only=True):,} of {count_parameters(head_only):,} parameters")
head_history = fit(head_only, data.train, data.validation, epochs=10, lr=1e-2, seed=0, device=device, progress=False)
head_only_accuracy = evaluate(head_only, data.test, device=device)["accuracy"]
print(f"frozen pretrained encoder + the model's own head, trained with fit on every clip: {head_only_accuracy:.3f} "
      f"(one seed; the linear probe on the same encoder, seed 0: {accuracy[FROZEN][ALL][0]:.3f})")
assert all(not p.requires_grad for p in head_only.encoder.parameters())
assert torch.equal(head_only.encoder.feature_projection.projection.weight,
                   pretrain_runs.models[("wav2vec2", 0)].encoder.feature_projection.projection.weight)  # untouched

# %% [markdown]
# One seed, so a demonstration of the code path and not a comparison. If the two numbers differ, remember that they
# are two ways to fit the same kind of linear classifier: the probe solves its convex problem to the optimum on
# standardised features, while `fit` runs a few epochs of AdamW on the raw pooled features, from a random start.

# %% [markdown]
# ## 7. The real checkpoints: one switch
#
# Everything above used models small enough to train on a laptop CPU in seconds. The seed's advice is about large
# pretrained ones, and the code path is the same. With `ONLINE = True` at the top (or `COURSE_ONLINE=1` in the
# environment) the next cells download:
#
# - `facebook/wav2vec2-base`: the encoder pretrained on 960 hours of LibriSpeech without labels (95 M parameters, no
#   classification head). `Wav2Vec2Classifier.from_pretrained(name, labels=...)` keeps the encoder and makes a fresh
#   head for your classes; freeze it and probe it exactly as in section 6.
# - `superb/wav2vec2-base-superb-ks`: that encoder with a keyword-spotting head trained on Speech Commands (twelve
#   labels: ten words, `_silence_`, `_unknown_`), used through `pipeline("audio-classification")` with no training.
#
# Offline, **the same code** runs on local folders written with `save_pretrained`: the encoder pretrained on
# `instruments` above (seed 0) stands in for wav2vec2-base, and a tiny untrained model with the keyword spotter's
# labels and head layout (weighted layer sum, a 256-wide projector) stands in for the SUPERB model: its answers mean
# nothing, the code path is the point. Section 6's probe on the same encoder gives the offline check.

# %%
transformers_logging.disable_progress_bar()  # no download bars in the notebook
stand_ins = tempfile.TemporaryDirectory()    # offline: the local checkpoints live here until the end of the notebook
if online(ONLINE):
    encoder_source, keyword_source = "facebook/wav2vec2-base", "superb/wav2vec2-base-superb-ks"
else:
    encoder_source, keyword_source = f"{stand_ins.name}/encoder", f"{stand_ins.name}/keywords"
    pretrain_runs.models[("wav2vec2", 0)].save_pretrained(encoder_source)  # config.json, model.safetensors, extractor
    KEYWORDS = ["yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go", "_silence_", "_unknown_"]
    seed_everything(0)
    Wav2Vec2ForSequenceClassification(tiny_wav2vec2_config(
        use_weighted_layer_sum=True, classifier_proj_size=256, num_labels=len(KEYWORDS),
        id2label=dict(enumerate(KEYWORDS)), label2id={w: i for i, w in enumerate(KEYWORDS)})).save_pretrained(keyword_source)
    Wav2Vec2FeatureExtractor(do_normalize=True, return_attention_mask=False).save_pretrained(keyword_source)
print("encoder from", encoder_source if online(ONLINE) else "a local save_pretrained folder (instruments-pretrained tiny encoder)")

encoder_model = Wav2Vec2Classifier.from_pretrained(encoder_source, labels=data.labels).to(device).freeze_base_model()
print(f"{count_parameters(encoder_model):,} parameters, a fresh head for {encoder_model.labels}; "
      f"normalise input: {encoder_model.do_normalize}, attention mask: {encoder_model.use_attention_mask}")
checkpoint_probe = probe_accuracy(encoder_model, ALL, 0)
print(f"frozen {'wav2vec2-base' if online(ONLINE) else 'local encoder'} + linear probe on every training clip: "
      f"test accuracy {checkpoint_probe:.3f}")
if not online(ONLINE):  # the saved and reloaded encoder is section 6's seed-0 encoder: the same probe, the same answer
    assert checkpoint_probe == accuracy[FROZEN][ALL][0], (checkpoint_probe, accuracy[FROZEN][ALL][0])

# %% [markdown]
# The keyword spotter, through transformers' own `pipeline`: it reads the checkpoint's feature extractor (normalise
# each clip, 16 kHz) and returns labels with scores. The course's `Wav2Vec2Classifier.from_pretrained` loads the same
# folder; both must agree. With `DATA = "speech_commands"` the test words that are not among the ten keywords count as
# `_unknown_`, and the accuracy is meaningful; on other data only the code path is.

# %%
keyword_pipe = pipeline("audio-classification", model=keyword_source, top_k=None, device=device)
keyword_model = Wav2Vec2Classifier.from_pretrained(keyword_source).to(device)
assert SR == keyword_pipe.feature_extractor.sampling_rate  # load_data resampled every set to 16 kHz
n_pipe = min(50, len(raw_test[2]))
answers, agree = [], 0.0
for i in range(n_pipe):
    clip = raw_test[0][i, : raw_test[1][i]]
    scores = {r["label"]: r["score"] for r in keyword_pipe(clip.numpy(), function_to_apply="softmax")}
    with torch.no_grad():
        ours = keyword_model.probabilities(keyword_model(clip[None].to(device)))[0].cpu()
    agree = max(agree, max(abs(scores[label] - float(p)) for label, p in zip(keyword_model.labels, ours)))
    answers.append(max(scores, key=scores.get))
print(f"{len(keyword_model.labels)} labels {keyword_model.labels}")
print(f"pipeline vs Wav2Vec2Classifier on {n_pipe} test clips: largest score difference {agree:.1e}")
assert agree < 1e-4
if DATA == "speech_commands":
    truth = [data.labels[int(y)] for y in raw_test[2][:n_pipe]]
    truth = [w if w in keyword_model.labels else "_unknown_" for w in truth]
    print(f"keyword accuracy on {n_pipe} Speech Commands test clips: "
          f"{np.mean([a == t for a, t in zip(answers, truth)]):.3f}")
else:
    print(f"first test clip ({data.labels[int(raw_test[2][0])]!r}) heard as {answers[0]!r}"
          + ("" if online(ONLINE) else " (an untrained stand-in: this answer means nothing)"))
stand_ins.cleanup()

# %% [markdown]
# **What the full runs reach, and what they cost.**
# The `superb/wav2vec2-base-superb-ks` model card reports a test accuracy of 0.9623 in s3prl and 0.9643 in transformers on Speech Commands v1.0 (twelve classes).
# That is the SUPERB keyword spotting protocol (Yang et al. 2021, SUPERB): the wav2vec2-base encoder is **frozen** and only a light head on a
# weighted sum of its layers is trained, which is section 6's recipe with an encoder that learned from 960 hours of
# speech. The course's `speech_commands` is `v0.02` (more words), so expect close to that figure, not the same. Costs on a
# Colab GPU, qualitatively: downloading Speech Commands is the slow part (gigabytes of parquet, see
# `course_utils.data.hub`); the pipeline over a test split of a few thousand one-second clips takes minutes on a T4;
# probing the frozen encoder means one forward pass over the training clips (minutes to tens of minutes); fine-tuning
# the whole 95 M-parameter model for several epochs takes hours. On a CPU, classifying a few clips is quick, training
# on the full set is not practical.

# %%
record_result("05_wav2vec2_sequence_classification", data=DATA,
              test_accuracy=round(mean_std(w2v_acc)[0], 4), test_accuracy_std=round(mean_std(w2v_acc)[1], 4),
              cnn_test_accuracy=round(mean_std(cnn_acc)[0], 4), cnn_test_accuracy_std=round(mean_std(cnn_acc)[1], 4),
              baseline_accuracy=round(runs.baseline, 4),
              unnormalised_final_train_loss=round(raw_history.train_loss[-1], 4),
              accuracy_without_mask=round(accuracy_unmasked, 4),
              mean_logit_change_without_mask=round(unmasked_change.mean().item(), 4),
              **{f"fewshot_{key}_{k}": round(mean_std(accuracy[name][k])[0], 4)
                 for key, name in [("frozen", FROZEN), ("random", RANDOM), ("scratch", SCRATCH), ("baseline", BASELINE)]
                 for k in SHOTS + (ALL,)},
              **{f"fewshot_{key}_{k}_std": round(mean_std(accuracy[name][k])[1], 4)
                 for key, name in [("frozen", FROZEN), ("scratch", SCRATCH)] for k in SHOTS + (ALL,)},
              pretrain_accuracy=round(mean_std(pretrain_runs.accuracies("wav2vec2"))[0], 4),
              head_only_accuracy=round(head_only_accuracy, 4),
              train_seconds=round(float(np.mean([r["train_seconds"] for r in runs.rows if r["model"] == "wav2vec2"])), 1))

# %% [markdown]
# ## Self-check
#
# Answer each question for yourself before you open its answer.
#
# 1. How many encoder frames does wav2vec2-base make per second of 16 kHz audio, and what sets that number?
# <details><summary>Answer</summary>About 50 (one every 20 ms): the product of the feature encoder's convolution strides, 5·2·2·2·2·2·2 = 320 samples.</details>
#
# 2. Is transformers' sequence-classification head (projector, mean, classifier) more powerful than the seed's single `nn.Linear`?
# <details><summary>Answer</summary>No: with no nonlinearity in between, projector and classifier multiply into one linear map of the mean hidden state. It has more parameters, not more expressive power.</details>
#
# 3. A batch holds a 1-s clip padded to 3 s. What goes wrong if you mean-pool without the attention mask?
# <details><summary>Answer</summary>The padded frames are averaged in with the real ones, so the same clip gets a different embedding, and sometimes a different answer, depending on what it was batched with.</details>
#
# 4. The tiny Wav2Vec2 from scratch loses to the time-averaged log-mel baseline on `voices`. What would change that?
# <details><summary>Answer</summary>Pretraining: an encoder trained on thousands of hours of speech (wav2vec2-base) brings features a model cannot learn from a few dozen clips. The notebook's few-shot section shows that pretraining on a small set of *music* does not transfer to speech.</details>

# %% [markdown]
# ## Summary
#
# - Wav2Vec2 reads raw samples: a stack of strided convolutions makes one frame every 20 ms (stride 320, receptive field 400 samples for the base model), then a transformer turns the frames into hidden states.
# - `Wav2Vec2ForSequenceClassification` is projector (`classifier_proj_size`, 256 in the base model) -> masked mean over frames -> classifier. With no nonlinearity in between it collapses into the seed's single `nn.Linear(hidden, num_labels)` on the mean hidden state: the same kind of classifier, parametrised differently. `course_utils.models.heads` builds it from plain tensors and matches transformers to 1e-5.
# - Real recordings are quiet and their levels vary: without per-clip normalisation (`do_normalize`, what the pretrained checkpoints' feature extractors do) the first conv's bias drowns the signal and the tiny model does not learn.
# - On real speech (`voices`, one speaker per language), over three seeds, the tiny Wav2Vec2 trained from scratch learns something but loses to the time-averaged log-mel baseline by many spreads; the CNN comes much closer without beating it (the table in section 4). Eighty clips cannot teach a raw-waveform model a filterbank; that is what pretraining supplies.
# - Padding must be masked: with `lengths` a padded batch gives exactly the one-by-one answer; without, the logits move, the more the more padding (section 5 prints by how much). Group-norm encoders like wav2vec2-base are the exception: follow the checkpoint's `return_attention_mask`.
# - Few-shot over three seeds, with an encoder pretrained on real instrument notes and frozen, probed on languages: the spectrum-average baseline beats it in every row, from one clip per class up, and the pretrained encoder shows no gap over a random frozen one or training from scratch that the spread supports. The few-shot claim depends on what the encoder learned; twin classes would have flattered it.
# - `ONLINE = True` runs `facebook/wav2vec2-base` (frozen + probe) and the SUPERB keyword spotter (through `pipeline`) with the code the offline stand-ins run; its model card reports 0.9643 on Speech Commands v1.0.
#
# **Next:** `06_wav2vec2_frame_classification`: keep one prediction per 20 ms frame instead of pooling, for voice activity and sound-event detection.
