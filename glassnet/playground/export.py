"""Take a playground run home: a glassnet Python script that reproduces it, or the model's ``.keras`` file.

The script is plain glassnet (no ``glassnet.playground`` import), written to be read: the data, the
network, the playground's initialisation, the loss, the loop of one ``fit`` epoch at a time and
the stop condition.  Run with the same number of epochs it gives the session's numbers (to float
rounding: the session draws its pictures with a float64 NumPy pass, the script evaluates with
``model.predict``).

Uploaded points are written into the script (the page's file is not at hand where it runs): the
CSV caps (``max_samples`` rows, ``max_csv_bytes``) keep that to a few MiB of source at most.  With
more than two feature columns the script's model takes the columns as they are (``Input((k,))``,
no ``FeatureCross``), as the session's does.
"""

from __future__ import annotations

import inspect
import os
import tempfile
from typing import Any

import numpy as np

from . import network, training

_OPTIMIZER = {"sgd": "optimizers.SGD(learning_rate={lr!r})",
              "momentum": "optimizers.SGD(learning_rate={lr!r}, momentum=0.9)",
              "adam": "optimizers.Adam(learning_rate={lr!r})"}
_COMPILE = {
    "tanh": 'loss="mse", loss_weights=[0.5])  # the playground\'s loss 0.5 (o - t)^2 on labels -1/+1',
    "linear": 'loss="mse", loss_weights=[0.5])  # the playground\'s loss 0.5 (o - t)^2',
    "sigmoid": 'loss="binary_crossentropy")',
    "softmax": 'loss="sparse_categorical_crossentropy")',
}
_LABELS = {"tanh": "y_train", "linear": "y_train", "sigmoid": '(y_train > 0).astype("float32")  # -1/+1 -> 0/1',
           "softmax": 'y_train.astype("int64")'}
_LOSS = {
    "tanh": "float(np.mean(0.5 * (out[:, 0] - y) ** 2))",
    "linear": "float(np.mean(0.5 * (out[:, 0] - y) ** 2))",
    "sigmoid": "float(-np.mean(np.where(y > 0, np.log(np.clip(out[:, 0], 1e-7, 1 - 1e-7)), "
               "np.log(np.clip(1 - out[:, 0], 1e-7, 1 - 1e-7)))))",
    "softmax": "float(-np.mean(np.log(np.clip(out[np.arange(len(y)), y.astype(int)], 1e-7, 1.0))))",
}


def _array(values: np.ndarray) -> str:
    return f'np.array({np.asarray(values, dtype=np.float64).tolist()!r}, dtype="float32")'


def _data_lines(config: dict[str, Any], data_seed: int, data: tuple[np.ndarray, ...] | None,
                columns: list[str] | None = None) -> list[str]:
    if data is None:
        return [f"# The playground's {config['dataset']!r} points: noise {config['noise']:g} %, "
                f"{config['train_ratio']:g} % for training, seed {data_seed}.",
                f"(x_train, y_train), (x_test, y_test) = playground.load_data({config['dataset']!r}, "
                f"noise={config['noise']!r}, train_ratio={config['train_ratio']!r}, seed={data_seed}, labels=\"signed\")"]
    x_train, y_train, x_test, y_test = data
    k = len(columns) if columns else 2
    head = ["# The uploaded points, shuffled and split as in the playground."]
    if columns:
        head.append(f"# Their feature columns: {', '.join(columns)}.")
    return head + [f"x_train = {_array(x_train)}.reshape(-1, {k})", f"y_train = {_array(y_train)}",
                   f"x_test = {_array(x_test)}.reshape(-1, {k})", f"y_test = {_array(y_test)}"]


