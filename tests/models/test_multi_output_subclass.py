"""Subclassed models with several outputs (tuple, list or dict) and dict inputs: compile resolves its
arguments on the first step, as Keras 3 does, and fit/evaluate match real Keras (weights copied)."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn

RNG = np.random.default_rng(0)
X = RNG.normal(size=(24, 4)).astype(np.float32)
XA, XB = X[:, :2], X[:, 2:]
Y_REG = RNG.normal(size=(24, 1)).astype(np.float32)
Y_CLS = RNG.integers(0, 3, 24)


def two_outputs(lib, kind: str, dict_inputs: bool = False):
    """The same subclassed model in glassnet or Keras: a shared body, a regression and a class head."""

    class TwoHeads(lib.Model):
        def __init__(self):
            super().__init__()
            self.body = lib.layers.Dense(6, activation="tanh")
            self.reg = lib.layers.Dense(1)
            self.cls = lib.layers.Dense(3, activation="softmax")

        def call(self, inputs):
            x = lib.ops.concatenate([inputs["a"], inputs["b"]], axis=-1) if dict_inputs else inputs
            h = self.body(x)
            r, c = self.reg(h), self.cls(h)
            if kind == "dict":
                return {"reg": r, "cls": c}
            return [r, c] if kind == "list" else (r, c)

    return TwoHeads()


def _pair(keras, kind, dict_inputs=False):
    """A glassnet model and a Keras model with the same weights."""
    x = {"a": XA[:1], "b": XB[:1]} if dict_inputs else X[:1]
    ours, theirs = two_outputs(gn, kind, dict_inputs), two_outputs(keras, kind, dict_inputs)
    ours(x)
    theirs(x)
    for name in ("body", "reg", "cls"):
        getattr(ours, name).set_weights(getattr(theirs, name).get_weights())
    return ours, theirs


def _fit_both(keras, kind, loss, metrics=None, loss_weights=None, dict_inputs=False, y=None):
    ours, theirs = _pair(keras, kind, dict_inputs)
    x = {"a": XA, "b": XB} if dict_inputs else X
    if y is None:
        y = {"reg": Y_REG, "cls": Y_CLS} if kind == "dict" else (Y_REG, Y_CLS)
    logs = []
    for lib, model in ((gn, ours), (keras, theirs)):
        model.compile(optimizer=lib.optimizers.SGD(0.1), loss=loss, loss_weights=loss_weights, metrics=metrics)
        hist = model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0, validation_data=(x, y))
        logs.append((hist.history, model.evaluate(x, y, verbose=0, return_dict=True)))
    return logs


def _assert_same(logs):
    (ours, ours_eval), (theirs, theirs_eval) = logs
    assert set(ours) == set(theirs)
    for key in theirs:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=2e-4, atol=1e-5, err_msg=key)
    assert set(ours_eval) == set(theirs_eval)
    for key in theirs_eval:
        np.testing.assert_allclose(ours_eval[key], theirs_eval[key], rtol=2e-4, atol=1e-5, err_msg=key)


@pytest.mark.parametrize("kind", ["tuple", "list"])
def test_tuple_outputs_list_loss_and_metrics_match_keras(keras, kind):
    logs = _fit_both(keras, kind, ["mse", "sparse_categorical_crossentropy"], metrics=[["mae"], ["accuracy"]],
                     loss_weights=[0.5, 2.0])
    assert {"loss", "mse_loss", "sparse_categorical_crossentropy_loss", "mae", "accuracy"} <= set(logs[0][0])
    _assert_same(logs)


def test_dict_outputs_map_by_key_and_log_by_key(keras):
    logs = _fit_both(keras, "dict", {"reg": "mse", "cls": "sparse_categorical_crossentropy"},
                     metrics={"reg": "mae", "cls": ["accuracy"]}, loss_weights={"reg": 1.0, "cls": 0.3})
    assert {"loss", "reg_loss", "cls_loss", "reg_mae", "cls_accuracy", "val_cls_loss"} <= set(logs[0][0])
    _assert_same(logs)


def test_dict_outputs_take_a_list_in_sorted_key_order(keras):
    # Keras flattens a dict by sorted key: "cls" comes before "reg".
    _assert_same(_fit_both(keras, "dict", ["sparse_categorical_crossentropy", "mse"], metrics=[["accuracy"], ["mae"]]))


def test_one_loss_for_every_output_and_repeated_metric_names(keras):
    logs = _fit_both(keras, "tuple", "mse", metrics=[["mae"], ["mae"]], y=(Y_REG, np.tile(Y_REG, (1, 3))))
    assert {"mae", "mae_1", "mse_loss"} <= set(logs[0][0])
    _assert_same(logs)


def test_an_output_without_a_loss_logs_only_the_total(keras):
    logs = _fit_both(keras, "tuple", ["mse", None])
    assert set(logs[0][0]) == {"loss", "val_loss"}
    _assert_same(logs)


def test_dict_inputs_reach_call_by_name(keras):
    _assert_same(_fit_both(keras, "tuple", ["mse", "sparse_categorical_crossentropy"], dict_inputs=True))
    model = two_outputs(gn, "single", dict_inputs=True)
    model.compile("sgd", ["mse", "sparse_categorical_crossentropy"])
    model.fit({"a": XA, "b": XB}, [Y_REG, Y_CLS], verbose=0)
    reg, cls = model.predict({"b": XB, "a": XA}, verbose=0)
    assert reg.shape == (24, 1) and cls.shape == (24, 3)


def test_train_and_test_on_batch_resolve_compile_too():
    model = two_outputs(gn, "dict")
    model.compile("sgd", loss={"reg": "mse", "cls": "sparse_categorical_crossentropy"}, metrics={"cls": "accuracy"})
    logs = model.train_on_batch(X, {"reg": Y_REG, "cls": Y_CLS}, return_dict=True)
    assert set(logs) == {"loss", "reg_loss", "cls_loss", "cls_accuracy"}
    assert set(model.test_on_batch(X, {"reg": Y_REG, "cls": Y_CLS}, return_dict=True)) == set(logs)


def test_single_output_subclass_compiles_at_once_as_before():
    class One(gn.Model):
        def __init__(self):
            super().__init__()
            self.d = gn.layers.Dense(1)

        def call(self, x):
            return self.d(x)

    model = One()
    model.compile("sgd", "mse", metrics=["mae"])
    assert model.compiled_loss[0] is not None and model.metrics_names == ["loss", "mae"]
    assert set(model.fit(X, Y_REG, verbose=0).history) == {"loss", "mae"}


@pytest.mark.parametrize("loss, metrics, y, message", [
    (["mse", "mse", "mse"], None, (Y_REG, Y_CLS), "loss is a list of 3 entries.*tuple of 2 outputs"),
    ({"reg": "mse"}, None, (Y_REG, Y_CLS), "loss is a dict.*tuple of 2 outputs"),
    ("mse", ["mae"], (Y_REG, Y_CLS), "metrics must match the outputs"),
    ("mse", None, Y_REG, "y has 1 array, but the model's call returns a tuple of 2 outputs"),
])
def test_mismatches_name_the_argument(loss, metrics, y, message):
    model = two_outputs(gn, "tuple")
    model.compile("sgd", loss=loss, metrics=metrics)
    with pytest.raises(ValueError, match=message):
        model.fit(X, y, verbose=0)


def test_compile_after_a_fit_resolves_at_once():
    model = two_outputs(gn, "tuple")
    model.compile("sgd", loss=["mse", "mse"])
    model.fit(X, (Y_REG, np.tile(Y_REG, (1, 3))), epochs=1, verbose=0)
    model.compile("sgd", loss=["mse", "mse"])
    assert model.metrics_names == ["loss", "mse_loss", "mse_loss"]
    with pytest.raises(ValueError, match="loss is a list of 3 entries"):
        model.compile("sgd", loss=["mse", "mse", "mse"])


def test_compile_config_keeps_the_arguments_as_given():
    model = two_outputs(gn, "dict")
    model.compile("sgd", loss={"reg": "mse", "cls": "sparse_categorical_crossentropy"},
                  loss_weights={"reg": 2.0, "cls": 1.0}, metrics={"reg": ["mae"]})
    config = model.get_compile_config()  # before the first step, too
    assert config["loss_weights"] == {"reg": 2.0, "cls": 1.0} and config["metrics"] == {"reg": ["mae"]}
    again = two_outputs(gn, "dict")
    again.compile_from_config(config)
    logs = again.fit(X, {"reg": Y_REG, "cls": Y_CLS}, verbose=0).history
    assert set(logs) == {"loss", "reg_loss", "cls_loss", "reg_mae"}


def test_a_generator_of_dict_inputs_and_tuple_labels():
    def batches():
        while True:
            yield {"a": XA[:8], "b": XB[:8]}, (Y_REG[:8], Y_CLS[:8])

    model = two_outputs(gn, "tuple", dict_inputs=True)
    model.compile("sgd", ["mse", "sparse_categorical_crossentropy"], metrics=[["mae"], ["accuracy"]])
    assert set(model.fit(batches(), steps_per_epoch=2, verbose=0).history) == {
        "loss", "mse_loss", "sparse_categorical_crossentropy_loss", "mae", "accuracy"}
    reg, cls = model.predict(batches(), steps=2, verbose=0)
    assert reg.shape == (16, 1) and cls.shape == (16, 3)


def test_repeated_metric_names_follow_keras(keras):
    x, y = X[:8, :3], Y_REG[:8]
    keys = []
    for lib in (gn, keras):
        inp = lib.Input((3,))
        model = lib.Model(inp, lib.layers.Dense(1)(inp))
        model.compile("sgd", "mse", metrics=["mae", "mae"], weighted_metrics=["mae", "mse"])
        keys.append(set(model.fit(x, y, sample_weight=np.arange(8.0), verbose=0).history))
    assert keys[0] == keys[1] == {"loss", "mae", "mae_1", "mse", "weighted_mae"}
