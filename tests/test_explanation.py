"""``model.explain()``: the equations with the model's own shapes, checked against the engine.

The backward equations the explanation states (delta = (y_hat - y) / N at the logits, dC/dW = x^T delta,
the softmax Jacobian, dC/dW = X^T delta for a convolution...) are evaluated here with NumPy from a
forward pass and compared with GradientTape's gradients; the numbers it shows are compared with
``count_params()``, ``summary()`` and the real arrays.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import glassnet as gn
from glassnet import layers, losses, optimizers


def _lecture_mlp() -> gn.Sequential:
    model = gn.Sequential([gn.Input((28, 28)), layers.Flatten(), layers.Dense(256, activation="relu"),
                           layers.Dense(64, activation="relu"), layers.Dense(32, activation="relu"),
                           layers.Dense(10, activation="softmax")])
    model.compile(optimizer=optimizers.Adam(0.001), loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def _tape_gradients(model, loss_fn, x, y):
    with gn.GradientTape() as tape:
        cost = loss_fn(y, model(x))
    return [np.asarray(g) for g in tape.gradient(cost, model.trainable_weights)]


def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


# -- the lecture MLP: text, numbers, totals ----------------------------------------------------------
def test_the_lecture_mlp_explains_every_layer_with_its_shapes_and_counts() -> None:
    model = _lecture_mlp()
    e = model.explain()
    text = str(e)
    assert text == e.to_text()
    assert [b.name for b in e.layers] == [layer.name for layer in model.layers]
    assert "(None, 28, 28) reshape -> (None, 784)" in text
    assert "(None, 784) x (784, 256) + (256,) -> (None, 256)" in text
    for arithmetic in ("784 x 256 + 256 = 200,960", "256 x 64 + 64 = 16,448", "64 x 32 + 32 = 2,080",
                       "32 x 10 + 10 = 330"):
        assert arithmetic in text
    assert e.total_params == model.count_params() == 219_818
    assert "parameters: 200,960 + 16,448 + 2,080 + 330 = 219,818" in text
    printed: list[str] = []
    model.summary(print_fn=printed.append)
    assert any("Total params: 219,818" in line for line in printed)
    # softmax + categorical cross-entropy: delta reaches the logits as y_hat - y
    loss = e.losses[0]
    assert [eq.text for eq in loss.backward] == ["dL/dz = y_hat - y   (at the logits z)", "delta = dC/dz = dL/dz / N"]
    assert loss.symbols["z"] == (None, 10)
    assert any("delta = dC/dz comes from the loss" in n for n in e.layers[-1].notes)
    # ... and it ends with the compiled optimizer's step, with its learning rate
    tail = text.split("\n\n")[-1]
    assert tail.startswith("adam (Adam)")
    assert "W <- W - 0.001 sqrt(1 - 0.999^t) / (1 - 0.9^t) m / (sqrt(v) + 1e-07)" in tail
    assert "learning rate lr = 0.001" in tail


def test_jupyter_gets_a_table_with_latex_and_the_data_is_plain() -> None:
    e = _lecture_mlp().explain()
    page = e._repr_html_()
    assert page.startswith("<table>") and page.endswith("</table>")
    assert r"\(z = xW + b\)" in page  # MathJax inline math
    assert "(None, 784) x (784, 256) + (256,) -&gt; (None, 256)" in page  # escaped, in the shapes column
    assert "<script" not in page
    data = json.loads(json.dumps(e.to_dict()))  # JSON-able as it is
    assert data["total_params"] == 219_818
    dense = data["layers"][1]
    assert dense["symbols"]["W"] == [784, 256] and dense["param_count"] == 200_960
    assert dense["forward"][0] == {"text": "z = x W + b", "latex": "z = xW + b", "shapes": "x @ W + b -> z",
                                   "shape_text": "(None, 784) x (784, 256) + (256,) -> (None, 256)"}
    assert data["optimizer"]["kind"] == "Adam"
    layer_page = e.layers[1]._repr_html_()
    assert "parameters" in layer_page and "200,960" in layer_page
    assert e.layers[1].to_latex().startswith(r"\begin{aligned}")


# -- the stated backward equations against the engine's gradients --------------------------------------
def test_softmax_crossentropy_and_dense_backward_match_the_tape(rng) -> None:
    model = gn.Sequential([gn.Input((4,)), layers.Dense(5, activation="relu"), layers.Dense(3, activation="softmax")])
    model.compile("sgd", "categorical_crossentropy")
    e = model.explain()
    assert "dL/dz = y_hat - y   (at the logits z)" in [eq.text for eq in e.losses[0].backward]
    n = 6
    x = rng.normal(size=(n, 4)).astype("float32")
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, n)]
    w1, b1, w2, b2 = model.get_weights()
    z1 = x @ w1 + b1
    a1 = np.maximum(z1, 0)
    y_hat = _softmax(a1 @ w2 + b2)
    delta2 = (y_hat - y) / n                 # the loss: delta = dC/dz = (y_hat - y) / N
    delta1 = (delta2 @ w2.T) * (z1 > 0)      # Dense: dC/dx = delta W^T;  relu: delta = g * relu'(z)
    stated = [x.T @ delta1, delta1.sum(0), a1.T @ delta2, delta2.sum(0)]  # dC/dW = x^T delta, dC/db = sum delta
    for ours, tape in zip(stated, _tape_gradients(model, model.compiled_loss[0], x, y)):
        np.testing.assert_allclose(ours, tape, rtol=1e-4, atol=1e-6)


def test_the_softmax_jacobian_as_stated_matches_the_tape(rng) -> None:
    # Without a cross-entropy after it, the softmax's backward is the full Jacobian: delta = J^T g.
    layer = layers.Dense(4, activation="softmax")
    x = rng.normal(size=(3, 5)).astype("float32")
    g = rng.normal(size=(3, 4)).astype("float32")
    with gn.GradientTape() as tape:
        cost = (layer(x) * gn.Tensor(g)).sum()
    dw = tape.gradient(cost, layer.kernel)
    assert "delta = dC/dz = J^T g" in str(layer.explain())
    a = _softmax(x @ layer.kernel.numpy() + layer.bias.numpy())
    jacobian = a[:, :, None] * (np.eye(4)[None] - a[:, None, :])   # J_ij = a_i (1[i=j] - a_j)
    delta = np.einsum("nij,ni->nj", jacobian, g)
    np.testing.assert_allclose(x.T @ delta, np.asarray(dw), rtol=1e-4, atol=1e-6)


def test_mse_backward_matches_the_tape(rng) -> None:
    model = gn.Sequential([gn.Input((4,)), layers.Dense(3)])
    model.compile("sgd", "mse")
    loss = model.explain().losses[0]
    assert [eq.text for eq in loss.backward] == ["dL/dy_hat = 2 (y_hat - y) / K", "g = dC/dy_hat = dL/dy_hat / N"]
    n, k = 5, 3
    x = rng.normal(size=(n, 4)).astype("float32")
    y = rng.normal(size=(n, k)).astype("float32")
    w, b = model.get_weights()
    delta = 2 * (x @ w + b - y) / k / n      # linear output: delta = g
    dw, db = _tape_gradients(model, model.compiled_loss[0], x, y)
    np.testing.assert_allclose(x.T @ delta, dw, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(delta.sum(0), db, rtol=1e-4, atol=1e-6)


def test_binary_crossentropy_after_a_sigmoid_hands_delta_to_the_logits(rng) -> None:
    model = gn.Sequential([gn.Input((3,)), layers.Dense(1, activation="sigmoid")])
    model.compile("sgd", "binary_crossentropy")
    assert "dL/dz = (y_hat - y) / K   (at the logits z)" in str(model.explain())
    n = 4
    x = rng.normal(size=(n, 3)).astype("float32")
    y = rng.integers(0, 2, (n, 1)).astype("float32")
    w, b = model.get_weights()
    delta = (1 / (1 + np.exp(-(x @ w + b))) - y) / n
    dw, _ = _tape_gradients(model, model.compiled_loss[0], x, y)
    np.testing.assert_allclose(x.T @ delta, dw, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("stride", [1, 2])
def test_conv2d_backward_as_stated_matches_the_tape(stride, rng) -> None:
    layer = layers.Conv2D(3, 3, strides=stride, activation="relu")
    x = rng.normal(size=(2, 7, 7, 2)).astype("float32")
    out = layer(x)
    g = rng.normal(size=out.shape).astype("float32")
    with gn.GradientTape() as tape:
        xt = gn.Tensor(x)
        tape.watch(xt)
        cost = (layer(xt) * gn.Tensor(g)).sum()
    dx, dw, db = tape.gradient(cost, [xt, layer.kernel, layer.bias])
    e = layer.explain()
    texts = [eq.text for eq in e.forward + e.backward]
    assert f"z[n, i, j, f] = sum_(p, q, c) x[n, {'' if stride == 1 else stride}i + p, " \
           f"{'' if stride == 1 else stride}j + q, c] W[p, q, c, f] + b[f]" in texts
    # im2col as the explanation states it: row (n, i, j) of X is the window x[n, s i + p, s j + q, :]
    oh, ow = out.shape[1:3]
    assert e.symbols["X"] == (None, oh, ow, 3 * 3 * 2)
    cols = np.zeros((2, oh, ow, 3 * 3 * 2), "float32")
    for i in range(oh):
        for j in range(ow):
            cols[:, i, j] = x[:, stride * i:stride * i + 3, stride * j:stride * j + 3, :].reshape(2, -1)
    w_mat = layer.kernel.numpy().reshape(-1, 3)
    z = cols @ w_mat + layer.bias.numpy()                 # z = X W_mat + b
    delta = g * (z > 0)                                   # delta = g * relu'(z)
    ours_dw = np.einsum("nijk,nijf->kf", cols, delta).reshape(layer.kernel.shape)   # dC/dW = X^T delta
    np.testing.assert_allclose(ours_dw, np.asarray(dw), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(delta.sum((0, 1, 2)), np.asarray(db), rtol=1e-4, atol=1e-5)
    d_cols = delta @ w_mat.T                               # dC/dx = col2im(delta W_mat^T)
    ours_dx = np.zeros_like(x)
    for i in range(oh):
        for j in range(ow):
            ours_dx[:, stride * i:stride * i + 3, stride * j:stride * j + 3, :] += d_cols[:, i, j].reshape(2, 3, 3, 2)
    np.testing.assert_allclose(ours_dx, np.asarray(dx), rtol=1e-4, atol=1e-5)


# -- every model kind; the failure paths ------------------------------------------------------------------
def test_a_functional_graph_is_explained_in_graph_order_with_nested_models() -> None:
    inp, aux = gn.Input((8,), name="inp"), gn.Input((3,), name="aux")
    h = layers.Dense(6, activation="tanh")(inp)
    joined = layers.Concatenate()([h, aux]) * 2.0
    inner = gn.Sequential([gn.Input((9,)), layers.Dense(2)], name="inner")
    model = gn.Model([inp, aux], [layers.Dense(1, activation="sigmoid", name="p")(joined), inner(joined)])
    model.compile("sgd", loss=["binary_crossentropy", "mse"], loss_weights=[1.0, 0.5])
    e = model.explain()
    names = [b.name for b in e.layers]
    assert names[:2] == ["inp", "aux"] and names[-1] == "inner/" + inner.layers[0].name
    assert [b.kind for b in e.layers][:5] == ["InputLayer", "InputLayer", "Dense", "Concatenate", "Multiply"]
    assert "a = multiply(x1, 2)" in str(e)
    assert sum(b.param_count for b in e.layers) == e.total_params == model.count_params()
    assert [b.kind for b in e.losses] == ["BinaryCrossentropy", "MeanSquaredError"]
    assert "C = C_1 + 0.5 C_2" in " ".join(e.notes)
    assert e.losses[1].symbols["y_hat"] == (None, 2)


def test_a_subclassed_model_is_explained_after_its_first_call_only(rng) -> None:
    class Net(gn.Model):
        def __init__(self):
            super().__init__()
            self.hidden = layers.Dense(5, activation="relu")
            self.out = layers.Dense(2)
            self.scale = self.add_weight((2,), "ones", name="scale")

        def call(self, x):
            return self.out(self.hidden(x)) * self.scale

    model = Net()
    with pytest.raises(ValueError, match=r"Model 'net' \(Net\) has not been called yet.*model\(x\)"):
        model.explain()
    model(rng.normal(size=(3, 4)).astype("float32"))
    model.compile("sgd", "mse")
    e = model.explain()
    assert [b.kind for b in e.layers] == ["Dense", "Dense", "Net, own weights"]
    assert e.total_params == model.count_params() == 4 * 5 + 5 + 5 * 2 + 2 + 2
    assert e.losses[0].symbols["y_hat"] == (None, 2)


def test_an_unbuilt_model_is_explained_with_symbols_and_no_total() -> None:
    model = gn.Sequential([layers.Dense(4), layers.Dense(2)])
    with pytest.raises(ValueError, match="not built yet"):
        model.count_params()
    e = model.explain()
    assert e.total_params is None
    assert e.layers[0].symbols["W"] == ("n_in", 4)
    text = str(e)
    assert "not built yet" in text and "parameters: unknown until the model is built" in text
    assert "not compiled" in text and e.optimizer is None


def test_a_model_without_layers_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="'empty' has no layers to explain"):
        gn.Sequential(name="empty").explain()


# -- losses and optimizers on their own ------------------------------------------------------------------
def test_every_loss_has_its_equations_with_the_shapes_it_is_given() -> None:
    kinds = {type(losses.get(name)) for name in losses.names()}
    assert len(kinds) >= 15
    for kind in kinds:
        e = kind().explain((None, 4))
        assert e.has_entry, kind.__name__
        assert e.symbols["y_hat"] == (None, 4) and e.symbols["L"] == (None,) and e.symbols["C"] == ()
        assert e.forward[0].text.startswith("L = ") and e.forward[-1].text.startswith("C = ")
        e.to_text()
    assert losses.SparseCategoricalCrossentropy().explain((None, 4)).symbols["y"] == (None,)
    assert "C = sum_n L_n" in str(losses.MeanSquaredError(reduction="sum").explain())


def test_a_loss_refuses_bad_arguments_by_name_and_a_custom_one_says_it_has_no_entry() -> None:
    with pytest.raises(ValueError, match=r"MeanSquaredError.explain: y_pred_shape .*got 'ten'"):
        losses.MeanSquaredError().explain("ten")
    with pytest.raises(TypeError, match=r"CategoricalCrossentropy.explain: activation"):
        losses.CategoricalCrossentropy().explain((None, 3), activation=3)

    def my_loss(y_true, y_pred):
        return ((y_pred - y_true) ** 4).mean(axis=-1)

    e = losses.get(my_loss).explain((None, 2))
    assert not e.has_entry and "L = my_loss(y, y_hat)" in str(e)


def test_every_optimizer_states_its_update_with_its_numbers() -> None:
    for name in optimizers.names():
        e = optimizers.get(name).explain()
        assert e.has_entry and e.backward, name
        assert e.forward[0].text.startswith("g = dC/dW")
    assert "gradient descent: W <- W - 0.05 g" in str(optimizers.SGD(0.05).explain())
    text = str(optimizers.SGD(0.1, momentum=0.9, clipnorm=1.0).explain())
    assert "m <- 0.9 m - 0.1 g" in text and "g <- g min(1, 1 / ||g||)" in text
    assert "W <- W - 0.001 x 0.004 W" in str(optimizers.AdamW().explain())

    class Mine(optimizers.Optimizer):
        def update(self, group, lr, step):
            group.params -= lr * group.grads

    assert not Mine().explain().has_entry


def test_a_weight_penalty_is_named_with_its_gradient() -> None:
    model = gn.Sequential([gn.Input((3,)), layers.Dense(2, kernel_regularizer=gn.regularizers.L2(0.01))])
    assert "C += 0.01 sum W^2, so dC/dW += 0.02 W" in str(model.explain())
