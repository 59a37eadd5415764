"""glassnet.metrics' post-training functions against scikit-learn (the oracle), edge cases included."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import sklearn.metrics as skm

from glassnet import metrics as gm

# Both libraries warn on purpose in the edge cases (single label, zero division); tests that check a
# warning use pytest.warns, which sees it regardless of this filter.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

AVERAGES = [None, "micro", "macro", "weighted"]
ZERO_DIVISION = ["warn", 0, 1, np.nan]


def _same(ours, theirs) -> None:
    if theirs is None:
        assert ours is None
        return
    assert type(ours) is type(theirs) or np.ndim(theirs) == 0, (type(ours), type(theirs))
    np.testing.assert_allclose(np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float), rtol=1e-12,
                               equal_nan=True)


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


CASES = {
    # name: (y_true, y_pred)
    "multiclass": (np.array([0, 1, 2, 2, 1, 0, 3, 3, 2, 1, 0, 2]), np.array([0, 2, 2, 1, 1, 0, 3, 0, 2, 1, 1, 2])),
    "class never predicted": (np.array([0, 1, 2, 2, 1, 0, 2]), np.array([0, 1, 1, 1, 1, 0, 0])),
    "class never true": (np.array([0, 0, 1, 1, 0]), np.array([0, 2, 1, 2, 0])),
    "binary": (np.array([1, 0, 1, 1, 0, 0, 1, 0]), np.array([1, 1, 0, 1, 0, 0, 1, 1])),
    "single class present": (np.array([1, 1, 1, 1]), np.array([1, 1, 1, 1])),
    "all negative, none predicted": (np.array([0, 0, 0]), np.array([0, 0, 0])),
    "string labels": (np.array(["cat", "dog", "cat", "bird", "dog"]), np.array(["cat", "cat", "cat", "bird", "dog"])),
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("average", AVERAGES)
@pytest.mark.parametrize("zero_division", ZERO_DIVISION)
def test_precision_recall_f1_match_sklearn(case: str, average: str | None, zero_division) -> None:
    y_true, y_pred = CASES[case]
    for fn in ("precision_score", "recall_score", "f1_score"):
        ours = _quiet(getattr(gm, fn), y_true, y_pred, average=average, zero_division=zero_division)
        theirs = _quiet(getattr(skm, fn), y_true, y_pred, average=average, zero_division=zero_division)
        _same(ours, theirs)
    ours = _quiet(gm.precision_recall_fscore_support, y_true, y_pred, average=average, beta=0.5,
                  zero_division=zero_division)
    theirs = _quiet(skm.precision_recall_fscore_support, y_true, y_pred, average=average, beta=0.5,
                    zero_division=zero_division)
    for a, b in zip(ours, theirs):
        _same(a, b)


@pytest.mark.parametrize("case", ["binary", "single class present", "all negative, none predicted"])
def test_binary_average_matches_sklearn(case: str) -> None:
    y_true, y_pred = CASES[case]
    for fn in ("precision_score", "recall_score", "f1_score"):
        for zd in ZERO_DIVISION:
            _same(_quiet(getattr(gm, fn), y_true, y_pred, zero_division=zd),
                  _quiet(getattr(skm, fn), y_true, y_pred, zero_division=zd))
    _same(gm.fbeta_score(y_true, y_pred, beta=2.0, pos_label=0, zero_division=0),
          skm.fbeta_score(y_true, y_pred, beta=2.0, pos_label=0, zero_division=0))


def test_labels_subset_and_sample_weight_match_sklearn(rng: np.random.Generator) -> None:
    y_true, y_pred, w = rng.integers(0, 5, 300), rng.integers(0, 5, 300), rng.random(300)
    for average in AVERAGES:
        for labels in ([0, 3, 1], [4, 7]):
            kwargs = dict(labels=labels, average=average, sample_weight=w, zero_division=0)
            for fn in ("precision_score", "recall_score", "f1_score"):
                _same(getattr(gm, fn)(y_true, y_pred, **kwargs), getattr(skm, fn)(y_true, y_pred, **kwargs))


def test_zero_division_warns_like_sklearn() -> None:
    y_true, y_pred = CASES["class never predicted"]
    with pytest.warns(gm.UndefinedMetricWarning, match="Precision is ill-defined"):
        gm.precision_score(y_true, y_pred, average="macro")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gm.precision_score(y_true, y_pred, average="macro", zero_division=0)


def test_multilabel_indicator_matches_sklearn(rng: np.random.Generator) -> None:
    y_true, y_pred = rng.integers(0, 2, (40, 4)), rng.integers(0, 2, (40, 4))
    y_pred[:, 2] = 0    # a label never predicted
    for average in AVERAGES:
        _same(gm.f1_score(y_true, y_pred, average=average, zero_division=0),
              skm.f1_score(y_true, y_pred, average=average, zero_division=0))
    _same(gm.accuracy_score(y_true, y_pred), skm.accuracy_score(y_true, y_pred))


@pytest.mark.parametrize("case", list(CASES))
def test_accuracy_and_confusion_matrix_match_sklearn(case: str, rng: np.random.Generator) -> None:
    y_true, y_pred = CASES[case]
    w = rng.random(len(y_true))
    _same(gm.accuracy_score(y_true, y_pred), skm.accuracy_score(y_true, y_pred))
    _same(gm.accuracy_score(y_true, y_pred, normalize=False, sample_weight=w),
          skm.accuracy_score(y_true, y_pred, normalize=False, sample_weight=w))
    for normalize in (None, "true", "pred", "all"):
        ours = _quiet(gm.confusion_matrix, y_true, y_pred, normalize=normalize)
        theirs = _quiet(skm.confusion_matrix, y_true, y_pred, normalize=normalize)
        assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
        _same(ours, theirs)
    labels = np.unique(y_true)[::-1]
    _same(gm.confusion_matrix(y_true, y_pred, labels=labels, sample_weight=w),
          skm.confusion_matrix(y_true, y_pred, labels=labels, sample_weight=w))


def test_confusion_matrix_layout_by_hand() -> None:
    # Rows are true classes, columns predictions: one 0 taken for a 2 lands in row 0, column 2.
    cm = gm.confusion_matrix([0, 0, 1, 2], [0, 2, 1, 2])
    np.testing.assert_array_equal(cm, [[1, 0, 1], [0, 1, 0], [0, 0, 1]])
    assert "true\\pred" in gm.format_confusion_matrix(cm)


@pytest.mark.parametrize("case", [c for c in CASES if c != "all negative, none predicted"])
@pytest.mark.parametrize("digits", [2, 4])
def test_classification_report_text_is_sklearns(case: str, digits: int) -> None:
    y_true, y_pred = CASES[case]
    assert _quiet(gm.classification_report, y_true, y_pred, digits=digits) == \
        _quiet(skm.classification_report, y_true, y_pred, digits=digits)


def test_classification_report_labels_and_names_match_sklearn() -> None:
    y_true, y_pred = CASES["multiclass"]
    kwargs = dict(labels=[0, 1, 2], target_names=["zero", "one", "two"], zero_division=0)
    assert gm.classification_report(y_true, y_pred, **kwargs) == skm.classification_report(y_true, y_pred, **kwargs)
    with pytest.raises(ValueError, match="Number of classes, 4, does not match size of target_names, 2"):
        gm.classification_report(y_true, y_pred, target_names=["a", "b"])


@pytest.mark.parametrize("case", ["multiclass", "class never predicted", "binary", "single class present"])
def test_classification_report_dict_has_sklearns_values_plus_specificity(case: str) -> None:
    y_true, y_pred = CASES[case]
    ours = gm.classification_report(y_true, y_pred, output_dict=True, zero_division=0)
    theirs = skm.classification_report(y_true, y_pred, output_dict=True, zero_division=0)
    assert list(ours) == list(theirs)
    for key, value in theirs.items():
        if isinstance(value, dict):
            assert {k: ours[key][k] for k in value} == pytest.approx(value)
            assert ours[key]["sensitivity"] == pytest.approx(value["recall"])
        else:
            assert ours[key] == pytest.approx(value)
    # Specificity = TN / (TN + FP) per class, from the confusion matrix.
    labels = np.unique(np.concatenate([y_true, y_pred]))
    cm = gm.confusion_matrix(y_true, y_pred, labels=labels)
    fp = cm.sum(axis=0) - np.diag(cm)
    tn = cm.sum() - cm.sum(axis=0) - cm.sum(axis=1) + np.diag(cm)
    with np.errstate(invalid="ignore"):
        expected = np.where(tn + fp > 0, tn / np.maximum(tn + fp, 1), 0.0)
    got = [ours[str(c)]["specificity"] for c in labels]
    np.testing.assert_allclose(got, expected)
    assert ours["macro avg"]["specificity"] == pytest.approx(expected.mean())


def test_specificity_by_hand() -> None:
    # 2 healthy (0), 3 sick (1): one healthy person flagged sick -> specificity of class 1 = 1/2.
    report = gm.classification_report([0, 0, 1, 1, 1], [0, 1, 1, 1, 0], output_dict=True)
    assert report["1"]["specificity"] == pytest.approx(0.5)
    assert report["1"]["sensitivity"] == pytest.approx(2 / 3)
    assert report["0"]["specificity"] == pytest.approx(2 / 3)


SCORES = np.array([0.1, 0.4, 0.35, 0.8, 0.8, 0.2, 0.65, 0.5, 0.5, 0.9])
TRUTH = np.array([0, 0, 1, 1, 0, 0, 1, 1, 0, 1])


@pytest.mark.parametrize("drop", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
def test_roc_and_pr_curves_match_sklearn(drop: bool, weighted: bool, rng: np.random.Generator) -> None:
    y_true = rng.integers(0, 2, 300)
    y_score = np.round(rng.random(300) + 0.3 * y_true, 1)      # many ties
    w = rng.random(300) * (rng.random(300) > 0.1) if weighted else None
    for ours, theirs in ((gm.roc_curve(y_true, y_score, sample_weight=w, drop_intermediate=drop),
                          skm.roc_curve(y_true, y_score, sample_weight=w, drop_intermediate=drop)),
                         (gm.precision_recall_curve(y_true, y_score, sample_weight=w, drop_intermediate=drop),
                          skm.precision_recall_curve(y_true, y_score, sample_weight=w, drop_intermediate=drop))):
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a, b)


def test_roc_curve_pos_label_and_hand_values() -> None:
    fpr, tpr, thr = gm.roc_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    np.testing.assert_allclose(fpr, [0, 0, 0.5, 0.5, 1])
    np.testing.assert_allclose(tpr, [0, 0.5, 0.5, 1, 1])
    assert thr[0] == np.inf
    labels = np.where(TRUTH == 1, "spam", "ham")
    for a, b in zip(gm.roc_curve(labels, SCORES, pos_label="spam"), skm.roc_curve(labels, SCORES, pos_label="spam")):
        np.testing.assert_allclose(a, b)
    with pytest.raises(ValueError, match="pos_label is not specified"):
        gm.roc_curve(labels, SCORES)


def test_roc_curve_single_class_warns_and_gives_nan() -> None:
    with pytest.warns(gm.UndefinedMetricWarning, match="No negative samples"):
        fpr, _, _ = gm.roc_curve([1, 1, 1], [0.2, 0.5, 0.9])
    assert np.isnan(fpr).all()


def test_auc_matches_sklearn_and_rejects_non_monotonic_x() -> None:
    x, y = np.array([0, 0.2, 0.2, 0.7, 1]), np.array([0, 0.5, 0.6, 0.9, 1])
    assert gm.auc(x, y) == pytest.approx(skm.auc(x, y))
    assert gm.auc(x[::-1], y[::-1]) == pytest.approx(skm.auc(x[::-1], y[::-1]))
    assert gm.auc([0, 1], [1, 1]) == 1.0
    with pytest.raises(ValueError, match="neither increasing nor decreasing"):
        gm.auc([0, 1, 0.5], [0, 1, 1])
    with pytest.raises(ValueError, match="At least 2 points"):
        gm.auc([0.5], [1])


def test_roc_auc_score_binary_matches_sklearn(rng: np.random.Generator) -> None:
    y_true = rng.integers(0, 2, 500)
    y_score = rng.random(500) + 0.5 * y_true
    w = rng.random(500)
    assert gm.roc_auc_score(y_true, y_score) == pytest.approx(skm.roc_auc_score(y_true, y_score), abs=1e-12)
    assert gm.roc_auc_score(y_true, y_score, sample_weight=w) == \
        pytest.approx(skm.roc_auc_score(y_true, y_score, sample_weight=w), abs=1e-12)
    for max_fpr in (0.1, 0.5):
        assert gm.roc_auc_score(y_true, y_score, max_fpr=max_fpr) == \
            pytest.approx(skm.roc_auc_score(y_true, y_score, max_fpr=max_fpr), abs=1e-12)
    # Two labels other than 0/1: the larger one is the positive class, as in scikit-learn.
    named = np.where(y_true == 1, 7, 3)
    assert gm.roc_auc_score(named, y_score) == pytest.approx(skm.roc_auc_score(named, y_score))


def test_roc_auc_score_single_class_is_nan_with_warning() -> None:
    with pytest.warns(gm.UndefinedMetricWarning, match="Only one class is present"):
        assert np.isnan(gm.roc_auc_score([1, 1, 1], [0.3, 0.6, 0.9]))


@pytest.mark.parametrize("average", ["macro", "weighted", "micro", None])
def test_roc_auc_score_ovr_matches_sklearn(average: str | None, rng: np.random.Generator) -> None:
    y_true = rng.integers(0, 4, 400)
    logits = rng.normal(size=(400, 4)) + 1.5 * np.eye(4)[y_true]
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    w = rng.random(400)
    ours = gm.roc_auc_score(y_true, proba, multi_class="ovr", average=average, sample_weight=w)
    theirs = skm.roc_auc_score(y_true, proba, multi_class="ovr", average=average, sample_weight=w)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    # One-hot labels are a multilabel indicator; macro equals one-vs-rest.
    if average != "micro":
        np.testing.assert_allclose(gm.roc_auc_score(np.eye(4)[y_true], proba, average=average),
                                   skm.roc_auc_score(np.eye(4)[y_true], proba, average=average), rtol=1e-12)


def test_roc_auc_score_ovr_with_labels_and_errors() -> None:
    y_true = np.array([0, 2, 2, 0, 2, 0])
    proba = np.array([[0.7, 0.2, 0.1], [0.1, 0.2, 0.7], [0.3, 0.3, 0.4], [0.5, 0.4, 0.1], [0.2, 0.1, 0.7],
                      [0.2, 0.5, 0.3]])
    # Class 1 never occurs: with labels it is a column of its own; its AUC is undefined (nan, skipped).
    ours = gm.roc_auc_score(y_true, proba, multi_class="ovr", labels=[0, 1, 2], average=None)
    theirs = _quiet(skm.roc_auc_score, y_true, proba, multi_class="ovr", labels=[0, 1, 2], average=None)
    np.testing.assert_allclose(ours, theirs, equal_nan=True)
    with pytest.raises(ValueError, match="multi_class must be in"):
        gm.roc_auc_score([0, 1, 2], np.eye(3))
    with pytest.raises(ValueError, match="sum up to 1.0"):
        gm.roc_auc_score([0, 1, 2], np.eye(3) * 2, multi_class="ovr")
    with pytest.raises(ValueError, match="Number of classes in y_true"):
        gm.roc_auc_score([0, 1, 2], np.full((3, 4), 0.25), multi_class="ovr")


def test_bad_inputs_are_named() -> None:
    with pytest.raises(ValueError, match="different numbers of samples: 3 and 2"):
        gm.accuracy_score([0, 1, 1], [0, 1])
    with pytest.raises(ValueError, match="y_pred holds continuous values"):
        gm.f1_score([0, 1, 1], [0.2, 0.9, 0.7])
    with pytest.raises(ValueError, match="Target is multiclass but average='binary'"):
        gm.precision_score([0, 1, 2], [0, 1, 2])
    with pytest.raises(ValueError, match="pos_label=1 is not a valid label"):
        gm.recall_score(["a", "b"], ["a", "b"])
    with pytest.raises(ValueError, match="average has to be one of"):
        gm.f1_score([0, 1], [0, 1], average="mean")
    with pytest.raises(ValueError, match="y_true contains NaN"):
        gm.accuracy_score([0.0, np.nan], [0, 1])
    with pytest.raises(ValueError, match="y_true.argmax"):
        gm.confusion_matrix(np.eye(3), [0, 1, 2])
    with pytest.raises(ValueError, match="At least one label specified must be in y_true"):
        gm.confusion_matrix([0, 1], [0, 1], labels=[5])
    with pytest.raises(ValueError, match="zero_division"):
        gm.precision_score([0, 1], [0, 1], zero_division=2)


def test_post_training_functions_refused_in_compile() -> None:
    with pytest.raises(TypeError, match="F1Score"):
        gm.get(gm.f1_score)
