"""The playground's network as a glassnet model, its initialisation, and a fast NumPy forward pass.

Training goes through glassnet (``model.fit``), so the exported script gets the same numbers.  The
pictures (a 100 x 100 heatmap, thumbnails of every neuron, losses on every point) need one forward
pass of ~10,000 points through a tiny network each frame; :func:`forward` does it with plain NumPy
on the model's current weights, returning every layer's output, with no tape and no Tensor objects.

The output *head* depends on the problem and the loss:

============================  ===================  ========================================  =============
problem / loss                output               loss (as compiled)                        labels
============================  ===================  ========================================  =============
two classes, ``mse``          Dense(1, tanh)       0.5 (o - t)^2: mse with loss_weights 0.5  -1/+1
two classes, ``crossentropy`` Dense(1, sigmoid)    binary cross-entropy                      0/1
3..10 classes (upload)        Dense(K, softmax)    sparse categorical cross-entropy          0..K-1
regression                    Dense(1, linear)     0.5 (o - t)^2                             numbers
============================  ===================  ========================================  =============

Regularization follows the playground's update ``w -= lr * rate * r'(w)`` with L2's ``r = w^2 / 2``
(so ``regularizers.l2(rate / 2)``, whose penalty ``rate/2 * w^2`` has that derivative) and L1's
``r = |w|`` (``regularizers.l1(rate)``).  The penalty's gradient is added to the loss gradient
before the step (the same update as the playground's two steps for SGD); the playground's L1 rule
(a weight whose L1 step crosses zero is set to 0 and frozen) is :class:`training.L1Freeze`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import backend, layers, optimizers, regularizers
from ..datasets import playground as pg_data
from ..models import Sequential

HEADS = ("tanh", "sigmoid", "softmax", "linear")
INIT_RANGE = 0.5   # kernels ~ U(-0.5, 0.5), as the playground's nn.ts
INIT_BIAS = 0.1


def head_of(config: dict[str, Any], n_classes: int) -> str:
    """The output activation for this config (see the module's table)."""
    if config["problem"] == "regression":
        return "linear"
    if n_classes > 2:
        return "softmax"
    return "sigmoid" if config["loss"] == "crossentropy" else "tanh"


def model_labels(y: np.ndarray, head: str) -> np.ndarray:
    """The labels the compiled loss wants, from the session's labels (-1/+1, 0..K-1 or numbers)."""
    if head == "sigmoid":
        return (y > 0).astype(backend.floatx())
    if head == "softmax":
        return y.astype(np.int64)
    return y.astype(backend.floatx())


def dropout_seed(seed: int, layer: int) -> int:
    """The seed of hidden layer ``layer``'s Dropout: distinct per layer, fixed by the session's seed."""
    return (seed * 7919 + layer + 1) % (2**32)


def n_inputs(config: dict[str, Any], columns: list[str] | None = None) -> int:
    """The network's fan-in: the selected features, or the CSV's columns when they are the inputs."""
    return len(columns) if columns else len(config["features"])


def initial_weights(config: dict[str, Any], n_outputs: int, seed: int,
                    columns: list[str] | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
    """The playground's initialisation: kernels U(-0.5, 0.5) from ``default_rng(seed)`` layer by layer, biases 0.1.

    With ``config["init_zero"]`` (TF Playground's ``initZero``) every weight and bias is 0.
    """
    rng = np.random.default_rng(seed)
    sizes = [n_inputs(config, columns)] + [layer["units"] for layer in config["hidden"]] + [n_outputs]
    dtype = backend.floatx()
    if config.get("init_zero"):
        return [(np.zeros((a, b), dtype), np.zeros(b, dtype)) for a, b in zip(sizes[:-1], sizes[1:])]
    return [(rng.uniform(-INIT_RANGE, INIT_RANGE, (a, b)).astype(dtype), np.full(b, INIT_BIAS, dtype))
            for a, b in zip(sizes[:-1], sizes[1:])]


def build_model(config: dict[str, Any], n_classes: int, seed: int, columns: list[str] | None = None) -> Any:
    """A compiled glassnet Sequential for ``config`` with the playground's initial weights from ``seed``.

    Parameters
    ----------
    config : dict
        A validated config.
    n_classes : int
        2 for the playground's sets, K for a multi-class upload, 0 for regression.
    seed : int
        Seeds the initial weights and every Dropout's mask sequence.
    columns : list of str, optional
        An upload's feature columns when there are more than two: the inputs are then those columns
        (``Input((k,))``, no ``FeatureCross``) and ``config["features"]`` is not used.
    """
    head = head_of(config, n_classes)
    rate = config["regularization_rate"]
    penalty = {"none": None, "l1": lambda: regularizers.l1(rate), "l2": lambda: regularizers.l2(rate / 2)}
    stack: list[Any] = [layers.Input((len(columns),))] if columns else \
        [layers.Input((2,)), layers.FeatureCross(config["features"])]
    for i, layer in enumerate(config["hidden"]):
        make = penalty[config["regularization"]]
        stack.append(layers.Dense(layer["units"], activation=layer["activation"],
                                  kernel_regularizer=make() if make and rate > 0 else None))
        if layer["dropout"] > 0:
            stack.append(layers.Dropout(layer["dropout"], seed=dropout_seed(seed, i)))
    n_out = n_classes if head == "softmax" else 1
    make = penalty[config["regularization"]]
    stack.append(layers.Dense(n_out, activation=head, kernel_regularizer=make() if make and rate > 0 else None))
    model = Sequential(stack)
    for layer, (kernel, bias) in zip(dense_layers(model), initial_weights(config, n_out, seed, columns)):
        layer.set_weights([kernel, bias])
    lr = config["learning_rate"]
    optimizer = {"sgd": lambda: optimizers.SGD(lr), "momentum": lambda: optimizers.SGD(lr, momentum=0.9),
                 "adam": lambda: optimizers.Adam(lr)}[config["optimizer"]]()
    if head == "softmax":
        model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
    elif head == "sigmoid":
        model.compile(optimizer=optimizer, loss="binary_crossentropy")
    else:  # the playground's 0.5 (o - t)^2
        model.compile(optimizer=optimizer, loss="mse", loss_weights=[0.5])
    return model


def dense_layers(model: Any) -> list[Any]:
    """The model's Dense layers in order: the hidden layers, then the output."""
    return [layer for layer in model.layers if hasattr(layer, "kernel")]


def read_weights(model: Any) -> list[tuple[np.ndarray, np.ndarray]]:
    """(kernel, bias) of every Dense layer, as NumPy arrays (views of the model's variables)."""
    return [(layer.kernel.numpy(), layer.bias.numpy()) for layer in dense_layers(model)]


_ACT = {
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
    "sigmoid": lambda z: 0.5 * (np.tanh(0.5 * z) + 1.0),  # no overflow warning for large |z|
    "linear": lambda z: z,
}


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def input_features(points: np.ndarray, config: dict[str, Any], columns: list[str] | None = None) -> np.ndarray:
    """The network's inputs for ``points`` (n, 2): the selected features, float64 (FeatureCross's formulas).

    With ``columns`` (an upload of more than two feature columns) the points (n, k) are the inputs as they are.
    """
    if columns:
        return np.asarray(points, np.float64)
    return pg_data.features(np.asarray(points, np.float64), config["features"])


def forward(features: np.ndarray, config: dict[str, Any], weights: list[tuple[np.ndarray, np.ndarray]],
            head: str) -> list[np.ndarray]:
    """Every layer's output at inference, from :func:`input_features`: [features, hidden 1, ..., output].

    Dropout is the identity at inference, so it does not appear.  Computed in float64 so that
    diverging weights give inf/NaN only where glassnet's own float32 pass would be far off anyway.
    """
    h = features
    outputs = [h]
    activations = [layer["activation"] for layer in config["hidden"]]
    with np.errstate(all="ignore"):  # a diverged network is shown (NaN), not warned about per frame
        for i, (kernel, bias) in enumerate(weights):
            z = h @ kernel.astype(np.float64) + bias
            if i < len(activations):
                h = _ACT[activations[i]](z)
            else:
                h = _softmax(z) if head == "softmax" else _ACT[head](z)
            outputs.append(h)
    return outputs
