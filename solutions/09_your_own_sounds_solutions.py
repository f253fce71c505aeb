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
# # 09 · Your own sounds: solutions
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/audio-classification-course/audio-classification-course/blob/main/solutions/09_your_own_sounds_solutions.ipynb)
#
# Worked solutions to the exercises of [notebook 09](../notebooks/09_your_own_sounds.ipynb). Try each exercise
# there first: the check tells you what is wrong and gives a hint. Each solution below passes the same check.

# %%
# Setup: in Colab, install the course package; locally this does nothing.
import sys
if "google.colab" in sys.modules:
    # %pip install -q "course-utils @ git+https://github.com/audio-classification-course/audio-classification-course@main"

# %%
import torch

from course_utils.exercises import check

# %% [markdown]
# ## Pick on validation
#
# The test accuracies play no part: a recipe chosen because it scored best on test has had the test
# split take part in the choice, and its test score then flatters it (among several recipes of equal
# worth, the one that drew the luckiest test clips wins). So the answer ignores `test`, takes each
# recipe's mean validation accuracy over its seeds, and returns the best. The mean, not the best single
# seed: one lucky seed says little about the recipe. The cell below makes up a case where the three
# rules disagree.

# %%
def pick_recipe(validation: dict[str, list[float]], test: dict[str, list[float]]) -> str:
    means = {recipe: sum(accs) / len(accs) for recipe, accs in validation.items()}  # test is not used
    return max(means, key=means.get)


validation = {"cnn": [0.62, 0.66, 0.64], "ast": [0.55, 0.71, 0.50], "cnn + gain": [0.61, 0.63, 0.62]}
test = {"cnn": [0.58, 0.60, 0.57], "ast": [0.52, 0.60, 0.49], "cnn + gain": [0.63, 0.61, 0.64]}
print("best validation mean:", pick_recipe(validation, test),
      "| best test mean:", max(test, key=lambda r: sum(test[r])),
      "| best single validation seed:", max(validation, key=lambda r: max(validation[r])))
assert check("09.pick_recipe", pick_recipe).passed

# %% [markdown]
# ## Per-class recall
#
# For each class, keep the clips whose *target* is that class and count the share predicted as it. A
# model that answers one class for every clip gets a recall of 1 for that class and 0 for every other:
# recall alone rewards predicting a class often, which is why the notebook shows the confusion matrix
# beside it (and why precision, which divides by how often a class was *predicted*, is its partner).

# %%
def per_class_recall(predictions: torch.Tensor, targets: torch.Tensor, num_classes: int) -> torch.Tensor:
    recall = torch.zeros(num_classes)
    for c in range(num_classes):
        mine = targets == c                                   # (N,): the clips of class c
        recall[c] = (predictions[mine] == c).float().mean()   # the share of them predicted as c
    return recall


targets = torch.tensor([0, 0, 1, 1, 2, 2])
always_zero = torch.zeros(6, dtype=torch.long)
print("recall of a model that always answers class 0:", per_class_recall(always_zero, targets, 3).tolist())
assert check("09.per_class_recall", per_class_recall).passed

# %% [markdown]
# ## Summary
#
# - Choose on validation, by the mean over seeds; the test split is read once, for the choice already made.
# - Recall divides by a class's clips, precision by its predictions; one without the other can be gamed.
#
# **Next:** back to [notebook 09](../notebooks/09_your_own_sounds.ipynb), with your own folder.
