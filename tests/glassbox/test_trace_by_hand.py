"""trace() against back-propagation done by hand: the classic 2-2-2 sigmoid network, every number checked.

The network, weights, input and target are Matt Mazur's worked example ("A Step by Step
Backpropagation Example"): w1..w8 = 0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55, biases 0.35 and
0.60, x = (0.05, 0.10), target (0.01, 0.99), learning rate 0.5.  Keras' MSE is the mean over the two
outputs, which for two outputs equals the textbook's 1/2 * sum, so even the printed textbook values
apply.  The expected values below are computed with plain NumPy from the textbook equations.
"""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import backend
from glassnet.engine.tensor import GradientTape

X = np.array([[0.05, 0.10]])
T = np.array([[0.01, 0.99]])
# Row i of a kernel holds the weights leaving input i: W1 = [[w1, w3], [w2, w4]], W2 = [[w5, w7], [w6, w8]].
W1, B1 = np.array([[0.15, 0.25], [0.20, 0.30]]), np.array([0.35, 0.35])
W2, B2 = np.array([[0.40, 0.50], [0.45, 0.55]]), np.array([0.60, 0.60])
LR = 0.5


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def by_hand() -> dict[str, np.ndarray]:
    """Forward and backward propagation, one textbook equation per line."""
    z1 = X @ W1 + B1
    a1 = sigmoid(z1)
    z2 = a1 @ W2 + B2
    a2 = sigmoid(z2)
    cost = np.mean((a2 - T) ** 2)                 # Keras' MSE: mean over outputs (and samples)
    dc_da2 = 2 * (a2 - T) / a2.size
    delta2 = dc_da2 * a2 * (1 - a2)               # dC/dz2 = dC/da2 * sigmoid'(z2)
    dw2, db2 = a1.T @ delta2, delta2.sum(axis=0)
    dc_da1 = delta2 @ W2.T
    delta1 = dc_da1 * a1 * (1 - a1)               # dC/dz1 = (delta2 W2^T) * sigmoid'(z1)
    dw1, db1 = X.T @ delta1, delta1.sum(axis=0)
    dc_dx = delta1 @ W1.T
    return dict(z1=z1, a1=a1, z2=z2, a2=a2, cost=cost, dc_da2=dc_da2, delta2=delta2, dw2=dw2, db2=db2,
                dc_da1=dc_da1, delta1=delta1, dw1=dw1, db1=db1, dc_dx=dc_dx)


def mazur_model(optimizer: object = None) -> gn.Sequential:
    model = gn.Sequential([gn.Input((2,)), gn.layers.Dense(2, activation="sigmoid", name="hidden"),
                           gn.layers.Dense(2, activation="sigmoid", name="output")])
    model.compile(optimizer=optimizer or gn.optimizers.SGD(learning_rate=LR), loss="mse")
    model.set_weights([W1, B1, W2, B2])
    return model


@pytest.fixture
def float64() -> None:
    gn.set_floatx("float64")  # the conftest fixture sets float32 back afterwards


def close(actual: object, expected: object) -> None:
    np.testing.assert_allclose(np.asarray(actual, dtype=np.float64), expected, rtol=1e-12, atol=1e-15)


def test_every_number_of_the_network_ops_matches_the_hand_computation(float64: None) -> None:
    h = by_hand()
    t = gn.trace(mazur_model(), X, T)
    net_ops = [op for op in t.ops if op.layer != "loss"]
    assert [(op.layer, op.name) for op in net_ops] == [
        ("hidden", "dense"), ("hidden", "sigmoid"), ("output", "dense"), ("output", "sigmoid")]
    dense1, sig1, dense2, sig2 = net_ops
    # Forward: inputs and outputs of every op.
    assert dense1.input_labels == ["x", "hidden/kernel", "hidden/bias"]
    for got, want in zip(dense1.inputs, [X, W1, B1]):
        close(got, want)
    close(dense1.output, h["z1"])
    assert sig1.input_labels == ["#0"]
    close(sig1.inputs[0], h["z1"])
    close(sig1.output, h["a1"])
    assert dense2.input_labels == ["#1", "output/kernel", "output/bias"]
    for got, want in zip(dense2.inputs, [h["a1"], W2, B2]):
        close(got, want)
    close(dense2.output, h["z2"])
    close(sig2.inputs[0], h["z2"])
    close(sig2.output, h["a2"])
    # Backward: the delta reaching each op and what it passes to each input.
    close(sig2.delta, h["dc_da2"])
    close(sig2.input_grads[0], h["delta2"])
    close(dense2.delta, h["delta2"])
    for got, want in zip(dense2.input_grads, [h["dc_da1"], h["dw2"], h["db2"]]):
        close(got, want)
    close(sig1.delta, h["dc_da1"])
    close(sig1.input_grads[0], h["delta1"])
    close(dense1.delta, h["delta1"])
    for got, want in zip(dense1.input_grads, [h["dc_dx"], h["dw1"], h["db1"]]):
        close(got, want)
    close(t.input_gradients[0], h["dc_dx"])
    close(t.predictions[0], h["a2"])


