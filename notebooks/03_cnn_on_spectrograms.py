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
# # 03 · A CNN on spectrograms
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/audio-classification-course/audio-classification-course/blob/main/notebooks/03_cnn_on_spectrograms.ipynb)
#
# The first architecture the seed describes: draw the sound as a log-mel spectrogram, treat that
# picture as an image, and classify it with a convolutional network, either a small one trained from
# scratch or an image model whose last layer is swapped for our classes. Then the seed's warning,
# tested: a spectrogram is *not* quite an image, because moving it up or down changes the sound.
#
# **Learning goals**
#
# - Follow a clip through a CNN: waveform → log-mel "image" → conv blocks → pooling → logits, with the shapes.
# - Train, evaluate and save a classifier with the course's `fit` / `evaluate` / `predict` loop; read learning curves and a confusion matrix.
# - Reuse an image classifier: adapt its first convolution to one channel (the trick AST uses) and replace its head; compare training only the head with fine-tuning everything.
# - See and hear why a vertical shift of a spectrogram is not a harmless image transform, and what global pooling does with frequency position.

# %%
# Setup: in Colab, install the course package; locally this does nothing.
import sys
if "google.colab" in sys.modules:
    # %pip install -q "course-utils @ git+https://github.com/audio-classification-course/audio-classification-course@main"

# %%
import tempfile
import time
from pathlib import Path

import librosa
import matplotlib.pyplot as plt
import torch
from IPython.display import Audio, display
import transformers
from transformers import ResNetForImageClassification

from course_utils.audio import save_audio
from course_utils.augment import vertical_roll
from course_utils.compare import load_clip_data, over_seeds
from course_utils.data import CLIP_CLASSES, PITCH_PAIRS, clip_tensors, load_data, make_clip_dataset, select_classes
from course_utils.env import get_device, online, seed_everything
from course_utils.metrics import accuracy
from course_utils.checkpoints import load_classifier, save_classifier
from course_utils.inference import predict
from course_utils.models import count_parameters
from course_utils.models.cnn import (ImageModelClassifier, SpectrogramCNN, first_conv, load_image_model,
                                     replace_classifier, tiny_resnet_config, to_one_channel)
from course_utils.notebook import record_result
from course_utils.plot import misclassified_gallery, plot_confusion_matrix, plot_learning_curves
from course_utils.seeds import mean_std, show, z_against, z_score
from course_utils.train import evaluate, fit

transformers.utils.logging.disable_progress_bar()  # no loading bars from transformers in the outputs
seed_everything(0)
device = get_device()
if device.type == "cpu":  # the thread count changes the last digits of trained numbers: fix it (05 says more)
    torch.set_num_threads(2)
print("device:", device.type)

# %% [markdown]
# ## Which data
#
# Most of this notebook uses the course's generated clips: with sounds made to order, each point
# (a pitch pair, a vertical shift, what pooling keeps) is as clean as it can be. The section
# "Real sound" near the end trains the same models on recordings, picked by one setting:
#
# - `"instruments"` (the default): real notes of 11 instrument families, rendered from a free
#   General MIDI soundfont; the test instruments are never heard in training;
# - `"voices"`: real recorded speech in 5 languages (one speaker per language, so speaker = language);
# - `"synthetic"`: the generated clips again (every model scores near the top on them);
# - `"esc50"`, `"speech_commands"`: the hub sets (environmental sounds, spoken words); they download,
#   so they need `ONLINE = True` (or `COURSE_ONLINE=1` in the environment);
# - `"folder:<path>"`: your own sounds, one sub-folder per label (the audiofolder layout of notebook 08).
#
# `ONLINE = None` leaves the choice to the environment variable `COURSE_ONLINE` (unset: offline).
# Online, the image model of the real-sound section also starts from the real ImageNet
# `microsoft/resnet-18` instead of the small checkpoint this notebook makes for itself.

# %%
DATA = "instruments"  # "synthetic" | "instruments" | "voices" | "esc50" | "speech_commands" | "folder:<path>"
ONLINE = None         # None: $COURSE_ONLINE decides; True lets the hub sets and checkpoints download
print(f"DATA = {DATA!r}, online: {online(ONLINE)}")

# %% [markdown]
# ## The data, as pictures
#
# The course's clip set: ten classes of generated sounds, 100 clips each, split 70/15/15.
# The clips last 0.4 to 1 s; `clip_tensors(..., num_samples=16000)` zero-pads every clip to 1 s
# (16 000 samples, the length the models below are built for) and gives us plain tensors.

# %%
ds = make_clip_dataset()
train_x, _, train_y = clip_tensors(ds["train"], num_samples=16000)  # (700, 16000), lengths, (700,)
val_x, _, val_y = clip_tensors(ds["validation"], num_samples=16000)
test_x, _, test_y = clip_tensors(ds["test"], num_samples=16000)
SR = 16000
print("train", tuple(train_x.shape), "validation", tuple(val_x.shape), "test", tuple(test_x.shape))
print("classes:", CLIP_CLASSES)

# %% [markdown]
# The model's front-end turns each clip into a log-mel spectrogram: 32 mel bands every 20 ms.
# That is coarser than the 64 bands every 10 ms of notebook 02, and still plenty to tell these
# sounds apart; it is four times fewer pixels for the CNN to convolve. One example per class:

# %%
cnn = SpectrogramCNN(CLIP_CLASSES)
with torch.no_grad():
    first = [int((train_y == c).nonzero()[0]) for c in range(len(CLIP_CLASSES))]
    specs = cnn.features(train_x[first])  # (10, n_mels, frames)
print("one 'image':", tuple(specs.shape[1:]), "(mel bands, frames)")
fig, axes = plt.subplots(2, 5, figsize=(11, 4), sharex=True, sharey=True)
for ax, spec, name in zip(axes.flat, specs, CLIP_CLASSES):
    ax.imshow(spec.numpy(), origin="lower", aspect="auto", cmap="magma")
    ax.set_title(name, fontsize=9)
fig.supxlabel("frame (20 ms)")
fig.supylabel("mel band")
fig.tight_layout()
plt.show()
plt.close(fig)

# %% [markdown]
# ## A small CNN, block by block
#
# `SpectrogramCNN` (in `course_utils/models/cnn.py`, worth reading top to bottom) stacks three
# *conv blocks*: a 3×3 convolution, batch norm, ReLU and a 2×2 max pool, which halves both axes.
# The channels grow 1 → 16 → 32 → 64 while the picture shrinks. Then **global average pooling**
# averages each of the 64 feature maps over the whole picture, and one linear layer maps those
# 64 numbers to 10 class scores. Here are the shapes, one block at a time:

# %%
cnn.eval()  # batch norm uses its running statistics, dropout is off
with torch.no_grad():
    x = cnn.input_norm(specs[:2, None])  # (batch, channel, mel, frame)
    print(f"{'log-mel image':>16}: {tuple(x.shape)}")
    for i, block in enumerate(cnn.blocks):
        x = block(x)
        print(f"{'after block ' + str(i + 1):>16}: {tuple(x.shape)}")
    pooled = x.mean(dim=(2, 3))
    print(f"{'global pooling':>16}: {tuple(pooled.shape)}")
    print(f"{'logits':>16}: {tuple(cnn.head(pooled).shape)}")
    torch.testing.assert_close(cnn.eval()(train_x[first[:2]]), cnn.head(pooled))  # the same as the model's forward
print(f"{count_parameters(cnn):,} parameters")

# %% [markdown]
# ### Your turn: the feature map's shape
#
# The printout above follows the 1-s pictures through the three blocks. Predict before you write: a
# 2-s clip gives 101 frames of 32 mel bands; what shape leaves the third block? Then write
# `feature_map_shape(n_mels, frames, channels)`: the shape `(channels, mel rows, frames)` of the feature
# map after the conv blocks (no batch axis), for a picture of `n_mels` × `frames` and one block per entry
# of `channels` (the blocks' widths, e.g. `(16, 32, 64)`). `conv_block` in `course_utils/models/cnn.py`
# says what one block does to each axis. The check tries odd frame counts too.

# %%
from course_utils.exercises import check


def feature_map_shape(n_mels: int, frames: int, channels: tuple[int, ...]) -> tuple[int, int, int]:
    """(channels, mel rows, frames) after one conv block per entry of `channels`."""
    ...  # your answer here


check("03.feature_map_shape", feature_map_shape)

# %% [markdown]
# ## Training
#
# `fit` is a plain PyTorch loop (`course_utils/train.py`): shuffle with a seeded generator, forward,
# cross-entropy, backward, AdamW step; after each epoch it scores the validation set, remembers the
# best weights and stops early when validation loss stops improving (`patience`). On a GPU it runs
# under mixed precision. (`max_seconds=` would add a time budget; we leave it out so that the result
# does not depend on how busy the machine is.) The line under the cell says how long the 12 epochs took here.

# %%
seed_everything(0)
cnn = SpectrogramCNN(CLIP_CLASSES)
start = time.perf_counter()
history = fit(cnn, (train_x, train_y), (val_x, val_y), epochs=12, lr=3e-3, batch_size=32,
              patience=4, device=device)
train_seconds = time.perf_counter() - start
print(f"{len(history)} epochs in {train_seconds:.0f} s ({history.samples_per_second:.0f} clips/s); "
      f"stopped because: {history.stopped_because}; best epoch: {history.best_epoch + 1}")
plot_learning_curves(history, title="SpectrogramCNN on the clip set")

# %% [markdown]
# The validation loss falls fast in the first epochs and then levels off. Read small ups and downs
# with care: with 150 validation clips, one clip is a 150th of the accuracy. The weights we keep
# are those of the best validation epoch (the dotted line).
# Now the test set, which played no part in training or in choosing the epoch:

# %%
scores = evaluate(cnn, (test_x, test_y))
test_accuracy = scores["accuracy"]
print(f"test accuracy {test_accuracy:.3f}, macro-F1 {scores['macro_f1']:.3f}")
assert test_accuracy >= 0.95, test_accuracy
plot_confusion_matrix(scores["confusion"], CLIP_CLASSES, title="SpectrogramCNN, test set")

# %% [markdown]
# Rows are the true class, columns the prediction; the diagonal is what the model got right.
# The pairs built to be confusable (the two horns, an octave apart; `chirp_up`/`chirp_down`,
# `ding_dong`/`dong_ding`, each the other played backwards) are separated: a spectrogram shows
# both pitch and time order. Listen to the clips the model got wrong, or, when there are none, to
# the ones it was least sure about:

