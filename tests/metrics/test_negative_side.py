"""Specificity, negative predictive value and sensitivity: functions and stateful metrics.

Oracle: scikit-learn's ``multilabel_confusion_matrix`` (per-class tn, fp, fn, tp) and the textbook
ratios tn / (tn + fp), tn / (tn + fn), tp / (tp + fn).
"""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.metrics as skm

import glassnet as gn
from glassnet import metrics as gm

RNG = np.random.default_rng(3)
Y_TRUE = RNG.integers(0, 4, 60)
Y_PRED = np.where(RNG.random(60) < 0.6, Y_TRUE, RNG.integers(0, 4, 60))
WEIGHTS = RNG.random(60)


def _oracle(y_true, y_pred, sample_weight=None):
    mcm = skm.multilabel_confusion_matrix(y_true, y_pred, labels=np.arange(4), sample_weight=sample_weight)
    tn, fp, fn, tp = mcm[:, 0, 0], mcm[:, 0, 1], mcm[:, 1, 0], mcm[:, 1, 1]
    return {"specificity": (tn, tn + fp), "npv": (tn, tn + fn), "sensitivity": (tp, tp + fn)}, tp + fn


FUNCTIONS = {"specificity": gm.specificity_score, "npv": gm.negative_predictive_value_score,
             "sensitivity": gm.sensitivity_score}


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("which", sorted(FUNCTIONS))
@pytest.mark.parametrize("average", [None, "macro", "micro", "weighted"])
def test_functions_match_the_confusion_matrix(which, average, weighted):
    sw = WEIGHTS if weighted else None
    ratios, support = _oracle(Y_TRUE, Y_PRED, sw)
    num, den = ratios[which]
    per_class = num / den
    expected = {None: per_class, "macro": per_class.mean(), "micro": num.sum() / den.sum(),
                "weighted": np.average(per_class, weights=support)}[average]
    got = FUNCTIONS[which](Y_TRUE, Y_PRED, average=average, sample_weight=sw)
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_binary_scores_by_hand():
    # 4 healthy (0), 2 sick (1); the test flags one healthy person and misses one sick one.
    y_true, y_pred = [0, 0, 0, 0, 1, 1], [0, 1, 0, 0, 1, 0]
    assert gm.specificity_score(y_true, y_pred) == pytest.approx(3 / 4)
    assert gm.negative_predictive_value_score(y_true, y_pred) == pytest.approx(3 / 4)  # 4 called healthy, 3 are
    assert gm.sensitivity_score(y_true, y_pred) == pytest.approx(1 / 2)


def test_zero_division_is_reported_and_controlled():
    with pytest.warns(gm.UndefinedMetricWarning, match="Specificity"):
        assert gm.specificity_score([1, 1], [1, 1]) == 0.0  # no negatives at all
    assert gm.negative_predictive_value_score([1, 1], [1, 1], zero_division=1) == 1.0


def test_classification_report_adds_npv():
    report = gm.classification_report(Y_TRUE, Y_PRED, output_dict=True)
    npv = gm.negative_predictive_value_score(Y_TRUE, Y_PRED, average=None)
    assert [report[str(c)]["npv"] for c in range(4)] == pytest.approx(list(npv))
    assert report["macro avg"]["npv"] == pytest.approx(npv.mean())


@pytest.mark.parametrize("name,cls,ratio", [
    ("specificity", gm.Specificity, "specificity"),
    ("npv", gm.NegativePredictiveValue, "npv"),
    ("sensitivity", gm.Sensitivity, "sensitivity"),
])
def test_stateful_metrics_accumulate_over_batches(name, cls, ratio):
    y_true = (RNG.random(50) < 0.4).astype("float32")
    scores = np.clip(y_true * 0.5 + RNG.random(50) * 0.6, 0, 1).astype("float32")
    metric = gm.get(name) if name != "npv" else cls()
    assert isinstance(metric, cls)
    for start in range(0, 50, 16):  # uneven batches: the counts add up, the ratios are not averaged
        metric.update_state(y_true[start:start + 16], scores[start:start + 16])
    ratios, _ = _oracle(y_true.astype(int), (scores > 0.5).astype(int))
    num, den = ratios[ratio]
    assert metric.result() == pytest.approx(num[1] / den[1])


def test_stateful_metrics_in_compile_and_fit():
    x = RNG.normal(size=(64, 3)).astype("float32")
    y = (x[:, 0] > 0).astype("float32")
    model = gn.Sequential([gn.Input((3,)), gn.layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy", metrics=["specificity", "sensitivity", gm.NegativePredictiveValue()])
    history = model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    assert {"specificity", "sensitivity", "negative_predictive_value"} <= set(history.history)
    predicted = (model.predict(x, verbose=0)[:, 0] > 0.5).astype(int)
    results = model.evaluate(x, y, verbose=0, return_dict=True)
    assert results["specificity"] == pytest.approx(gm.specificity_score(y.astype(int), predicted, zero_division=0))
