"""KerasClassifier / KerasRegressor: the scikeras contract, scikit-learn tools, seeding, errors."""

from __future__ import annotations

import pickle
import random
from typing import Any

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

import glassnet as keras
from glassnet.wrappers import KerasClassifier, KerasRegressor


def build(meta: dict[str, Any], units: int = 8) -> Any:
    """Softmax over the classes (a sigmoid unit for two): the wrapper picks the matching loss."""
    n = meta["n_classes_"]
    head = keras.layers.Dense(1, activation="sigmoid") if n == 2 else keras.layers.Dense(n, activation="softmax")
    return keras.Sequential([keras.Input((meta["n_features_in_"],)), keras.layers.Dense(units, activation="relu"),
                             head])


def build_regressor(meta: dict[str, Any], hidden: int = 8) -> Any:
    return keras.Sequential([keras.Input((meta["n_features_in_"],)), keras.layers.Dense(hidden, activation="relu"),
                             keras.layers.Dense(meta["n_outputs_expected_"])])


def blobs(n: int = 90, labels: tuple = ("cat", "dog", "fox")) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 3.0], [3.0, 0.0], [-3.0, -3.0]])[: len(labels)]
    idx = np.arange(n) % len(labels)
    return centres[idx] + rng.normal(scale=0.5, size=(n, 2)), np.array(labels)[idx]


def classifier(**kwargs: Any) -> KerasClassifier:
    params = {"epochs": 30, "verbose": 0, "random_state": 0, "optimizer": "adam", "optimizer__learning_rate": 0.05,
              **kwargs}
    return KerasClassifier(build, **params)


def test_string_labels_multiclass() -> None:
    x, y = blobs()
    clf = classifier(model__units=6).fit(x, y)
    assert clf.classes_.tolist() == ["cat", "dog", "fox"]
    assert clf.n_features_in_ == 2 and clf.model_.loss == "sparse_categorical_crossentropy"
    assert set(clf.predict(x)) <= set(clf.classes_)
    proba = clf.predict_proba(x)
    assert proba.shape == (90, 3) and np.allclose(proba.sum(axis=1), 1, atol=1e-5)
    assert clf.score(x, y) > 0.9
    assert clf.model_.layers[0].units == 6  # model__units reached the build function
    assert len(clf.history_["loss"]) == 30


def test_binary_labels_pick_binary_crossentropy() -> None:
    x, y = blobs(60, labels=(-1, 7))
    clf = classifier().fit(x, y)
    assert clf.model_.loss == "binary_crossentropy"
    assert clf.predict_proba(x).shape == (60, 2)
    assert set(clf.predict(x).tolist()) <= {-1, 7} and clf.score(x, y) > 0.9


def test_categorical_loss_gets_one_hot_targets() -> None:
    x, y = blobs()
    clf = classifier(loss="categorical_crossentropy").fit(x, y)
    assert clf.score(x, y) > 0.9


def test_params_route_to_optimizer_fit_and_model() -> None:
    clf = classifier(fit__shuffle=False)
    params = clf.get_params()
    assert params["optimizer__learning_rate"] == 0.05 and params["fit__shuffle"] is False
    clf.set_params(optimizer__learning_rate=0.01, model__units=3, epochs=2)
    x, y = blobs()
    clf.fit(x, y)
    assert np.isclose(float(clf.model_.optimizer.learning_rate), 0.01)
    assert clf.model_.layers[0].units == 3 and len(clf.history_["loss"]) == 2
    with pytest.raises(ValueError, match="Invalid parameter 'unitz'"):
        clf.set_params(unitz=3)


def test_clone_keeps_params_and_refits_identically() -> None:
    x, y = blobs()
    clf = classifier(model__units=5)
    twin = clone(clf)
    assert twin.get_params() == clf.get_params() and not hasattr(twin, "model_")
    np.testing.assert_array_equal(clf.fit(x, y).predict_proba(x), twin.fit(x, y).predict_proba(x))


def test_random_state_makes_fits_identical_and_leaves_global_rng_alone() -> None:
    x, y = blobs()
    state = (np.random.get_state()[1].copy(), random.getstate(), keras.backend.rng().bit_generator.state)
    first = classifier(epochs=3).fit(x, y).predict_proba(x)
    second = classifier(epochs=3).fit(x, y).predict_proba(x)
    np.testing.assert_array_equal(first, second)
    other = classifier(epochs=3, random_state=1).fit(x, y).predict_proba(x)
    assert not np.array_equal(first, other)
    assert np.array_equal(np.random.get_state()[1], state[0]) and random.getstate() == state[1]
    assert keras.backend.rng().bit_generator.state == state[2]


def test_model_instance_is_cloned_per_fit() -> None:
    x, y = blobs()
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, activation="softmax")])
    before = [w.copy() for w in model.get_weights()]
    clf = KerasClassifier(model, epochs=5, verbose=0, random_state=0).fit(x, y)
    assert clf.model_ is not model
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    assert clf.predict(x).shape == (90,)


def test_compiled_model_instance_keeps_its_compile() -> None:
    x, y = blobs()
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    clf = KerasClassifier(model, epochs=2, verbose=0, random_state=0).fit(x, y)
    assert type(clf.model_.optimizer).__name__ == "SGD" and "accuracy" in clf.history_


