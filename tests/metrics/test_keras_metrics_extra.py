"""Keras 3's remaining metric classes: the same running values as real Keras over several batches with
sample weights, IoU against scikit-learn's jaccard_score, configs that round-trip, named failures."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import metrics

RNG = np.random.default_rng(1)
N = 8
REG_T = RNG.normal(size=(2, N, 3)).astype(np.float32)
REG_P = RNG.normal(size=(2, N, 3)).astype(np.float32)
POS_T = RNG.poisson(2.0, (2, N, 3)).astype(np.float32)
POS_P = RNG.uniform(0.1, 3.0, (2, N, 3)).astype(np.float32)
BIN_T = RNG.integers(0, 2, (2, N, 3)).astype(np.float32)
PROB = RNG.uniform(0.02, 0.98, (2, N, 3)).astype(np.float32)
SOFT = PROB / PROB.sum(-1, keepdims=True)
ONEHOT = np.eye(3, dtype=np.float32)[RNG.integers(0, 3, (2, N))]
LABELS = RNG.integers(0, 3, (2, N))
SW = RNG.uniform(0, 2, (2, N)).astype(np.float32)

MEAN_CASES = [
    ("MeanAbsolutePercentageError", {}, REG_T, REG_P),
    ("MeanSquaredLogarithmicError", {}, POS_T, POS_P),
    ("LogCoshError", {}, REG_T, REG_P),
    ("Hinge", {}, BIN_T, REG_P),
    ("SquaredHinge", {}, BIN_T, REG_P),
    ("CategoricalHinge", {}, ONEHOT, REG_P),
    ("Poisson", {}, POS_T, POS_P),
    ("KLDivergence", {}, SOFT[::-1], SOFT),
    ("CosineSimilarity", {}, REG_T, REG_P),
    ("BinaryCrossentropy", {}, BIN_T, PROB),
    ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, BIN_T, REG_P),
    ("CategoricalCrossentropy", {}, ONEHOT, SOFT),
    ("CategoricalCrossentropy", {"from_logits": True, "label_smoothing": 0.2}, ONEHOT, REG_P),
    ("SparseCategoricalCrossentropy", {}, LABELS, SOFT),
    ("SparseCategoricalCrossentropy", {"from_logits": True}, LABELS, REG_P),
    ("SparseCategoricalCrossentropy", {"ignore_class": 1}, LABELS, SOFT),
    ("SparseCategoricalCrossentropy", {"from_logits": True, "ignore_class": 2}, LABELS[..., None], REG_P),
    ("PearsonCorrelation", {}, REG_T, REG_P),
    ("ConcordanceCorrelation", {}, REG_T, REG_P),
]


def _run(metric, y, p, sw=None):
    for b in range(2):  # two batches: the state must accumulate, not restart
        metric.update_state(y[b], p[b], sample_weight=None if sw is None else sw[b])
    return float(np.asarray(metric.result()))


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("name, kwargs, y, p", MEAN_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(MEAN_CASES)])
def test_running_means_match_keras(keras, name, kwargs, y, p, weighted) -> None:
    sw = SW if weighted else None
    ours, theirs = getattr(metrics, name)(**kwargs), getattr(keras.metrics, name)(**kwargs)
    assert ours.name == theirs.name
    np.testing.assert_allclose(_run(ours, y, p, sw), _run(theirs, y, p, sw), rtol=1e-5, atol=1e-6)
    ours.reset_state()
    np.testing.assert_allclose(ours(y[0], p[0]), float(getattr(keras.metrics, name)(**kwargs)(y[0], p[0])),
                               rtol=1e-5, atol=1e-6)


def test_sum_and_mean_match_keras(keras) -> None:
    for name in ("Sum", "Mean"):
        ours, theirs = getattr(metrics, name)(), getattr(keras.metrics, name)()
        for b in range(2):
            ours.update_state(REG_P[b, :, 0], sample_weight=SW[b])
            theirs.update_state(REG_P[b, :, 0], sample_weight=SW[b])
        np.testing.assert_allclose(ours.result(), float(theirs.result()), rtol=1e-5)
    s = metrics.Sum()
    s.update_state(REG_P[0])
    assert s.result() == pytest.approx(float(REG_P[0].sum()), rel=1e-5)
    with pytest.raises(ValueError, match="Sum: sample_weight of shape"):
        s.update_state(REG_P[0], sample_weight=np.ones(3))


@pytest.mark.parametrize("name, value", [("PrecisionAtRecall", 0.6), ("RecallAtPrecision", 0.55),
                                         ("SensitivityAtSpecificity", 0.5), ("SpecificityAtSensitivity", 0.7)])
@pytest.mark.parametrize("kwargs", [{}, {"num_thresholds": 7}, {"class_id": 1}])
@pytest.mark.parametrize("weighted", [False, True])
def test_rate_at_rate_matches_keras(keras, name, value, kwargs, weighted) -> None:
    sw = SW if weighted else None
    ours, theirs = getattr(metrics, name)(value, **kwargs), getattr(keras.metrics, name)(value, **kwargs)
    assert theirs.name.startswith(ours.name)  # Keras numbers unnamed metrics: precision_at_recall_1...
    np.testing.assert_allclose(_run(ours, BIN_T, PROB, sw), _run(theirs, BIN_T, PROB, sw), rtol=1e-5, atol=1e-7)
    config, mine = theirs.get_config(), ours.get_config()
    config.pop("dtype")
    assert config.pop("name").startswith(mine.pop("name")) and mine == config


SEG_T = RNG.integers(0, 4, (2, N, 5))
SEG_P = RNG.integers(0, 4, (2, N, 5))
SEG_SCORES = RNG.normal(size=(2, N, 5, 4)).astype(np.float32)
# Keras casts IoU weights to int (use whole numbers) and wants one per element (glassnet also takes one per sample).
INT_SW = RNG.integers(0, 3, (2, N, 5)).astype(np.float32)
BIN_SW = RNG.integers(0, 3, (2, N, 3)).astype(np.float32)


@pytest.mark.parametrize("make", [
    lambda k: k.IoU(num_classes=4, target_class_ids=[0, 2]),
    lambda k: k.IoU(num_classes=4, target_class_ids=[1], ignore_class=3),
    lambda k: k.MeanIoU(num_classes=4),
    lambda k: k.MeanIoU(num_classes=4, sparse_y_pred=False),
], ids=["iou", "iou_ignore", "mean_iou", "mean_iou_scores"])
@pytest.mark.parametrize("weighted", [False, True])
def test_iou_matches_keras(keras, make, weighted) -> None:
    ours, theirs = make(metrics), make(keras.metrics)
    scores = ours.sparse_y_pred is False
    p = SEG_SCORES if scores else SEG_P
    sw = INT_SW if weighted else None
    np.testing.assert_allclose(_run(ours, SEG_T, p, sw), _run(theirs, SEG_T, p, sw), rtol=1e-5, atol=1e-7)
    config, mine = theirs.get_config(), ours.get_config()
    config.pop("dtype")
    assert config.pop("name").startswith(mine.pop("name")) and mine == config
    assert type(metrics.deserialize(metrics.serialize(ours))) is type(ours)


def test_one_hot_and_binary_iou_match_keras(keras) -> None:
    onehot = np.eye(4, dtype=np.float32)[SEG_T]
    for make in (lambda k: k.OneHotIoU(num_classes=4, target_class_ids=[0, 3]),
                 lambda k: k.OneHotMeanIoU(num_classes=4)):
        ours, theirs = make(metrics), make(keras.metrics)
        np.testing.assert_allclose(_run(ours, onehot, SEG_SCORES, INT_SW), _run(theirs, onehot, SEG_SCORES, INT_SW),
                                   rtol=1e-5)
        config, mine = theirs.get_config(), ours.get_config()
        config.pop("dtype")
        assert config.pop("name").startswith(mine.pop("name")) and mine == config
    for kwargs in ({}, {"target_class_ids": [1], "threshold": 0.3}):
        ours, theirs = metrics.BinaryIoU(**kwargs), keras.metrics.BinaryIoU(**kwargs)
        np.testing.assert_allclose(_run(ours, BIN_T, PROB, BIN_SW), _run(theirs, BIN_T, PROB, BIN_SW), rtol=1e-5)


def test_iou_takes_one_weight_per_sample_of_a_mask() -> None:
    per_sample, per_element = metrics.MeanIoU(num_classes=4), metrics.MeanIoU(num_classes=4)
    _run(per_sample, SEG_T, SEG_P, SW)
    _run(per_element, SEG_T, SEG_P, np.repeat(SW[..., None], 5, axis=-1))
    assert per_sample.result() == pytest.approx(per_element.result(), rel=1e-12)
    with pytest.raises(ValueError, match="sample_weight of 3 values does not match 40 labels"):
        per_sample.update_state(SEG_T[0], SEG_P[0], sample_weight=np.ones(3))


def test_iou_is_sklearn_jaccard() -> None:
    from sklearn.metrics import jaccard_score

    t, p = SEG_T.reshape(-1), SEG_P.reshape(-1)
    m = metrics.MeanIoU(num_classes=4)
    _run(m, SEG_T, SEG_P)
    assert m.result() == pytest.approx(jaccard_score(t, p, average="macro"), rel=1e-6)
    m = metrics.IoU(num_classes=4, target_class_ids=[2])
    _run(m, SEG_T, SEG_P, SW)
    assert m.result() == pytest.approx(jaccard_score(t == 2, p == 2, sample_weight=np.repeat(SW.reshape(-1), 5)),
                                       rel=1e-6)


def test_function_forms_are_exported_like_keras(keras) -> None:
    missing = {n for n in dir(keras.metrics) if not n.startswith("_")} - set(dir(metrics))
    assert missing == set()
    assert metrics.hinge is gn.losses.hinge
    np.testing.assert_allclose(metrics.pearson_correlation(REG_T[0], REG_P[0]),
                               keras.ops.convert_to_numpy(keras.metrics.pearson_correlation(REG_T[0], REG_P[0])),
                               rtol=1e-5)
    np.testing.assert_allclose(metrics.concordance_correlation(REG_T[0], REG_P[0]),
                               keras.ops.convert_to_numpy(keras.metrics.concordance_correlation(REG_T[0], REG_P[0])),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["Hinge", "CosineSimilarity", "PearsonCorrelation", "BinaryCrossentropy",
                                  "SparseCategoricalCrossentropy", "Sum", "LogCoshError"])
def test_configs_round_trip_and_names_resolve(keras, name) -> None:
    ours = getattr(metrics, name)(name="x")
    again = metrics.deserialize(metrics.serialize(ours))
    assert type(again) is type(ours) and again.get_config() == ours.get_config() and again.name == "x"
    theirs = getattr(keras.metrics, name)().get_config()
    assert set(ours.get_config()) <= set(theirs) | {"from_logits", "label_smoothing", "axis", "ignore_class"}
    assert type(metrics.get(name)) is type(ours)


def test_cosine_similarity_string_is_the_positive_metric() -> None:
    m = metrics.get("cosine_similarity")
    m.update_state(np.array([[1.0, 0.0]]), np.array([[2.0, 0.0]]))
    assert m.result() == pytest.approx(1.0)


def test_bad_arguments_are_named() -> None:
    with pytest.raises(ValueError, match=r"PrecisionAtRecall: argument `recall` must be in the range \[0, 1\]"):
        metrics.PrecisionAtRecall(1.5)
    with pytest.raises(ValueError, match="num_thresholds must be an integer > 0"):
        metrics.RecallAtPrecision(0.5, num_thresholds=0)
    with pytest.raises(ValueError, match=r"target_class_ids \[4\] must be non-empty and in \[0, 4\)"):
        metrics.IoU(num_classes=4, target_class_ids=[4])
    with pytest.raises(ValueError, match="num_classes must be a positive int"):
        metrics.MeanIoU(num_classes=0)
    with pytest.raises(ValueError, match="set sparse_y_true/sparse_y_pred=False"):
        metrics.MeanIoU(num_classes=4).update_state(SEG_T[0], SEG_SCORES[0])
    with pytest.raises(ValueError, match="class_id=5 is out of range"):
        metrics.PrecisionAtRecall(0.5, class_id=5).update_state(BIN_T[0], PROB[0])
    with pytest.raises(TypeError, match="Hinge: unexpected keyword argument 'axis'"):
        metrics.Hinge(axis=1)
    with pytest.raises(ValueError, match="y_true has shape"):
        metrics.PearsonCorrelation().update_state(REG_T[0], REG_P[0, :, :2])
