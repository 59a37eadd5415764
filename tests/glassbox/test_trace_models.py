"""trace() on every kind of model: Functional, subclassed, nested layers, conv nets; state restored; output."""

from __future__ import annotations

import numpy as np

import glassnet as gn
from glassnet import backend
from glassnet.engine.tensor import GradientTape


def tape_gradients(model: gn.Model, xs: list[np.ndarray], y: np.ndarray) -> list[np.ndarray]:
    with GradientTape() as tape:
        pred = model(xs[0] if len(xs) == 1 else xs, training=True)
        loss = model.compiled_loss[0](y, pred)
    return tape.gradient(loss, model.trainable_weights)


def check_chain_rule(t: gn.glassbox.Trace) -> None:
    """Every op's delta is the sum of what its consumers passed back (ops no gradient reaches: None)."""
    for op in t.ops[:-1]:
        passed = [c.input_grads[i] for c in t.ops for i, label in enumerate(c.input_labels)
                  if label == f"#{op.index}" and c.input_grads[i] is not None]
        if op.delta is None:
            assert not passed, op
        else:
            np.testing.assert_allclose(op.delta, sum(passed), rtol=1e-6, atol=1e-9)


def test_functional_model_with_two_inputs(rng: np.random.Generator) -> None:
    a, b = gn.Input((3,), name="a"), gn.Input((2,), name="b")
    h = gn.layers.Concatenate(name="join")([gn.layers.Dense(4, activation="tanh", name="left")(a), b])
    model = gn.Model([a, b], gn.layers.Dense(1, name="out")(h))
    model.compile(optimizer="sgd", loss="mse")
    xs, y = [rng.normal(size=(2, 3)), rng.normal(size=(2, 2))], rng.normal(size=(2, 1))
    t = gn.trace(model, xs, y)
    assert [(op.layer, op.name) for op in t.ops if op.layer != "loss"] == [
        ("left", "dense"), ("left", "tanh"), ("join", "concatenate"), ("out", "dense")]
    assert t.ops[0].input_labels[0] == "x[0]" and t.ops[2].input_labels == ["#1", "x[1]"]
    for w, g in zip(t.weights, tape_gradients(model, [x.astype(np.float32) for x in xs], y.astype(np.float32))):
        np.testing.assert_allclose(w.gradient, g, rtol=1e-6)
    assert all(g is not None and g.shape == x.shape for g, x in zip(t.input_gradients, xs))
    check_chain_rule(t)