# %%
wrong = misclassified_gallery(test_x, test_y, scores["predictions"], CLIP_CLASSES, SR, show=False)
confidence = scores["probabilities"].max(dim=1).values
unsure = confidence.argsort()[:3].tolist()
print(f"{len(wrong)} misclassified test clips; least confident: "
      + ", ".join(f"#{i} ({confidence[i]:.2f})" for i in unsure))
shown = misclassified_gallery(test_x, test_y, scores["predictions"], CLIP_CLASSES, SR,
                              probabilities=scores["probabilities"], max_items=3,
                              indices=wrong[:3] if wrong else unsure)

# %% [markdown]
# ## Save, reload, predict
#
# A trained classifier is two small files (`course_utils.checkpoints`): the weights (safetensors:
# tensors only, no pickled code) and a JSON with the class name, its constructor settings, the
# labels, the sample rate and the clip length. `load_classifier` rebuilds the model from them, so a
# fresh kernel can predict: `predict` (`course_utils.inference`) reads a file (or takes an array),
# resamples it to the model's rate, pads or cuts it to one second and returns
# `model.probabilities`. (The AST and Wav2Vec2 classifiers of notebooks 04-05 save as transformers
# folders instead, which transformers' own `from_pretrained` and `pipeline` read.)

# %%
with tempfile.TemporaryDirectory() as tmp:
    folder = save_classifier(cnn, Path(tmp) / "clip_cnn")
    print(sorted(p.name for p in folder.iterdir()))
    reloaded = load_classifier(folder)
    clip = test_x[0]
    wav = save_audio(Path(tmp) / "clip.wav", clip, SR, subtype="FLOAT")
    probs = predict(reloaded, wav)
torch.testing.assert_close(probs, predict(cnn, clip), rtol=1e-4, atol=1e-4)  # GPU vs CPU: last digits may differ
top = probs.argsort(descending=True)[:3]
print("true:", CLIP_CLASSES[test_y[0]], "| predicted:", ", ".join(f"{CLIP_CLASSES[i]} {probs[i]:.2f}" for i in top))

# %% [markdown]
# ## Swapping the head of an image model
#
# The seed's recipe for using a big image model: take a network trained on ImageNet (ResNet, VGG,
# ViT), feed it the spectrogram, **replace the last fully connected layer** (1000 ImageNet classes)
# with a new one for your classes, and fine-tune. Online, step 1 is
# `load_image_model("microsoft/resnet-18")`. Two adaptations are needed:
#
# 1. **One channel instead of three.** ImageNet models take RGB. The first convolution computes
#    `W_r * x_r + W_g * x_g + W_b * x_b`; if we feed the grey spectrogram three times, that is
#    `(W_r + W_g + W_b) * x`. So a 1-channel convolution whose kernel is the *sum* of the three
#    kernels gives exactly the same result, at a third of the cost, and keeps every pretrained
#    weight. AST does this to start its patch embedding from ImageNet ViT weights (the paper says
#    "average"; averaging divides by 3, a scale the following layers absorb).
# 2. **A new head**: `nn.Linear(features, num_classes)`, randomly initialised.
#
# This machine cannot download `microsoft/resnet-18`, so we make the transfer experiment honest
# another way: we *pretrain* a small ResNet (the same architecture family, scaled down) on half of
# our classes, save it with `save_pretrained` exactly as the hub stores a checkpoint, and reuse it
# for the other half.

# %%
task_a, task_b = CLIP_CLASSES[:5], CLIP_CLASSES[5:]
print("pretraining classes:", task_a)
print("new task classes:   ", task_b)


seed_everything(0)
rgb_resnet = replace_classifier(ResNetForImageClassification(tiny_resnet_config()), task_a)
pretrained = ImageModelClassifier(task_a, image_model=rgb_resnet)  # grey spectrogram repeated as RGB
print(f"small ResNet: {count_parameters(pretrained):,} parameters; first conv takes "
      f"{first_conv(pretrained.image_model).in_channels} channels")
start = time.perf_counter()
h_pre = fit(pretrained, select_classes((train_x, train_y), task_a, all_classes=CLIP_CLASSES),
            select_classes((val_x, val_y), task_a, all_classes=CLIP_CLASSES), epochs=6, lr=3e-3, batch_size=32,
            device=device)
acc_pre = evaluate(pretrained, select_classes((test_x, test_y), task_a, all_classes=CLIP_CLASSES))["accuracy"]
print(f"pretraining on task A: test accuracy {acc_pre:.3f} ({time.perf_counter() - start:.0f} s)")

checkpoint = Path(tempfile.mkdtemp()) / "resnet-pretrained"
pretrained.image_model.save_pretrained(checkpoint)  # what the hub holds for microsoft/resnet-18

# %% [markdown]
# Reload it the way you would load `microsoft/resnet-18`, make it one-channel and check that the
# summed kernel really computes the same thing as the grey-as-RGB input:

# %%
image_model = load_image_model(str(checkpoint)).to(device).eval()  # online: load_image_model("microsoft/resnet-18")
grey = torch.randn(4, 1, 32, 51, device=device)
with torch.no_grad():
    as_rgb = image_model(pixel_values=grey.expand(-1, 3, -1, -1)).logits
    to_one_channel(image_model)
    as_grey = image_model(pixel_values=grey).logits
torch.testing.assert_close(as_grey, as_rgb, rtol=1e-3, atol=1e-3)
print("first conv now:", first_conv(image_model))
print("same outputs for a grey picture: max difference", f"{(as_grey - as_rgb).abs().max():.1e}")