def test_pipeline_grid_search_and_cross_val_score() -> None:
    x, y = blobs()
    pipe = Pipeline([("scale", StandardScaler()), ("clf", classifier(epochs=15))])
    grid = GridSearchCV(pipe, {"clf__model__units": [2, 8], "clf__optimizer__learning_rate": [0.05]}, cv=3)
    grid.fit(x, y)
    assert grid.best_params_["clf__model__units"] in (2, 8) and grid.best_score_ > 0.8
    scores = cross_val_score(classifier(epochs=15), x, y, cv=3)
    assert scores.shape == (3,) and scores.mean() > 0.8


def test_partial_fit_trains_one_epoch_at_a_time() -> None:
    x, y = blobs()
    clf = classifier()
    clf.partial_fit(x[:30], y[:30], classes=["cat", "dog", "fox", "gnu"])
    assert clf.classes_.tolist() == ["cat", "dog", "fox", "gnu"]
    model = clf.model_
    for _ in range(3):
        clf.partial_fit(x, y)
    assert clf.model_ is model and len(clf.history_["loss"]) == 4


def test_warm_start_keeps_the_model() -> None:
    x, y = blobs()
    clf = classifier(epochs=2, warm_start=True).fit(x, y)
    model = clf.model_
    assert clf.fit(x, y).model_ is model and len(clf.history_["loss"]) == 4


def test_sample_weight_reaches_training() -> None:
    x, y = blobs()
    only_cats = (y == "cat").astype(float) + 1e-6
    # Plain SGD: Adam's step would rescale the tiny gradients of the near-zero-weight samples back up.
    weighted = classifier(epochs=10, optimizer="sgd", optimizer__learning_rate=0.5).fit(x, y, sample_weight=only_cats)
    assert (weighted.predict(x) == "cat").mean() > 0.6
    with pytest.raises(ValueError, match="at least one positive"):
        classifier().fit(x, y, sample_weight=np.zeros(len(y)))


def test_pickle_round_trip() -> None:
    x, y = blobs()
    clf = classifier(epochs=3).fit(x, y)
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict_proba(x), clf.predict_proba(x))


def test_regressor_1d_and_2d_targets() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(100, 3))
    y = x @ np.array([1.0, -2.0, 0.5])
    reg = KerasRegressor(build_regressor, model__hidden=16, epochs=60, verbose=0, random_state=0,
                         optimizer="adam", optimizer__learning_rate=0.05).fit(x, y)
    assert reg.model_.loss == "mean_squared_error" and reg.predict(x).shape == (100,)
    assert reg.score(x, y) > 0.9
    y2 = np.column_stack([y, -y])
    assert clone(reg).fit(x, y2).predict(x).shape == (100, 2)


def test_clear_errors() -> None:
    x, y = blobs()
    with pytest.raises(ValueError, match="needs a model"):
        KerasClassifier(verbose=0).fit(x, y)
    wrong = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, activation="sigmoid")])
    with pytest.raises(ValueError, match="one output unit but y has 3 classes"):
        KerasClassifier(wrong, verbose=0).fit(x, y)
    with pytest.raises(TypeError, match="not a glassnet model"):
        KerasClassifier(lambda: "oops", verbose=0).fit(x, y)
    with pytest.raises(ValueError, match="requires y"):
        classifier().fit(x, None)
    with pytest.raises(ValueError, match="Unknown label type"):
        classifier().fit(x, np.linspace(0, 1, len(x)))
    fitted = classifier(epochs=1).fit(x, y)
    with pytest.raises(ValueError, match="labels not seen"):
        fitted.partial_fit(x, np.array(["emu"] * len(x), dtype=object))


def test_callbacks_are_copied_so_clone_works_after_fit() -> None:
    x, y = blobs()
    stop = keras.callbacks.EarlyStopping(monitor="loss", patience=1)
    clf = classifier(epochs=3, callbacks=[stop]).fit(x, y)
    assert getattr(stop, "model", None) is None  # the estimator's own object stays unbound
    assert len(clone(clf).fit(x, y).history_["loss"]) >= 2


def test_callback_classes_take_routed_parameters() -> None:
    x, y = blobs()
    clf = classifier(epochs=50, optimizer__learning_rate=0.0, callbacks=[keras.callbacks.EarlyStopping],
                     callbacks__monitor="loss", callbacks__patience=2).fit(x, y)
    assert len(clf.history_["loss"]) < 50  # a zero learning rate never improves: stopped early


def test_model_compiled_by_the_build_function_gets_matching_targets() -> None:
    x, y = blobs()

    def compiled(meta: dict[str, Any]) -> Any:
        model = build(meta)
        model.compile(optimizer=keras.optimizers.Adam(0.05), loss="categorical_crossentropy")
        return model

    clf = KerasClassifier(compiled, epochs=20, verbose=0, random_state=0).fit(x, y)
    assert clf.model_.loss == "categorical_crossentropy" and clf.score(x, y) > 0.9
    with pytest.raises(ValueError, match="2 output units but y has 3 classes"):
        KerasClassifier(lambda: keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)]), verbose=0).fit(x, y)