class Inner(gn.layers.Layer):
    """A layer holding a Dense layer: its ops belong to the Dense layer, its own arithmetic to itself."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.proj = gn.layers.Dense(3, name="proj")

    def call(self, x: gn.Tensor) -> gn.Tensor:
        return self.proj(x) * 2.0


class Subclassed(gn.Model):
    def __init__(self) -> None:
        super().__init__(name="sub")
        self.inner = Inner(name="inner")
        self.head = gn.layers.Dense(1, name="head")

    def call(self, x: gn.Tensor, training: object = None) -> gn.Tensor:
        return self.head(self.inner(x)) - 1.0


def test_subclassed_model_and_nested_layers(rng: np.random.Generator) -> None:
    model = Subclassed()
    model.compile(optimizer="sgd", loss="mse")
    x, y = rng.normal(size=(3, 4)), rng.normal(size=(3, 1))
    t = gn.trace(model, x, y)
    assert [(op.layer, op.name) for op in t.ops if op.layer != "loss"] == [
        ("proj", "dense"), ("inner", "multiply"), ("head", "dense"), ("sub", "subtract")]
    assert sorted(t.layers["proj"].weights) == ["bias", "kernel"] and not t.layers["inner"].weights
    for w, g in zip(t.weights, tape_gradients(model, [x.astype(np.float32)], y.astype(np.float32))):
        np.testing.assert_allclose(w.gradient, g, rtol=1e-6)
    assert "call" not in vars(model) and "call" not in vars(model.inner) and "call" not in vars(model.inner.proj)
    check_chain_rule(t)


def cnn() -> gn.Sequential:
    model = gn.Sequential([gn.Input((6, 6, 1)), gn.layers.Conv2D(2, 3, activation="relu", name="conv"),
                           gn.layers.MaxPooling2D(2, name="pool"), gn.layers.Flatten(name="flat"),
                           gn.layers.BatchNormalization(name="bn"), gn.layers.Dropout(0.5, name="drop"),
                           gn.layers.Dense(3, activation="softmax", name="out")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def test_conv_net_runs_unfused_while_traced_and_fused_after(rng: np.random.Generator) -> None:
    gn.set_floatx("float64")  # fused and unfused kernels round differently; in float64 they agree to 1e-12
    model = cnn()
    x, y = rng.normal(size=(4, 6, 6, 1)), np.array([0, 1, 2, 1])
    model.predict(x, verbose=0)
    assert any("+" in getattr(step, "name", "") for step in model._forward_plan())  # runs fused normally
    state = backend.rng().bit_generator.state
    t = gn.trace(model, x, y)
    assert backend.rng().bit_generator.state == state  # the dropout mask drawn by the trace is given back
    assert model.fuse_layers is True and any("+" in getattr(s, "name", "") for s in model._forward_plan())
    assert [(op.layer, op.name) for op in t.ops[:4]] == [
        ("conv", "conv2d"), ("pool", "max_pool_2x2"), ("flat", "reshape"), ("bn", "batch_norm")]
    backend.rng().bit_generator.state = state  # the same dropout mask for the fused tape below
    for w, g in zip(t.weights, tape_gradients(model, [x], y)):
        np.testing.assert_allclose(w.gradient, g, rtol=1e-10, atol=1e-12)
    check_chain_rule(t)


def test_conv_net_gradients_match_finite_differences(rng: np.random.Generator) -> None:
    gn.set_floatx("float64")
    model = gn.Sequential([gn.Input((5, 5, 1)), gn.layers.Conv2D(2, 2, activation="relu"), gn.layers.MaxPooling2D(2),
                           gn.layers.Flatten(), gn.layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = rng.normal(size=(2, 5, 5, 1)), rng.normal(size=(2, 2))
    t = gn.trace(model, x, y)
    for var, record in zip(model.trainable_weights, t.weights):
        numeric = np.zeros_like(var.numpy())
        for i in range(var.data.size):
            flat = var.data.reshape(-1)
            old = flat[i]
            costs = []
            for step in (1e-6, -1e-6):
                flat[i] = old + step
                costs.append(float(model.compiled_loss[0](y, model(x, training=True)).numpy()))
            flat[i] = old
            numeric.reshape(-1)[i] = (costs[0] - costs[1]) / 2e-6
        np.testing.assert_allclose(record.gradient, numeric, rtol=1e-6, atol=1e-9)


def test_moving_statistics_and_adam_state_are_restored(rng: np.random.Generator) -> None:
    model = cnn()
    x, y = rng.normal(size=(4, 6, 6, 1)), np.array([0, 1, 2, 1])
    model.fit(x, y, epochs=1, verbose=0)
    weights = model.get_weights()  # includes the batch-norm moving mean and variance
    opt = model.optimizer
    slots = [{k: v.copy() for k, v in g.slots.items()} for g in opt._groups]
    gn.trace(model, x, y)
    for a, b in zip(model.get_weights(), weights):
        np.testing.assert_array_equal(a, b)
    assert opt.iterations == 1
    for group, saved in zip(opt._groups, slots):
        for k, v in saved.items():
            np.testing.assert_array_equal(group.slots[k], v)


def test_to_dict_gives_plain_lists_and_arrays(rng: np.random.Generator) -> None:
    model = gn.Sequential([gn.Input((2,)), gn.layers.Dense(1, name="d")])
    model.compile(optimizer="sgd", loss="mse")
    t = gn.trace(model, rng.normal(size=(1, 2)), np.ones((1, 1)))
    d = t.to_dict()
    assert isinstance(d["ops"], list) and isinstance(d["ops"][0], dict) and isinstance(d["weights"], list)
    assert d["ops"][0]["name"] == "dense" and d["ops"][0]["layer"] == "d"
    assert isinstance(d["weights"][0]["gradient"], np.ndarray) and d["weights"][0]["path"] == "d/kernel"
    np.testing.assert_array_equal(d["weights"][0]["gradient"], t.weights[0].gradient)
    d["weights"][0]["gradient"][...] = 99  # a copy: editing the dict leaves the trace alone
    assert not np.any(t.weights[0].gradient == 99)
    assert d["loss"] == t.loss and d["applied"] is False


def test_printout_is_full_for_a_tiny_net_and_shortened_for_a_big_layer(rng: np.random.Generator) -> None:
    tiny = gn.Sequential([gn.Input((2,)), gn.layers.Dense(2, name="d")])
    tiny.compile(optimizer="sgd", loss="mse")
    text = str(gn.trace(tiny, np.array([[0.5, -1.25]]), np.array([[1.0, 0.0]])))
    assert ", ...," not in text and "[[0.5, -1.25]]" in text  # ", ...," marks a shortened array
    for header in ("Forward pass", "Backward pass", "Weights", "dC/dW", "update", "cost C ="):
        assert header in text
    big = gn.Sequential([gn.Input((300,)), gn.layers.Dense(50, name="wide"), gn.layers.Dense(1)])
    big.compile(optimizer="sgd", loss="mse")
    t = gn.trace(big, rng.normal(size=(2, 300)), np.ones((2, 1)))
    text = str(t)
    assert "(300, 50) [" in text and ", ...," in text
    assert max(len(line) for line in text.splitlines()) < 600
    assert len(t.format(max_elements=4)) < len(text)


def test_html_has_one_collapsible_section_per_layer() -> None:
    model = gn.Sequential([gn.Input((2,)), gn.layers.Dense(2, activation="sigmoid", name="hid<den>"),
                           gn.layers.Dense(1, name="out")])
    model.compile(optimizer="sgd", loss="mse")
    page = gn.trace(model, np.ones((1, 2)), np.ones((1, 1)))._repr_html_()
    assert page.count("<details>") == 3  # hid<den>, out, loss
    assert "hid&lt;den&gt;" in page and "<den>" not in page
    assert "sigmoid" in page and "dC/dW" in page
