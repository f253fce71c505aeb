"""course_utils.metrics against scikit-learn (exact: integer counts, F1 to 1e-12)."""

import numpy as np
import pytest
import torch
from sklearn import metrics as skm

from course_utils.metrics import accuracy, confusion_matrix, macro_f1, per_class_f1


@pytest.fixture
def pairs():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 5, size=200)
    preds = np.where(rng.random(200) < 0.7, labels, rng.integers(0, 5, size=200))
    return preds, labels


def test_parity_with_sklearn(pairs):
    preds, labels = pairs
    assert accuracy(preds, labels) == pytest.approx(skm.accuracy_score(labels, preds), abs=1e-7)
    assert macro_f1(preds, labels) == pytest.approx(skm.f1_score(labels, preds, average="macro"), abs=1e-12)
    np.testing.assert_array_equal(confusion_matrix(preds, labels, 5).numpy(), skm.confusion_matrix(labels, preds, labels=range(5)))
    np.testing.assert_allclose(per_class_f1(preds, labels, 5).numpy(), skm.f1_score(labels, preds, average=None), atol=1e-12)


def test_missing_class_matches_sklearn():
    # class 2 is never the answer but is predicted once; class 3 never appears at all
    labels = [0, 0, 1, 1, 1]
    preds = [0, 2, 1, 1, 0]
    assert macro_f1(preds, labels, num_classes=4) == pytest.approx(skm.f1_score(labels, preds, average="macro"), abs=1e-12)
    assert confusion_matrix(preds, labels, 4).shape == (4, 4)


def test_logits_are_argmaxed():
    logits = torch.tensor([[2.0, 0.1], [0.0, 1.0], [3.0, -1.0]])
    assert accuracy(logits, torch.tensor([0, 1, 1])) == pytest.approx(2 / 3)
    assert confusion_matrix(logits, [0, 1, 1]).tolist() == [[1, 0], [1, 1]]


def test_bad_inputs():
    with pytest.raises(ValueError, match="differ in length: 2 vs 3"):
        accuracy([0, 1], [0, 1, 1])
    with pytest.raises(ValueError, match="empty"):
        accuracy([], [])
    with pytest.raises(ValueError, match="out of range for num_classes=2"):
        confusion_matrix([0, 2], [0, 1], num_classes=2)
    with pytest.raises(ValueError, match=">= 0"):
        macro_f1([0, -1], [0, 1])
    with pytest.raises(ValueError, match=r"shape \(2, 2, 2\)"):
        accuracy(torch.zeros(2, 2, 2), [0, 1])
    with pytest.raises(ValueError, match="non-integer"):
        accuracy(torch.tensor([0.5, 1.0]), [0, 1])
