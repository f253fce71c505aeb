"""Notebook 09's exercises: pick the recipe on validation; per-class recall."""

from __future__ import annotations

import torch

from .core import Exercise

__all__ = ["EXERCISES"]


def _pick_cases() -> list[tuple]:
    """(validation, test) accuracies per recipe over 3 seeds. In each case the best validation mean, the best
    test mean and the best single validation seed belong to three different recipes."""
    return [
        ({"cnn": [0.62, 0.66, 0.64], "ast": [0.55, 0.71, 0.50], "wav2vec2": [0.30, 0.33, 0.31],
          "cnn + gain": [0.61, 0.63, 0.62]},
         {"cnn": [0.58, 0.60, 0.57], "ast": [0.52, 0.60, 0.49], "wav2vec2": [0.28, 0.30, 0.29],
          "cnn + gain": [0.63, 0.61, 0.64]}),
        ({"cnn": [0.80, 0.78, 0.79], "ast": [0.83, 0.84, 0.82], "wav2vec2": [0.70, 0.91, 0.65]},
         {"cnn": [0.81, 0.80, 0.82], "ast": [0.76, 0.78, 0.77], "wav2vec2": [0.66, 0.85, 0.60]}),
        ({"small": [0.41, 0.45, 0.43], "large": [0.48, 0.40, 0.39], "baseline recipe": [0.37, 0.38, 0.36]},
         {"small": [0.40, 0.39, 0.41], "large": [0.44, 0.45, 0.43], "baseline recipe": [0.35, 0.36, 0.37]}),
    ]


def _pick_reference(validation: dict[str, list[float]], test: dict[str, list[float]]) -> str:
    """Notebook 09's rule: the recipe with the best mean validation accuracy over seeds (`seeds.mean_std`)."""
    from course_utils.seeds import mean_std

    return max(validation, key=lambda recipe: mean_std(validation[recipe])[0])


def _best_mean(results: dict[str, list[float]]) -> str:
    return max(results, key=lambda recipe: sum(results[recipe]) / len(results[recipe]))


def _same_recipe(got, expected: str, case: tuple) -> str | None:
    if not isinstance(got, str):
        return f"it returned a {type(got).__name__}; the answer is a recipe's name, one of the dicts' keys"
    if got not in case[0]:
        return f"it returned {got!r}, which is not one of the recipes {sorted(case[0])}"
    return None if got == expected else f"it picked {got!r}; the course's rule picks another recipe"


def _describe_pick(case: tuple) -> str:
    return f"recipes {list(case[0])}, each with validation and test accuracies over {len(next(iter(case[0].values())))} seeds"


def _recall_cases() -> list[tuple]:
    g = torch.Generator().manual_seed(9)
    targets = torch.arange(40) % 4                                    # (40,): 10 clips of each of 4 classes
    guesses = torch.randint(0, 4, (40,), generator=g)
    predictions = torch.where(torch.rand(40, generator=g) < 0.6, targets, guesses)  # right about 60 % of the time
    lopsided = torch.tensor([0, 0, 0, 0, 0, 1, 1, 2, 2, 2])          # class 0 predicted for everything in the first half
    never = torch.tensor([0, 0, 0, 0, 1, 1, 1, 0, 0, 1])             # class 2 is never predicted
    return [(predictions, targets, 4), (lopsided, torch.tensor([0, 0, 1, 1, 2, 1, 1, 2, 2, 2]), 3),
            (never, torch.tensor([0, 1, 2, 0, 1, 2, 1, 2, 0, 2]), 3)]


def _recall_reference(predictions: torch.Tensor, targets: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Recall per class from the course's scorer (`metrics.frame_scores`), each clip one row of one-hot labels."""
    from course_utils.metrics import frame_scores

    classes = [str(c) for c in range(num_classes)]
    one_hot = lambda x: torch.nn.functional.one_hot(x, num_classes)  # noqa: E731  (clips, classes)
    scores = frame_scores(one_hot(predictions), one_hot(targets), classes)["per_class"]
    return torch.tensor([scores[c]["recall"] for c in classes], dtype=torch.float64)  # (C,)


def _hits(p, t, c) -> torch.Tensor:
    return torch.bincount(t[p == t], minlength=c).double()  # (C,): clips of each class predicted right


def _describe_recall(case: tuple) -> str:
    return f"{len(case[0])} predictions and targets, {case[2]} classes"


EXERCISES: dict[str, Exercise] = {
    "09.pick_recipe": Exercise(
        title="pick a recipe on the validation split",
        reference=_pick_reference, cases=_pick_cases, compare=_same_recipe, describe=_describe_pick,
        hint="the test split plays no part in any choice: take each recipe's mean validation accuracy over its "
             "seeds, and return the recipe where it is highest",
        mistakes=[("picked on test", lambda v, t: _best_mean(t),
                   "you picked on the test split: a choice made on test makes its score flatter the choice; "
                   "choose on validation"),
                  ("best single seed", lambda v, t: max(v, key=lambda r: max(v[r])),
                   "you picked the recipe with the single best validation seed; one lucky seed is not a recipe: "
                   "compare the means over seeds")]),
    "09.per_class_recall": Exercise(
        title="the recall of each class: the share of its clips predicted right",
        reference=_recall_reference, cases=_recall_cases, describe=_describe_recall,
        hint="for class c: among the clips whose target is c, the share predicted as c; a tensor (num_classes,)",
        mistakes=[("precision", lambda p, t, c: _hits(p, t, c) / torch.bincount(p, minlength=c).double().clamp(min=1),
                   "you divided by how often each class was predicted: that is precision; recall divides by "
                   "each class's number of clips (its targets)"),
                  ("counts", lambda p, t, c: _hits(p, t, c),
                   "those are counts of clips predicted right; divide each by its class's number of clips"),
                  ("accuracy", lambda p, t, c: (p == t).double().mean().expand(c),
                   "that is the overall accuracy, the same for every class; recall is counted class by class")]),
}