# %% [markdown]
# Now the new task: the other five classes, with only **8 training clips per class** (the situation
# where transfer matters). Three ways to train, same data, same number of epochs:
#
# - **head only**: the pretrained network frozen (weights and batch-norm statistics), only the new `Linear` learns;
# - **fine-tune all**: start from the pretrained weights, train everything with a smaller learning rate;
# - **from scratch**: the same architecture, random weights.

# %%
few_train = select_classes((train_x, train_y), task_b, all_classes=CLIP_CLASSES, per_class=8)
b_val, b_test = (select_classes(part, task_b, all_classes=CLIP_CLASSES) for part in ((val_x, val_y), (test_x, test_y)))


def new_task_model(start_from_pretrained: bool):
    if start_from_pretrained:
        net = to_one_channel(load_image_model(str(checkpoint)))
    else:
        net = ResNetForImageClassification(tiny_resnet_config(num_channels=1))
    return ImageModelClassifier(task_b, image_model=replace_classifier(net, task_b))


transfer = {}
for name, from_pretrained, frozen, lr in [("head only", True, True, 1e-2), ("fine-tune all", True, False, 1e-3),
                                          ("from scratch", False, False, 3e-3)]:
    seed_everything(0)
    model = new_task_model(from_pretrained).freeze_backbone(frozen)
    h = fit(model, few_train, b_val, epochs=20, lr=lr, batch_size=8, device=device)
    transfer[name] = {"trainable": count_parameters(model, trainable_only=True),
                      "test accuracy": evaluate(model, b_test)["accuracy"], "seconds": h.total_seconds}
print(f"{'':>14} {'trainable params':>17} {'test acc':>9}")
for name, r in transfer.items():
    print(f"{name:>14} {r['trainable']:>17,} {r['test accuracy']:>9.3f}")
print(f"one seed each; {len(b_test[1])} test clips, so one clip is {1 / len(b_test[1]):.3f} of accuracy")

# %% [markdown]
# Read the table with the trainable-parameter column in mind. Training only the head moves a few
# hundred weights on top of features learned from *other* sounds: cheap, hard to overfit, but only
# as good as those features are for the new classes. Fine-tuning everything starts from the same
# features and adapts them. From scratch has to learn everything from 40 clips. On these generated
# sounds all three end near the top, a clip or two apart, with one seed each: a gap that small is
# not a finding, so this table ranks nothing. (The real-sound section below asks the same
# question, checkpoint or scratch, over three seeds on real instruments.) Our "pretraining" was
# five classes and a few hundred clips. A real ImageNet ResNet-18 has seen ImageNet's training set,
# 1.3 million photos (Russakovsky et al., 2015): its early layers detect edges and
# textures that also appear in spectrograms (onsets are vertical edges, harmonics horizontal
# stripes), which is why AST and many audio CNNs start from image weights; its later layers are
# tuned to objects in photos, so fine-tuning everything usually wins once you have a few thousand
# clips, while a frozen ImageNet backbone plus a new head is a quick, strong baseline.
#
# ## A spectrogram is not an image: the vertical shift
#
# In a photo, a cat moved up a few pixels is still a cat, and image models are built to shrug off
# such shifts. In a spectrogram, *up* is *higher frequency*. Shift a horn's picture up by 6 mel
# bands and turn it back into sound (Griffin-Lim phase reconstruction, librosa): it does not sound
# like the same horn played higher, because the mel axis is not a musical scale and the harmonics,
# moved by the same number of bands, are no longer multiples of one fundamental.

# %%
horn_low, horn_high = PITCH_PAIRS[0]
clip = test_x[int((test_y == CLIP_CLASSES.index(horn_low)).nonzero()[0])]
higher = test_x[int((test_y == CLIP_CLASSES.index(horn_high)).nonzero()[0])]
with torch.no_grad():
    spec = cnn.features(clip[None])[0].cpu()  # (mel, frames) in dB
shifted = vertical_roll(spec, 6)


def to_sound(db):
    """Griffin-Lim inversion of a log-mel spectrogram made by the model's front-end."""
    power = 10.0 ** (db.double().numpy() / 10.0)
    wave = librosa.feature.inverse.mel_to_audio(power, sr=SR, n_fft=cnn.config["n_fft"], hop_length=cnn.config["hop_length"],
                                                power=2.0, n_iter=32, htk=True, norm=None)
    return 0.9 * wave / abs(wave).max()


with torch.no_grad():
    real_high = cnn.features(higher[None])[0].cpu()
fig, axes = plt.subplots(1, 3, figsize=(10, 2.8), sharey=True)
for ax, s, title in zip(axes, (spec, shifted, real_high),
                        (f"{horn_low}", f"{horn_low} shifted up 6 bands", f"a real {horn_high}")):
    ax.imshow(s.numpy(), origin="lower", aspect="auto", cmap="magma")
    ax.set_title(title, fontsize=9)
axes[0].set_ylabel("mel band")
fig.tight_layout()
plt.show()
plt.close(fig)
for title, s in ((horn_low, spec), ("shifted up 6 bands", shifted), (f"a real {horn_high}", real_high)):
    print(title)
    display(Audio(to_sound(s), rate=SR))