def python_script(config: dict[str, Any], weights: list[tuple[np.ndarray, np.ndarray]] | None = None, *,
                  epochs: int = 100, data_seed: int | None = None, n_classes: int | None = None,
                  data: tuple[np.ndarray, ...] | None = None, columns: list[str] | None = None,
                  carry: np.ndarray | None = None, dead: list[np.ndarray] | None = None) -> str:
    """A runnable glassnet script that reproduces a playground run.

    Parameters
    ----------
    config : dict
        A validated playground config.
    weights : list of (kernel, bias), optional
        Start from these weights (e.g. after editing them by hand) instead of the seeded initialisation.
    epochs : int
        The script's default ``--epochs``.
    data_seed : int, optional
        The seed of the data (the config's seed unless the session was reset without regenerating).
    n_classes : int, optional
        2 for the playground's sets (default), K for a multi-class upload, 0 for regression.
    data : (x_train, y_train, x_test, y_test), optional
        The points of an upload, written into the script.
    columns : list of str, optional
        An upload's feature columns when there are more than two (the inputs are then the columns).
    carry : array of int, optional
        With ``weights``: the training points whose update waits for the next epoch.
    dead : list of bool arrays, optional
        With ``weights``: the weights L1 has frozen (per Dense layer).

    Returns
    -------
    str
        Python source: ``python playground.py [--epochs N] [--json]``.
    """
    seed = config["seed"]
    if n_classes is None:
        n_classes = 0 if config["problem"] == "regression" else 2
    head = network.head_of(config, n_classes)
    rate = config["regularization_rate"]
    reg = {"none": "", "l1": f", kernel_regularizer=regularizers.l1({rate!r})",
           "l2": f", kernel_regularizer=regularizers.l2({rate / 2!r})"}
    penalty = reg[config["regularization"]] if rate > 0 else ""
    stack = [f"    keras.Input(({len(columns)},)),  # the columns {', '.join(columns)}"] if columns else \
        ["    keras.Input((2,)),", f"    layers.FeatureCross({config['features']!r}),"]
    for i, layer in enumerate(config["hidden"]):
        stack.append(f"    layers.Dense({layer['units']}, activation={layer['activation']!r}{penalty}),")
        if layer["dropout"] > 0:
            stack.append(f"    layers.Dropout({layer['dropout']!r}, seed={network.dropout_seed(seed, i)}),")
    n_out = n_classes if head == "softmax" else 1
    stack.append(f"    layers.Dense({n_out}, activation={head!r}{penalty}),  # the output")
    if weights is None and config.get("init_zero"):
        init = ["# initZero: every weight and bias starts at 0.",
                "for layer in dense:",
                "    layer.set_weights([np.zeros(layer.kernel.shape, dtype=\"float32\"), "
                "np.zeros(layer.bias.shape, dtype=\"float32\")])"]
    elif weights is None:
        init = ["# The playground's initialisation: kernels ~ U(-0.5, 0.5) drawn layer by layer, biases 0.1.",
                f"rng = np.random.default_rng({seed})",
                "for layer in dense:",
                "    fan_in, units = layer.kernel.shape",
                "    layer.set_weights([rng.uniform(-0.5, 0.5, (fan_in, units)).astype(\"float32\"), "
                "np.full(units, 0.1, dtype=\"float32\")])"]
    else:
        init = ["# The weights as they were when exported (after editing them by hand).",
                "WEIGHTS = ["] + [f"    ({np.asarray(k, np.float64).tolist()!r}, {np.asarray(b, np.float64).tolist()!r}),"
                                  for k, b in weights] + [
                "]",
                "for layer, (kernel, bias) in zip(dense, WEIGHTS):",
                "    layer.set_weights([np.array(kernel, dtype=\"float32\"), np.array(bias, dtype=\"float32\")])"]
    l1 = config["regularization"] == "l1" and rate > 0
    if l1:
        freeze = [f"freeze = L1Freeze(dense, {config['learning_rate']!r}, {rate!r}, "
                  f"plain_sgd={config['optimizer'] == 'sgd'})"]
        if weights is not None and dead is not None:  # the weights L1 had frozen when exported
            freeze += [f"freeze.dead[{i}][{tuple(ix)!r}] = True"
                       for i, m in enumerate(dead) for ix in np.argwhere(m).tolist()]
        freeze.append("callbacks = [freeze]")
    else:
        freeze = ["callbacks = None"]
    waiting = [] if carry is None or weights is None else [int(i) for i in carry]
    lines = [
        '"""A glassnet playground run, exported from the browser.',
        "",
        "    python playground.py [--epochs N] [--json]",
        "",
        "One epoch is one pass over the training points in a fixed order (no shuffling), as in",
        "TensorFlow Playground: the last partial batch of an epoch joins the next epoch's first batch",
        "(train_epoch below); with L1, a weight whose L1 step crosses zero is set to 0 and frozen",
        "(L1Freeze below; Keras' L1 never freezes).  The loss printed is the one the page shows.",
        '"""',
        "",
        "import argparse",
        "import json",
        "",
        "import numpy as np",
        "",
        "import glassnet as keras",
        "from glassnet import layers, optimizers, regularizers  # noqa: F401 (regularizers: when used)",
        "from glassnet.callbacks import Callback  # noqa: F401 (L1Freeze: when L1 is used)",
        "from glassnet.datasets import playground  # noqa: F401 (when the data are the playground's)",
        "",
        "parser = argparse.ArgumentParser()",
        f"parser.add_argument(\"--epochs\", type=int, default={int(epochs)})",
        "parser.add_argument(\"--json\", action=\"store_true\", help=\"print the final numbers as JSON\")",
        "args = parser.parse_args()",
        "",
        *_data_lines(config, seed if data_seed is None else data_seed, data, columns),
        "",
        *(["# The playground's L2 penalty is rate * w^2 / 2: regularizers.l2(rate / 2)."]
          if penalty and config["regularization"] == "l2" else []),
        "model = keras.Sequential([",
        *stack,
        "])",
        "dense = [layer for layer in model.layers if isinstance(layer, layers.Dense)]",
        *init,
        f"model.compile(optimizer={_OPTIMIZER[config['optimizer']].format(lr=config['learning_rate'])}, "
        f"{_COMPILE[head]}",
        f"y_fit = {_LABELS[head]}",
        "",
        "",
        *inspect.getsource(training.train_epoch).splitlines(),
        "",
        "",
        *(inspect.getsource(training.L1Freeze).splitlines() + ["", ""] if l1 else []),
        *freeze,
        f"carry = np.array({waiting!r}, dtype=np.int64)  # training points whose update waits for the next epoch",
        "",
        "",
        "def loss_of(x, y):",
        "    out = model.predict(x, verbose=0).astype(np.float64)",
        f"    return {_LOSS[head]}",
        "",
        "",
        f"STOP_TEST_LOSS = {config['stop_test_loss']!r}",
        "epoch = 0",
        "for epoch in range(1, args.epochs + 1):",
        f"    carry = train_epoch(model, x_train, y_fit, {config['batch_size']}, carry, callbacks)",
        "    if STOP_TEST_LOSS is not None and loss_of(x_test, y_test) < STOP_TEST_LOSS:",
        "        break",
        "train_loss, test_loss = loss_of(x_train, y_train), loss_of(x_test, y_test)",
        "if args.json:",
        "    print(json.dumps({\"epochs\": epoch, \"train_loss\": train_loss, \"test_loss\": test_loss,",
        "                      \"weights\": [[w.tolist() for w in layer.get_weights()] for layer in dense]}))",
        "else:",
        "    print(f\"epoch {epoch}: train loss {train_loss:.4f}, test loss {test_loss:.4f}\")",
        "",
    ]
    return "\n".join(lines)


def session_script(session: Any) -> str:
    """:func:`python_script` for a session's run: its config, data seed, upload and (if edited) weights."""
    data = None
    if session.config["dataset"] == "upload":
        d = session.data
        data = (d.x_train, d.y_train, d.x_test, d.y_test)
    weights = network.read_weights(session.model) if session.edited else None
    epochs = session.epoch if session.epoch and not session.edited else 100
    dead = None if session.freeze is None else session.freeze.dead
    return python_script(session.config, weights, epochs=epochs, data_seed=session.data_seed,
                         n_classes=session.data.n_classes, data=data, columns=session.data.columns,
                         carry=session.carry, dead=dead)


def keras_file(session: Any) -> bytes:
    """The bytes of the session's current model saved as a ``.keras`` file (via ``model.save``)."""
    with tempfile.TemporaryDirectory(prefix="glassnet-playground-") as folder:
        path = os.path.join(folder, "playground.keras")
        session.model.save(path)
        with open(path, "rb") as fh:
            return fh.read()
