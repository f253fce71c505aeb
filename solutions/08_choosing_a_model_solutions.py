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
# # 08 · Choosing a model: solutions
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/audio-classification-course/audio-classification-course/blob/main/solutions/08_choosing_a_model_solutions.ipynb)
#
# Worked solutions to the exercises of [notebook 08](../notebooks/08_choosing_a_model.ipynb). Try each exercise
# there first: the check tells you what is wrong and gives a hint. Each solution below passes the same check.

# %%
# Setup: in Colab, install the course package; locally this does nothing.
import sys
if "google.colab" in sys.modules:
    # %pip install -q "course-utils @ git+https://github.com/audio-classification-course/audio-classification-course@main"

# %%
import statistics

from course_utils.exercises import check

# %% [markdown]
# ## The z of a gap between two models
#
# Each model's accuracies vary from seed to seed, so the gap between their means does too, by the two spreads
# combined: variances add, so the combined spread is `sqrt(std_a² + std_b²)`. Over a handful of seeds use the
# sample standard deviation (`n - 1`, `statistics.stdev`); numpy's `np.std` divides by `n` unless told
# `ddof=1`, and makes every z look larger than it is. In the notebook, `z_gap(runs.accuracies("cnn"),
# runs.accuracies("ast"))` gives the z of the CNN - AST line in the verdicts.

# %%
def z_gap(a: list[float], b: list[float]) -> float:
    spread = (statistics.stdev(a) ** 2 + statistics.stdev(b) ** 2) ** 0.5
    return (statistics.mean(a) - statistics.mean(b)) / spread


print(f"{z_gap([0.84, 0.80, 0.86], [0.66, 0.70, 0.64]):+.2f}")  # well beyond 2: a difference
print(f"{z_gap([0.42, 0.47, 0.40], [0.45, 0.39, 0.41]):+.2f}")  # inside the spread: not settled
assert check("08.z_gap", z_gap).passed

# %% [markdown]
# ## Which models learned the task?
#
# Chance, `1 / num_classes`, is a number with no seed, so only the model's own spread counts:
# `z = (mean - chance) / std`, and the model learned the task when `z > 2`. Not `|z| > 2`: a model far below
# chance has learned nothing useful. And not "the mean is above chance": a mean inside the spread of chance
# could land below it on the next rerun. In the notebook, `learned(runs.accuracies(name), len(data.labels))`
# agrees with the `vs chance` lines under step 1.

# %%
def learned(accuracies: list[float], num_classes: int) -> bool:
    z = (statistics.mean(accuracies) - 1 / num_classes) / statistics.stdev(accuracies)
    return z > 2


print(learned([0.62, 0.58, 0.66], 11), learned([0.12, 0.05, 0.20], 11))  # clearly above; above only on average
assert check("08.learned", learned).passed

# %% [markdown]
# ## Summary
#
# - Between two models, divide the gap by both spreads combined; against a fixed number (chance, a convex
#   baseline), by the model's own spread only.
# - A model learned the task when it beats chance by more than 2 of its own standard deviations over seeds.
#
# **Next:** [notebook 09](../notebooks/09_your_own_sounds.ipynb).