# %% [markdown]
# ## What global pooling does with frequency position
#
# Global average pooling throws away *where* in the picture a feature fired. Along time that is
# what we want. Along frequency it makes the network *tolerant* to vertical shifts, and for sound
# that tolerance is blindness to position, which is pitch. The remedy is one line: pool over time
# only and hand the head every frequency row (`SpectrogramCNN(labels, config={"pooling": "time"})`), so the head knows
# *where* each pattern sits. Let us train that variant and measure both models on test clips
# shifted up or down by a few mel bands (`vertical_roll`), on all classes and on the pitch pair.

# %%
seed_everything(0)
cnn_time = SpectrogramCNN(CLIP_CLASSES, config={"pooling": "time"})
h_time = fit(cnn_time, (train_x, train_y), (val_x, val_y), epochs=12, lr=3e-3, batch_size=32, patience=4,
             device=device)
acc_time = evaluate(cnn_time, (test_x, test_y))["accuracy"]
print(f"pool over time only: test accuracy {acc_time:.3f} (global pooling: {test_accuracy:.3f}); "
      f"head sees {cnn_time.head.in_features} numbers instead of {cnn.head.in_features}")

lo, hi = CLIP_CLASSES.index(horn_low), CLIP_CLASSES.index(horn_high)
shifts = [-8, -6, -4, -2, 0, 2, 4, 6, 8]
results = {}
with torch.no_grad():
    for name, model in (("global pooling", cnn), ("pool over time", cnn_time)):
        model.eval()
        spec_test = model.features(test_x.to(device))  # (N, mel, frames)
        rows = []
        for k in shifts:
            pred = model.classify_spectrogram(vertical_roll(spec_test, k)).argmax(1).cpu()
            horns = (test_y == lo) | (test_y == hi)
            rows.append({"all": accuracy(pred, test_y), "horns": accuracy(pred[horns], test_y[horns])})
        results[name] = rows

fig, axes = plt.subplots(1, 2, figsize=(9, 3), sharey=True)
for ax, key, title in zip(axes, ("all", "horns"), ("all classes", f"{horn_low} / {horn_high}")):
    for name, rows in results.items():
        ax.plot(shifts, [r[key] for r in rows], "o-", label=name)
    ax.set(xlabel="vertical shift (mel bands)", title=title, ylim=(0, 1.02))
    ax.grid(alpha=0.3)
axes[0].set_ylabel("accuracy (true label)")
axes[0].legend(fontsize=8)
fig.tight_layout()
plt.show()
plt.close(fig)
at = {name: {k: r for k, r in zip(shifts, rows)} for name, rows in results.items()}
print("accuracy on the horns, shifted 8 bands:",
      {name: round((a[8]["horns"] + a[-8]["horns"]) / 2, 2) for name, a in at.items()})

# %% [markdown]
# Read the two curves as two different attitudes to frequency position. The globally pooled CNN
# keeps more of its accuracy when the picture is shifted: it recognises the *shape* of a sound
# wherever it sits, as an image model recognises a cat anywhere in the photo. The time-pooled CNN
# loses accuracy much faster: its decision depends on *where* the energy is, so a shifted horn is
# no longer "the same" horn, and that is the correct attitude for audio, where a shift changes
# the sound.
#
# The seed's warning is sharper than "accuracy drops": a vertical shift can turn one class into
# another. What is a `horn_low` clip, moved up a few bands, predicted as? And how many bands is an
# octave on this picture? An octave doubles every frequency; the mel scale is close to linear
# below about 1 kHz and close to logarithmic above, so an octave moves a low harmonic by fewer
# bands than a high one, while a vertical shift moves all of them by the same number of bands.

# %%
low_clips = test_x[test_y == lo].to(device)
as_high = {}
with torch.no_grad():
    for name, model in (("global pooling", cnn), ("pool over time", cnn_time)):
        spec_low = model.features(low_clips)  # (clips, mel, frames)
        as_high[name] = {k: float((model.classify_spectrogram(vertical_roll(spec_low, k)).argmax(1) == hi).float().mean())
                         for k in range(0, 9)}
band = librosa.hz_to_mel(SR / 2, htk=True) / (cnn.config["n_mels"] + 1)  # the mel distance between two bands
print("an octave on this mel axis: " + ", ".join(
    f"{(librosa.hz_to_mel(2 * f, htk=True) - librosa.hz_to_mel(f, htk=True)) / band:.1f} bands from {f} Hz"
    for f in (200, 2000)))
for name, fraction in as_high.items():
    k = max(fraction, key=fraction.get)
    print(f"{name}: {horn_low} shifted up {k} bands is predicted {horn_high} for {fraction[k]:.0%} of its "
          f"{len(low_clips)} test clips (unshifted: {fraction[0]:.0%})")
assert max(as_high["pool over time"].values()) > 0.5  # a shift that keeps the label for the picture changes it for the model

# %% [markdown]
# Both models say the same thing: shifted up by a few bands, close to what an octave is at the
# bottom of the picture (the first line), most `horn_low` clips are called `horn_high`. The models
# decide mostly from where the low harmonics sit. Train with random vertical shifts as "image augmentation", and some of the clips
# labelled `horn_low` look exactly like that: the augmentation writes wrong labels. (Shifted
# further, the horn stops looking like either horn: its harmonics no longer line up as one
# fundamental's multiples, as the Griffin-Lim clips above let you hear.)
#
# Global pooling does not make a CNN blind to position either: the picture has edges, marked by
# the convolutions' zero padding, and after three blocks every feature sees a large part of the
# frequency axis, so "this pattern sits just above the bottom edge" survives the pooling. The
# lesson for augmentation (notebook 07): a vertical shift is not a label-preserving "image"
# augmentation when pitch is the label. When pitch is a nuisance, as in the real set below, the
# same tolerance is what we want.