def test_cost_gradients_and_sgd_update_match_the_hand_computation(float64: None) -> None:
    h = by_hand()
    t = gn.trace(mazur_model(), X, T)
    close(t.loss, h["cost"])
    loss_ops = [op for op in t.ops if op.layer == "loss"]
    assert loss_ops and loss_ops[0].input_labels[:2] == ["#3", "y"]
    close(loss_ops[-1].output, h["cost"])
    close(loss_ops[-1].delta, 1.0)  # dC/dC
    hidden, output = t.layers["hidden"], t.layers["output"]
    for layer, dw, db in ((hidden, h["dw1"], h["db1"]), (output, h["dw2"], h["db2"])):
        close(layer.gradients["kernel"], dw)
        close(layer.gradients["bias"], db)
        close(layer.updates["kernel"], -LR * dw)  # plain SGD: W <- W - lr dC/dW
        close(layer.updates["bias"], -LR * db)
    assert t.optimizer == "SGD" and t.learning_rate == LR and not t.applied


def test_the_textbook_printed_values() -> None:
    # Mazur's published numbers (float32 run, so 1e-6): outputs, total error and the updated weights.
    t = gn.trace(mazur_model(), X, T)
    np.testing.assert_allclose(t.layers["hidden"].ops[-1].output, [[0.593269992, 0.596884378]], rtol=1e-6)
    np.testing.assert_allclose(t.predictions[0], [[0.75136507, 0.772928465]], rtol=1e-6)
    assert t.loss == pytest.approx(0.298371109, rel=1e-6)
    new_w2 = t.layers["output"].weights["kernel"].after
    np.testing.assert_allclose(new_w2, [[0.35891648, 0.511301270], [0.408666186, 0.561370121]], rtol=1e-6)
    new_w1 = t.layers["hidden"].weights["kernel"].after
    np.testing.assert_allclose(new_w1, [[0.149780716, 0.24975114], [0.19956143, 0.29950229]], rtol=1e-6)


def test_deltas_obey_the_chain_rule_through_the_loss_ops(float64: None) -> None:
    # Each op's delta is the sum of what its consumers passed back to it (the multivariable chain rule).
    t = gn.trace(mazur_model(), X, T)
    for op in t.ops[:-1]:
        passed = [c.input_grads[i] for c in t.ops for i, label in enumerate(c.input_labels) if label == f"#{op.index}"]
        close(op.delta, sum(passed))


def test_trace_gradients_equal_gradient_tape_exactly() -> None:
    model = mazur_model()
    t = gn.trace(model, X, T)
    with GradientTape() as tape:
        loss = model.compiled_loss[0](T.astype(np.float32), model(X.astype(np.float32), training=True))
    grads = tape.gradient(loss, model.trainable_weights)
    assert [w.path for w in t.weights] == [w.path for w in model.trainable_weights]
    for w, g in zip(t.weights, grads):
        np.testing.assert_array_equal(w.gradient, g)
    assert float(loss.numpy()) == t.loss


def test_model_and_optimizer_are_bitwise_unchanged_by_default() -> None:
    model = mazur_model(gn.optimizers.SGD(learning_rate=LR, momentum=0.9))
    model.train_on_batch(X, T)  # the optimizer now has packed buffers, a momentum slot and iterations = 1
    opt = model.optimizer
    arrays = [v.data for v in model.weights]
    before = [a.copy() for a in arrays]
    slots = {k: v.copy() for g in opt._groups for k, v in g.slots.items()}
    groups, iterations = list(opt._groups), opt.iterations
    gn.trace(model, X, T)
    assert [v.data for v in model.weights] == arrays  # same array objects (still views of the packed buffer)
    for a, b in zip(arrays, before):
        np.testing.assert_array_equal(backend.to_numpy(a), backend.to_numpy(b))
        assert a.dtype == b.dtype
    assert opt.iterations == iterations and opt._groups == groups
    for k, v in slots.items():
        np.testing.assert_array_equal(opt._groups[0].slots[k], v)


def test_a_fresh_optimizer_stays_unbuilt() -> None:
    model = mazur_model()
    gn.trace(model, X, T)
    assert not model.optimizer.built and model.optimizer.iterations == 0
    np.testing.assert_array_equal(model.layers[0].kernel.numpy(), W1.astype(np.float32))


def test_apply_takes_exactly_the_step_train_on_batch_takes() -> None:
    traced, trained = mazur_model(gn.optimizers.Adam(0.1)), mazur_model(gn.optimizers.Adam(0.1))
    t = gn.trace(traced, X, T, apply=True)
    trained.train_on_batch(X, T)
    assert t.applied and traced.optimizer.iterations == 1
    for w, var, twin in zip(t.weights, traced.trainable_weights, trained.trainable_weights):
        np.testing.assert_array_equal(var.numpy(), w.after)
        np.testing.assert_array_equal(var.numpy(), twin.numpy())
        np.testing.assert_allclose(w.value + w.update, w.after, rtol=1e-7)
    for g_traced, g_trained in zip(traced.optimizer._groups, trained.optimizer._groups):
        for name in g_traced.slots:
            np.testing.assert_array_equal(g_traced.slots[name], g_trained.slots[name])
