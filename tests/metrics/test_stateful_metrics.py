"""Stateful training metrics: Keras names and keys, accumulation over batches, scikit-learn as oracle."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.metrics as skm

import glassnet as gn
from glassnet import metrics as gm


def _batches(n: int, size: int):
    return [slice(i, i + size) for i in range(0, n, size)]


def _accumulate(metric, y_true, y_pred, size: int = 7, sample_weight=None):
    metric.reset_state()
    for s in _batches(len(y_true), size):
        metric.update_state(y_true[s], y_pred[s], None if sample_weight is None else sample_weight[s])
    return metric.result()


@pytest.fixture
def binary_data(rng: np.random.Generator):
    y = rng.integers(0, 2, 203)
    p = np.clip(rng.random(203) * 0.8 + 0.3 * y, 0, 1).astype(np.float32)
    return y, p, rng.random(203)


def test_precision_recall_over_an_epoch_are_ratios_of_summed_counts(binary_data) -> None:
    y, p, w = binary_data
    decided = (p > 0.5).astype(int)
    assert _accumulate(gm.Precision(), y, p) == pytest.approx(skm.precision_score(y, decided), rel=1e-12)
    assert _accumulate(gm.Recall(), y, p) == pytest.approx(skm.recall_score(y, decided), rel=1e-12)
    assert _accumulate(gm.Precision(), y, p, sample_weight=w) == \
        pytest.approx(skm.precision_score(y, decided, sample_weight=w), rel=1e-12)
    # The wrong way (mean of per-batch precisions) gives a different number on this data.
    per_batch = [skm.precision_score(y[s], decided[s], zero_division=0) for s in _batches(len(y), 7)]
    assert abs(np.mean(per_batch) - skm.precision_score(y, decided)) > 1e-3


def test_confusion_counts_by_hand() -> None:
    y_true, y_pred = np.array([0, 1, 1, 1, 0]), np.array([0.9, 0.2, 0.7, 0.6, 0.1])
    assert gm.TruePositives()(y_true, y_pred) == 2.0
    assert gm.FalsePositives()(y_true, y_pred) == 1.0
    assert gm.TrueNegatives()(y_true, y_pred) == 1.0
    assert gm.FalseNegatives()(y_true, y_pred) == 1.0
    np.testing.assert_array_equal(gm.TruePositives(thresholds=[0.15, 0.65, 0.95])(y_true, y_pred), [3, 1, 0])
    # Strictly greater than the threshold counts as positive (Keras).
    assert gm.Precision(thresholds=0.7)([1, 1], [0.7, 0.71]) == 1.0
    assert gm.Recall(thresholds=0.7)([1, 1], [0.7, 0.71]) == 0.5


def test_precision_recall_class_id_top_k_and_multiple_thresholds() -> None:
    y_true = np.array([[0, 0, 1], [0, 1, 0], [1, 0, 0], [0, 0, 1]])
    y_pred = np.array([[0.1, 0.3, 0.6], [0.2, 0.5, 0.3], [0.4, 0.45, 0.15], [0.6, 0.1, 0.3]])
    # class 2 column: labels [1, 0, 0, 1], scores [.6, .3, .15, .3] -> tp 1, fp 0, fn 1
    assert gm.Precision(class_id=2)(y_true, y_pred) == 1.0
    assert gm.Recall(class_id=2)(y_true, y_pred) == 0.5
    # top_k=1: only each row's best score is positive -> predictions [2, 1, 1, 0]; 2 of 4 right.
    assert gm.Precision(top_k=1)(y_true, y_pred) == 0.5
    # top_k=2: rows' two best; 4 right of 8 kept.
    assert gm.Recall(top_k=2)(y_true, y_pred) == 1.0
    assert gm.Precision(top_k=2)(y_true, y_pred) == 0.5
    np.testing.assert_allclose(gm.Recall(thresholds=[0.2, 0.5])(y_true, y_pred), [1.0, 0.25])
    # Integer labels next to class probabilities are one-hot encoded.
    assert gm.Recall(class_id=2)(np.array([2, 1, 0, 2]), y_pred) == 0.5


def test_precision_with_nothing_predicted_is_zero_not_nan() -> None:
    assert gm.Precision()([1, 0], [0.1, 0.2]) == 0.0
    assert gm.Recall()([0, 0], [0.1, 0.9]) == 0.0


@pytest.mark.parametrize("curve", ["ROC", "PR"])
def test_auc_approaches_sklearn_and_accumulates(curve: str, binary_data) -> None:
    y, p, w = binary_data
    exact = skm.roc_auc_score(y, p) if curve == "ROC" else skm.average_precision_score(y, p)
    metric = gm.AUC(curve=curve, num_thresholds=1000)
    batched = _accumulate(metric, y, p, size=11)
    metric.reset_state()
    metric.update_state(y, p)
    assert batched == pytest.approx(metric.result(), abs=1e-12)     # batches == one big batch
    assert batched == pytest.approx(exact, abs=0.01)
    weighted = _accumulate(gm.AUC(curve=curve, num_thresholds=1000), y, p, sample_weight=w)
    exact_w = skm.roc_auc_score(y, p, sample_weight=w) if curve == "ROC" else \
        skm.average_precision_score(y, p, sample_weight=w)
    assert weighted == pytest.approx(exact_w, abs=0.01)


def test_auc_on_the_threshold_grid_is_exact() -> None:
    # Scores exactly between grid thresholds: the thresholded curve is the exact ROC curve.
    y = np.array([0, 0, 1, 1, 0, 1, 1, 0])
    p = np.array([0.105, 0.405, 0.355, 0.805, 0.605, 0.705, 0.255, 0.055])
    assert gm.AUC(num_thresholds=101)(y, p) == pytest.approx(skm.roc_auc_score(y, p), abs=1e-12)
    assert gm.AUC(num_thresholds=101, summation_method="minoring")(y, p) <= skm.roc_auc_score(y, p) + 1e-12
    assert gm.AUC(num_thresholds=101, summation_method="majoring")(y, p) >= skm.roc_auc_score(y, p) - 1e-12


def test_auc_multi_label_and_from_logits(rng: np.random.Generator) -> None:
    y = rng.integers(0, 2, (300, 3))
    p = np.clip(rng.random((300, 3)) * 0.7 + 0.3 * y, 0, 1)
    macro = gm.AUC(multi_label=True, num_thresholds=2000)(y, p)
    assert macro == pytest.approx(skm.roc_auc_score(y, p, average="macro"), abs=5e-3)
    micro = gm.AUC(num_thresholds=2000)(y, p)
    assert micro == pytest.approx(skm.roc_auc_score(y, p, average="micro"), abs=5e-3)
    weights = [1.0, 0.0, 0.0]
    assert gm.AUC(multi_label=True, label_weights=weights, num_thresholds=2000)(y, p) == \
        pytest.approx(skm.roc_auc_score(y[:, 0], p[:, 0]), abs=5e-3)
    logits = np.log(p[:, 0] + 1e-9) - np.log1p(-p[:, 0] + 1e-9)
    assert gm.AUC(from_logits=True)(y[:, 0], logits) == pytest.approx(gm.AUC()(y[:, 0], p[:, 0]), abs=1e-6)


@pytest.mark.parametrize("average", [None, "micro", "macro", "weighted"])
def test_f1_score_matches_sklearn_on_argmax(average: str | None, rng: np.random.Generator) -> None:
    labels = rng.integers(0, 4, 150)
    labels[:5] = 3
    proba = rng.dirichlet(np.ones(4), 150)
    proba[:, 3] *= 0.01   # class 3 is (almost) never predicted
    onehot = np.eye(4)[labels]
    ours = _accumulate(gm.F1Score(average=average), onehot, proba, size=16)
    theirs = skm.f1_score(labels, proba.argmax(axis=1), average=average, labels=[0, 1, 2, 3], zero_division=0)
    np.testing.assert_allclose(ours, theirs, atol=1e-5)
    fbeta = _accumulate(gm.FBetaScore(average=average, beta=2.0), onehot, proba, size=16)
    np.testing.assert_allclose(fbeta, skm.fbeta_score(labels, proba.argmax(axis=1), beta=2.0, average=average,
                                                      labels=[0, 1, 2, 3], zero_division=0), atol=1e-5)


def test_f1_score_with_threshold_and_binary(binary_data) -> None:
    y, p, _ = binary_data
    ours = gm.F1Score(threshold=0.5)(y[:, None], p[:, None])
    assert float(ours[0]) == pytest.approx(skm.f1_score(y, (p > 0.5).astype(int)), abs=1e-6)


def test_f1_score_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="average"):
        gm.F1Score(average="mean")
    with pytest.raises(ValueError, match="beta"):
        gm.FBetaScore(beta=0)
    with pytest.raises(ValueError, match="threshold"):
        gm.F1Score(threshold=1.5)


@pytest.mark.parametrize("aggregation", ["uniform_average", "variance_weighted_average", None])
def test_r2_score_matches_sklearn_over_batches(aggregation: str | None, rng: np.random.Generator) -> None:
    y = rng.normal(size=(97, 3)) * [1.0, 5.0, 0.2] + [0.0, 3.0, -1.0]
    pred = y + rng.normal(size=(97, 3)) * 0.5
    w = rng.random(97)
    multioutput = {None: "raw_values", "uniform_average": "uniform_average",
                   "variance_weighted_average": "variance_weighted"}[aggregation]
    np.testing.assert_allclose(_accumulate(gm.R2Score(class_aggregation=aggregation), y, pred, size=10),
                               skm.r2_score(y, pred, multioutput=multioutput), rtol=1e-10)
    np.testing.assert_allclose(
        _accumulate(gm.R2Score(class_aggregation=aggregation), y, pred, size=10, sample_weight=w),
        skm.r2_score(y, pred, multioutput=multioutput, sample_weight=w), rtol=1e-10)
    # 1-D targets, and the adjusted R^2 = 1 - (1 - R^2)(n - 1)/(n - k - 1).
    r2 = skm.r2_score(y[:, 0], pred[:, 0])
    assert gm.R2Score()(y[:, 0], pred[:, 0]) == pytest.approx(r2)
    assert gm.R2Score(num_regressors=4)(y[:, 0], pred[:, 0]) == pytest.approx(1 - (1 - r2) * 96 / 92)


def test_shape_errors_name_the_metric() -> None:
    with pytest.raises(ValueError, match=r"Precision: y_true has shape \(4, 2\) but y_pred has shape \(4, 3\)"):
        gm.Precision().update_state(np.zeros((4, 2)), np.zeros((4, 3)))
    with pytest.raises(ValueError, match="class indices in \\[0, 3\\)"):
        gm.Recall().update_state(np.array([0, 5]), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="R2Score expects 2D inputs of the same shape"):
        gm.R2Score().update_state(np.zeros((4, 2)), np.zeros((4, 3)))
    with pytest.raises(ValueError, match="NaN"):
        gm.AUC().update_state([0, 1], [0.5, np.nan])
    with pytest.raises(ValueError, match="threshold values must be in"):
        gm.Precision(thresholds=[0.5, 2.0])


@pytest.mark.parametrize("name,cls,key", [
    ("precision", gm.Precision, "precision"), ("Recall", gm.Recall, "recall"), ("auc", gm.AUC, "auc"),
    ("AUC", gm.AUC, "auc"), ("f1_score", gm.F1Score, "f1_score"), ("FBetaScore", gm.FBetaScore, "fbeta_score"),
    ("r2_score", gm.R2Score, "r2_score"), ("true_positives", gm.TruePositives, "true_positives"),
    ("FalseNegatives", gm.FalseNegatives, "false_negatives"),
])
def test_names_resolve_to_keras_classes_and_keys(name: str, cls: type, key: str) -> None:
    metric = gm.get(name)
    assert type(metric) is cls and metric.name == key
    clone = type(metric).from_config(metric.get_config())
    assert clone.get_config() == metric.get_config()


def test_compile_and_fit_report_stateful_metrics_per_epoch(rng: np.random.Generator) -> None:
    x = rng.normal(size=(120, 3)).astype("float32")
    y = (x[:, 0] + 0.3 * x[:, 1] > 0).astype("float32")
    model = gn.Sequential([gn.layers.Input((3,)), gn.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="sgd", loss="binary_crossentropy",
                  metrics=["accuracy", "precision", gm.Recall(name="rec"), gm.AUC(), gm.F1Score(threshold=0.5)])
    history = model.fit(x, y, epochs=2, batch_size=16, validation_split=0.25, verbose=0)
    for key in ("accuracy", "precision", "rec", "auc", "f1_score", "val_precision", "val_auc", "val_f1_score"):
        assert key in history.history and len(history.history[key]) == 2, key
    # evaluate's precision equals the post-training score on the same predictions.
    scores = model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
    decided = (model.predict(x, verbose=0)[:, 0] > 0.5).astype(int)
    assert scores["precision"] == pytest.approx(gm.precision_score(y.astype(int), decided, zero_division=0))
    assert scores["rec"] == pytest.approx(gm.recall_score(y.astype(int), decided, zero_division=0))


def test_per_class_f1_in_compile_is_kept_as_an_array(rng: np.random.Generator) -> None:
    x = rng.normal(size=(60, 3)).astype("float32")
    y = rng.integers(0, 3, 60)
    model = gn.Sequential([gn.layers.Input((3,)), gn.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=[gm.F1Score()])
    history = model.fit(x, y, epochs=1, batch_size=20, verbose=0)
    assert np.shape(history.history["f1_score"][0]) == (3,)
    proba = model.predict(x, verbose=0)
    expected = skm.f1_score(y, proba.argmax(axis=1), average=None, labels=[0, 1, 2], zero_division=0)
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0, return_dict=True)["f1_score"], expected, atol=1e-5)


def test_one_hot_labels_given_to_a_sparse_accuracy_are_named_on_every_numpy():
    """NumPy 1 answers a mismatched == with one False; the metric says what is wrong instead."""
    from glassnet.metrics.functions import sparse_categorical_accuracy

    one_hot = np.eye(3, dtype="float32")[[0, 1, 2, 1, 0, 2, 2, 1]]
    with pytest.raises(ValueError, match=r"sparse_categorical_accuracy: labels of shape \(8, 3\).*categorical_accuracy"):
        sparse_categorical_accuracy(one_hot, np.random.default_rng(0).random((8, 3)))