# %%
drop_global = at["global pooling"][0]["all"] - (at["global pooling"][8]["all"] + at["global pooling"][-8]["all"]) / 2
drop_time = at["pool over time"][0]["all"] - (at["pool over time"][8]["all"] + at["pool over time"][-8]["all"]) / 2
print(f"accuracy lost to an 8-band shift: global pooling {drop_global:.2f}, pool over time {drop_time:.2f}")
assert acc_time >= 0.9, acc_time
assert drop_time > drop_global, (drop_time, drop_global)  # keeping frequency position makes the model position-aware

# %% [markdown]
# ### Your turn: from the feature map to logits
#
# The last step of `SpectrogramCNN`, by you. Write `pool_and_classify(feature_map, head, pooling)`: the
# conv blocks' output `(B, C, F, T)` and the model's `head` (an `nn.Linear`) in, the logits
# `(B, num_classes)` out. With `pooling="global"`, average over frequency and time, as in the
# block-by-block printout near the top; with `pooling="time"`, average over time only and hand the head
# every frequency row, C × F numbers per clip (the time-pooled CNN's head above takes that many). The
# check compares with the course CNN's own `pool` followed by the same head, so
# the order in which you lay out those C × F numbers matters: it is the order the head's weights expect.

# %%
def pool_and_classify(feature_map: torch.Tensor, head: torch.nn.Linear, pooling: str) -> torch.Tensor:
    """(B, C, F, T) -> pooled -> head -> (B, num_classes); pooling is "global" or "time"."""
    ...  # your answer here


check("03.pool_and_classify", pool_and_classify)

# %% [markdown]
# ## Real sound: instruments never heard in training
#
# Every model in this notebook scores near the top on the generated clips, and that says little:
# the test clips come from the same recipes as the training clips, and the classes were built to be
# told apart. A model only has to learn the recipe. Real sound asks more. `DATA` (set at the top)
# picks the set; by default it is `instruments`: one-second notes of 11 instrument families
# (NSynth's families: keyboard, mallet, organ, guitar, bass, string, brass, reed, flute, synth lead,
# vocal), rendered from the FluidR3 General MIDI soundfont (MIT license; `data/README.md` has the
# details). Two things make it hard, on purpose:
#
# - **The split is by instrument** (GM program), as in NSynth: each family has a few instruments
#   for training, another for validation and another for test. A test note is played by an
#   instrument the model has never heard; it must have learned what makes a *family* (a bowed
#   string, a reed, a struck bar), not what one sampled instrument sounds like.
# - **Pitch is a nuisance.** Every family plays notes across the same range, so pitch says nothing
#   about the label: the converse of the horn pair above, where pitch was the label.
#
# `load_data(DATA, online=ONLINE)` returns the same DatasetDict as `make_clip_dataset`, and
# `load_clip_data` turns it into tensors (`ClipData`: train, validation, test, labels, sample rate).

# %%
real_ds = load_data(DATA, online=ONLINE)
real = load_clip_data(dataset=real_ds)
chance = 1 / len(real.labels)
print(f"DATA = {DATA!r}: {len(real.labels)} classes, train / validation / test = "
      f"{len(real.train[2])} / {len(real.validation[2])} / {len(real.test[2])} clips of "
      f"{real.train[0].shape[1] / real.sample_rate:.2f} s at {real.sample_rate} Hz; chance {chance:.3f}")
if "instrument" in real_ds["train"].column_names:  # the instruments set: who plays in which split?
    columns = {split: real_ds[split].select_columns(["label", "instrument"])[:] for split in ("train", "test")}
    for family in real.labels[:3]:
        heard = {split: sorted({who for label, who in zip(col["label"], col["instrument"])
                                if real.labels[label] == family}) for split, col in columns.items()}
        print(f"  {family:>9}: trained on {', '.join(heard['train'])}; tested on {', '.join(heard['test'])}")

# %% [markdown]
# Listen before modelling. One note from a training instrument and one from the unseen test
# instrument, for three families, with the log-mel picture the CNN sees:

# %%
listen = [real.labels[i] for i in (0, len(real.labels) // 2, len(real.labels) - 1)]
picker = SpectrogramCNN(real.labels, sample_rate=real.sample_rate, num_samples=real.train[0].shape[1])
fig, axes = plt.subplots(2, len(listen), figsize=(10, 4.2), sharex=True, sharey=True)
players = []
for col, family in enumerate(listen):
    c = real.labels.index(family)
    for row, (split, part) in enumerate((("train", real.train), ("test", real.test))):
        i = int((part[2] == c).nonzero()[0])
        meta = real_ds[split][i]
        who = next((str(meta[k]) for k in ("instrument", "speaker", "clip_id") if k in meta), "")  # what the set records
        title = f"{family} ({split}): {who}" + (f", MIDI {meta['pitch']}" if "pitch" in meta else "")
        with torch.no_grad():
            axes[row, col].imshow(picker.features(part[0][i][None])[0].numpy(), origin="lower", aspect="auto",
                                  cmap="magma")
        axes[row, col].set_title(title, fontsize=8)
        players.append((title, part[0][i][: part[1][i]].numpy()))
fig.supxlabel("frame (20 ms)")
fig.supylabel("mel band")
fig.tight_layout()
plt.show()
plt.close(fig)
for title, wave in players:
    print(title)
    display(Audio(wave, rate=real.sample_rate))

# %% [markdown]
# Now the models, each over three seeds (the seed draws the initial weights and the batch order;
# its spread is what you would see if you reran the notebook), with the course's baseline beside
# them: a linear classifier on the **time-averaged log-mel** (each clip's average spectrum, its
# "colour"; `course_utils.baseline`). A model worth its convolutions should beat it by more than
# its own spread.
#
# First the `SpectrogramCNN`, through `course_utils.compare.over_seeds`: for each seed it trains a
# fresh CNN with `fit` (20 epochs, the weights of the best validation epoch kept) and scores it on
# the test set; it fits the baseline on the same split.

# %%
SEEDS = (0, 1, 2)
cnn_runs = over_seeds(real, names=("cnn",), seeds=SEEDS, device=device)
baseline = cnn_runs.baseline
cnn_real = cnn_runs.accuracies("cnn")
print(f"SpectrogramCNN {show(cnn_real)}; baseline {baseline:.3f}; chance {chance:.3f}")

# %% [markdown]
# Then the head-swapped image model, written out so that each step shows: load the checkpoint
# (the small ResNet pretrained on five generated classes above; online, the ImageNet
# `microsoft/resnet-18`), make it one-channel, give it a new head for these classes, fine-tune
# everything. Beside it, the same architecture with random weights, trained from scratch. Both get
# the same settings (learning rate, epochs, batches), so the starting weights are the only
# difference: did the checkpoint help?

# %%
IMAGE_CHECKPOINT = "microsoft/resnet-18" if online(ONLINE) else str(checkpoint)
IMAGE_EPOCHS, IMAGE_LR = 10, 3e-3  # the learning rate this ResNet was pretrained with above


def real_image_model(pretrained: bool) -> ImageModelClassifier:
    net = load_image_model(IMAGE_CHECKPOINT)  # the checkpoint's architecture and weights
    if not pretrained:
        net = ResNetForImageClassification(net.config)  # the same architecture, random weights
    net = replace_classifier(to_one_channel(net), real.labels)  # one channel in, one output per class
    return ImageModelClassifier(real.labels, image_model=net, sample_rate=real.sample_rate,
                                num_samples=real.train[0].shape[1])


image_real = {"fine-tuned": [], "from scratch": []}
image_seconds = []
for seed in SEEDS:
    for name, pretrained in (("fine-tuned", True), ("from scratch", False)):
        torch.manual_seed(seed)  # the new head's weights (and, from scratch, all the others)
        model = real_image_model(pretrained)
        h = fit(model, real.train, real.validation, epochs=IMAGE_EPOCHS, lr=IMAGE_LR, batch_size=32, seed=seed,
                device=device, progress=False)
        image_real[name].append(evaluate(model, real.test, device=device)["accuracy"])
        image_seconds.append(h.total_seconds)
        print(f"image model {name:>12}, seed {seed}: test accuracy {image_real[name][-1]:.3f} "
              f"(best epoch {h.best_epoch + 1} of {IMAGE_EPOCHS}, {h.total_seconds:.0f} s)")

# %% [markdown]
# The table: mean ± std over the seeds, and z, how many of the model's own standard deviations
# its mean lies above the baseline (`z_against`; the baseline is a convex fit, with no seed). The
# course counts a difference as a finding when |z| > 2.

# %%
table = {"SpectrogramCNN (from scratch)": cnn_real, "image model, checkpoint fine-tuned": image_real["fine-tuned"],
         "image model, from scratch": image_real["from scratch"]}
print(f"DATA = {DATA!r}, {len(SEEDS)} seeds, {len(real.test[2])} test clips")
print(f"{'model':<38} {'test accuracy':>15} {'z vs baseline':>14}")
for name, acc in table.items():
    print(f"{name:<38} {show(acc):>15} {z_against(acc, baseline):>+14.1f}")
print(f"{'time-averaged log-mel + linear':<38} {baseline:>15.3f}")
print(f"{'chance':<38} {chance:>15.3f}")
pairs = {"CNN vs image model (fine-tuned)": (cnn_real, image_real["fine-tuned"]),
         "image model: checkpoint vs scratch": (image_real["fine-tuned"], image_real["from scratch"])}
for name, (a, b) in pairs.items():
    z = z_score(a, b)
    print(f"{name}: z = {z:+.1f} -> " + ("a difference larger than the spread" if abs(z) > 2 else "within the spread"))
cnn_seconds = sum(r["train_seconds"] for r in cnn_runs.rows) / len(cnn_runs.rows)
print(f"training time per seed: CNN {cnn_seconds:.0f} s, image model {sum(image_seconds) / len(image_seconds):.0f} s")

for name, acc in table.items():
    assert min(acc) > chance, (name, acc)  # every model, every seed, learned something about the families
if DATA == "instruments":  # what our runs support (z measured on two software stacks); other sets: see the table
    assert z_against(cnn_real, baseline) > 2, (cnn_real, baseline)  # the CNN beats the average spectrum
    assert mean_std(image_real["fine-tuned"])[0] > baseline, (image_real, baseline)  # weaker: only on average

# %% [markdown]
# What the table says, for the default `instruments`:
#
# - **Far from the generated set's near-perfect scores.** Unseen instruments are hard: with a few
#   instruments per family to learn from, every model gets most test notes wrong on average, and
#   the seed spread is wide. This, not the synthetic score, is the number to expect on new data.
#   (A spread from three seeds is itself rough: a row whose seeds happen to agree gets a small
#   spread and a large z by luck. Compare the means with the other rows' spreads too.)
# - **The CNN beats the average spectrum** by more than its spread (z above 2): seeing how the
#   spectrum changes over the note (attack, decay, vibrato) helps beyond the note's average colour.
#   The image models also sit above the baseline on average; read their z before calling it a
#   finding. Between the CNN and the image model the z line says "within the spread": no winner.
# - **The small checkpoint is no ImageNet.** Fine-tuned or from scratch, the image model lands
#   within the spread: five generated sound classes did not teach features that carry over to
#   real instruments. Transfer pays when the pretraining data were rich and related (ImageNet's
#   photos for early edge and texture detectors, AudioSet for sound): that is what `ONLINE = True`
#   loads here (`microsoft/resnet-18`), and what the AudioSet AST of notebook 04 brings for sound.
# - **Pitch as a nuisance** is the situation where the globally pooled CNN's tolerance to vertical
#   shifts is wanted: a flute is a flute an octave up. Notebook 07 takes this up for augmentation:
#   on a set like this a pitch shift keeps the label; on the horn pair it flips it.
#
# How far can this go? With far more instruments per family (NSynth has about a thousand
# instruments and some three hundred thousand notes; Engel et al., 2017), bigger models and
# pretraining, family classification of unseen instruments should get much better than here; it
# stays a harder task than telling the generated recipes apart, because the test asks about sounds
# the model has never heard.
# Rerun this section with `DATA = "voices"`, or on your own folder, to see how the same recipes fare.

# %%
record_result("03_cnn_on_spectrograms", test_accuracy=round(test_accuracy, 4), test_macro_f1=round(scores["macro_f1"], 4),
              train_seconds=round(train_seconds, 1), time_pooling_accuracy=round(acc_time, 4),
              head_only_accuracy=round(transfer["head only"]["test accuracy"], 4),
              fine_tune_accuracy=round(transfer["fine-tune all"]["test accuracy"], 4),
              scratch_accuracy=round(transfer["from scratch"]["test accuracy"], 4),
              real_data=DATA, real_baseline_accuracy=round(baseline, 4),
              real_cnn_accuracy=round(mean_std(cnn_real)[0], 4),
              real_image_model_accuracy=round(mean_std(image_real["fine-tuned"])[0], 4),
              real_image_scratch_accuracy=round(mean_std(image_real["from scratch"])[0], 4))

# %% [markdown]
# ## Self-check
#
# Answer each question for yourself before you open its answer.
#
# 1. What does the global average pooling at the end of the CNN throw away, and why does that matter for pitch?
# <details><summary>Answer</summary>Where in the picture a feature fired: after pooling, a pattern high up and the same pattern low down give the same vector. Pitch lives in *where* on the frequency axis energy sits, so the network must encode it before pooling (the notebook compares time-only pooling).</details>
#
# 2. An image model expects 3 colour channels; a log-mel has one. What do the course and AST do with the first convolution?
# <details><summary>Answer</summary>Sum the pretrained filters over their three input channels: a one-channel convolution that responds to a grey image as the original did to the same image in colour.</details>
#
# 3. Why is "shift the picture up a little" a harmless image augmentation and a harmful one here?
# <details><summary>Answer</summary>A cat moved up is still a cat, but a spectrogram moved up is a higher sound: for `horn_low` the notebook shows the shifted clips are predicted as `horn_high`. Whether it is harmful depends on whether the label depends on pitch (notebook 07).</details>
#
# 4. The generated clips give accuracies near 1 and the real instruments far less. Which result tells you more about the model, and why?
# <details><summary>Answer</summary>The real set: its test instruments were never heard in training, and the baseline is far below the CNN there, so the gap measures what the CNN learned beyond the average spectrum. On the generated set every method is near the ceiling.</details>

# %% [markdown]
# ## Summary
#
# - A log-mel spectrogram is a one-channel picture; a three-block CNN with global pooling and one linear layer classifies the ten generated clip classes with ≥ 95% test accuracy after seconds of CPU training.
# - `fit` / `evaluate` / `predict` / `save_classifier` / `load_classifier` (course_utils.train, .inference, .checkpoints) are the loop every later notebook uses: seeded, early stopping with best weights, mixed precision on GPU, checkpoints as safetensors + JSON.
# - Head swap: load an image model, sum its first-conv RGB kernels into one channel (exactly equivalent to a grey input repeated three times: AST's trick), replace the last `Linear`, then train the head alone or fine-tune everything. On the generated clips every way of training ends near the top, too close to rank.
# - A vertical shift changes the sound, not just the picture: shifted up by about an octave at its fundamental, a `horn_low` is predicted `horn_high`. Global pooling makes a CNN more tolerant to such shifts, not blind to them; pooling over time only keeps frequency position for the head.
# - On real sound (`DATA = "instruments"`, test instruments never heard in training) the picture changes: every model lands far below its generated-set score, with a wide seed spread. The CNN beats the time-averaged log-mel baseline by more than its spread; the image model fine-tuned from our small checkpoint does no better than the same model from scratch, because five generated classes are no ImageNet. Always put a baseline and the seed spread beside a score.
#
# **Next:** `04_ast_patching`: the spectrogram cut into 16×16 patches and read by a transformer.
