"""Splits against scikit-learn, and cross-validation: fresh model per fold, serial == parallel."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.model_selection as skms

import glassnet as gn
from glassnet.model_selection import KFold, StratifiedKFold, cross_validate, fold_seeds, train_test_split


def _folds(splitter, x, y=None):
    return [(tr.tolist(), te.tolist()) for tr, te in splitter.split(x, y)]


@pytest.mark.parametrize("n,k", [(10, 2), (23, 5), (7, 7)])
def test_kfold_matches_sklearn_without_shuffle(n: int, k: int) -> None:
    x = np.zeros((n, 2))
    assert _folds(KFold(k), x) == _folds(skms.KFold(k), x)


@pytest.mark.parametrize("k", [2, 3, 5])
def test_stratified_kfold_matches_sklearn_without_shuffle(k: int, rng: np.random.Generator) -> None:
    y = rng.choice(["b", "a", "c"], size=41, p=[0.6, 0.3, 0.1])
    x = np.zeros((41, 1))
    assert _folds(StratifiedKFold(k), x, y) == _folds(skms.StratifiedKFold(k), x, y)


def test_shuffled_folds_partition_the_data_and_keep_class_shares(rng: np.random.Generator) -> None:
    y = np.repeat([0, 1, 2], [30, 15, 5])
    seen = []
    for train, test in StratifiedKFold(5, shuffle=True, random_state=3).split(np.zeros(50), y):
        assert not set(train) & set(test) and len(train) + len(test) == 50
        np.testing.assert_array_equal(np.bincount(y[test], minlength=3), [6, 3, 1])
        seen.extend(test.tolist())
    assert sorted(seen) == list(range(50))
    a = _folds(KFold(4, shuffle=True, random_state=1), np.zeros(20))
    assert a == _folds(KFold(4, shuffle=True, random_state=1), np.zeros(20))
    assert a != _folds(KFold(4), np.zeros(20))


def test_fold_errors() -> None:
    with pytest.raises(ValueError, match="n_splits=2 or more"):
        KFold(1)
    with pytest.raises(ValueError, match="greater than the number of samples"):
        list(KFold(5).split(np.zeros(3)))
    with pytest.raises(ValueError, match="random_state has no effect"):
        KFold(3, random_state=0)
    with pytest.raises(ValueError, match="cannot be greater than the number of members in each class"):
        list(StratifiedKFold(3).split(np.zeros(4), [0, 0, 1, 1]))
    with pytest.warns(UserWarning, match="least populated class in y has only 2 members"):
        list(StratifiedKFold(3).split(np.zeros(8), [0, 0, 1, 1, 1, 1, 1, 1]))


@pytest.mark.parametrize("test_size,train_size", [(None, None), (0.3, None), (7, None), (None, 0.6), (0.2, 0.5)])
def test_train_test_split_sizes_match_sklearn(test_size, train_size) -> None:
    x, y = np.arange(47).reshape(47, 1), np.arange(47) % 3
    ours = train_test_split(x, y, test_size=test_size, train_size=train_size, random_state=0)
    theirs = skms.train_test_split(x, y, test_size=test_size, train_size=train_size, random_state=0)
    assert [len(a) for a in ours] == [len(a) for a in theirs]
    x_tr, x_te, y_tr, y_te = ours
    np.testing.assert_array_equal(x_tr[:, 0] % 3, y_tr)          # rows stay paired
    assert not set(x_tr[:, 0]) & set(x_te[:, 0])


def test_train_test_split_stratified_and_unshuffled() -> None:
    y = np.repeat([0, 1], [90, 10])
    _, _, y_tr, y_te = train_test_split(np.zeros(100), y, test_size=0.2, stratify=y, random_state=0)
    np.testing.assert_array_equal(np.bincount(y_te), [18, 2])
    np.testing.assert_array_equal(np.bincount(y_tr), [72, 8])
    a_tr, a_te = train_test_split(list(range(10)), shuffle=False, test_size=0.3)
    assert a_tr == list(range(7)) and a_te == [7, 8, 9]
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        train_test_split(np.zeros(5), np.zeros(4))
    with pytest.raises(ValueError, match="test_size=1.5"):
        train_test_split(np.zeros(5), test_size=1.5)
    with pytest.raises(ValueError, match="only 1 member"):
        train_test_split(np.zeros(5), stratify=[0, 0, 0, 0, 1])


def build_classifier() -> gn.Sequential:
    """Module level, so joblib's worker processes can import it."""
    model = gn.Sequential([gn.layers.Input((4,)), gn.layers.Dense(8, activation="relu"),
                           gn.layers.Dropout(0.2), gn.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _data(rng: np.random.Generator):
    x = rng.normal(size=(150, 4)).astype("float32")
    y = (x[:, 0] > 0).astype(int) + (x[:, 1] > 0.5).astype(int)
    return x, y


def _macro_f1(y_true, y_pred):
    return gn.metrics.f1_score(y_true, y_pred.argmax(axis=1), average="macro", zero_division=0)


def test_cross_validate_serial_and_parallel_are_identical(rng: np.random.Generator) -> None:
    x, y = _data(rng)
    kwargs = dict(k=3, fit_kwargs={"epochs": 2, "batch_size": 16}, metrics={"f1": _macro_f1}, seed=7, stratify=True)
    serial = cross_validate(build_classifier, x, y, n_jobs=1, **kwargs)
    parallel = cross_validate(build_classifier, x, y, n_jobs=2, **kwargs)
    scores = [k for k in serial if "time" not in k]
    assert scores == ["test_loss", "test_accuracy", "test_f1", "train_loss", "train_accuracy", "seed"]
    for key in scores:
        np.testing.assert_array_equal(serial[key], parallel[key], err_msg=key)
    assert len(set(serial["test_loss"].tolist())) == 3       # folds really differ
    assert serial.mean["test_accuracy"] == pytest.approx(serial["test_accuracy"].mean())
    assert serial.std["test_accuracy"] == pytest.approx(serial["test_accuracy"].std())
    assert "test_accuracy" in serial.summary()


def test_cross_validate_scores_each_fold_on_its_own_fresh_model(rng: np.random.Generator) -> None:
    x, y = _data(rng)
    built = []

    def build():
        built.append(build_classifier())
        return built[-1]

    results = cross_validate(build, x, y, k=3, fit_kwargs={"epochs": 1}, shuffle=False, seed=5)
    assert len(built) == 3 and len({id(m) for m in built}) == 3
    # Re-running one fold by hand with the same seed reproduces its score exactly.
    train, test = next(KFold(3).split(x))
    gn.utils.set_random_seed(fold_seeds(5, 3)[0])
    gn.clear_session()
    model = build_classifier()
    model.fit(x[train], y[train], epochs=1, verbose=0)
    assert model.evaluate(x[test], y[test], verbose=0, return_dict=True)["accuracy"] == results["test_accuracy"][0]
    # The caller's random stream is left where it was.
    gn.utils.set_random_seed(11)
    expected = np.random.rand()
    gn.utils.set_random_seed(11)
    cross_validate(build_classifier, x, y, k=2, fit_kwargs={"epochs": 1})
    assert np.random.rand() == expected


def test_cross_validate_errors(rng: np.random.Generator) -> None:
    x, y = _data(rng)

    def uncompiled():
        return gn.Sequential([gn.layers.Input((4,)), gn.layers.Dense(3)])

    with pytest.raises(ValueError, match="must return a compiled model"):
        cross_validate(uncompiled, x, y, k=2)
    with pytest.raises(ValueError, match="must not contain 'validation_split'"):
        cross_validate(build_classifier, x, y, fit_kwargs={"validation_split": 0.2})
    with pytest.raises(TypeError, match="build_model must be a function"):
        cross_validate(build_classifier(), x, y)
