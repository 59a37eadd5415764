"""One browser tab's playground: its data, its model, its training, and its answers to every message.

The server owns the socket and the timing; a :class:`Session` owns everything else.  The server
passes each page message to :meth:`Session.handle` and sends back the frames it returns; while
``session.playing`` is true it calls :meth:`Session.advance` (one epoch, one frame) again and again.
A bad message never raises: it answers an ``error`` frame and changes nothing.

A session is deterministic: the data come from ``data_seed`` and the initial weights and Dropout
masks from ``config["seed"]``; training is TF Playground's loop (:mod:`training`): a fixed order, the
last partial batch of an epoch carried into the next epoch's first batch, and with L1 its zero-crossing
freeze.  The exported script runs the same code, so :func:`export.python_script` reproduces a run
number for number.
"""

from __future__ import annotations

import base64
import binascii
import copy
import math
import secrets
from typing import Any

import numpy as np

from .. import backend
from ..datasets import playground as pg_data
from . import csv_upload, export, network, training
from .config import DEFAULT_CONFIG, MAX_SEED, Limits, validate_config
from .frames import Data, compute_frame, held_means, prepare
from .protocol import MESSAGE_FIELDS, ProtocolError, check_message, error_frame, parse_message


def _known(msg_type: Any) -> str | None:
    """The ``in_reply_to`` of an error: the message's type if it is one of the protocol's, else null."""
    return msg_type if isinstance(msg_type, str) and msg_type in MESSAGE_FIELDS else None


class Session:
    """The playground's state for one page.

    Parameters
    ----------
    limits : Limits, optional
        Caps on the network, batch size, samples and message sizes.
    seed : int, optional
        The first config's seed; None draws one (each tab gets other data, as in the playground).

    Attributes
    ----------
    config : dict
        The current, validated config.
    playing : bool
        True after ``play`` until ``pause``, a met stop condition or NaN; the server then calls
        :meth:`advance` for each frame.
    epoch : int
        Epochs trained since the last reset.
    """

    def __init__(self, limits: Limits | None = None, seed: int | None = None) -> None:
        self.limits = limits if limits is not None else Limits()
        config = copy.deepcopy(DEFAULT_CONFIG)
        config["seed"] = secrets.randbelow(MAX_SEED + 1) if seed is None else seed
        self.config = validate_config({}, config, self.limits)
        self.upload: csv_upload.CsvData | None = None
        self.upload_name: str | None = None
        self.playing = False
        self._rebuild(self.config, self.config["seed"])

    # -- building ---------------------------------------------------------------------------------
    def _load(self, config: dict[str, Any], data_seed: int) -> Data:
        dtype = backend.floatx()
        if config["dataset"] == "upload":
            if self.upload is None:  # validate_config allows "upload" only after an upload; say so if not
                raise ProtocolError("config.dataset: 'upload' needs an upload_csv message with the file first")
            x_train, y_train, x_test, y_test = csv_upload.split(self.upload, config["train_ratio"], data_seed)
            u = self.upload
            return Data(x_train.astype(dtype), y_train.astype(dtype), x_test.astype(dtype), y_test.astype(dtype),
                        list(u.classes), list(u.columns) if u.raw_columns else None, list(u.original_labels))
        else:
            (x_train, y_train), (x_test, y_test) = pg_data.load_data(
                config["dataset"], noise=config["noise"], train_ratio=config["train_ratio"], seed=data_seed,
                labels="signed", dtype=dtype)
            classes = [] if config["problem"] == "regression" else [-1, 1]
        return Data(x_train.astype(dtype), y_train.astype(dtype), x_test.astype(dtype), y_test.astype(dtype),
                    list(classes))

    def _rebuild(self, config: dict[str, Any], data_seed: int, keep_data: bool = False) -> None:
        """New data (unless ``keep_data``) and a new network at epoch 0; assigns only once all is built."""
        data = self.data if keep_data else self._load(config, data_seed)
        head = network.head_of(config, data.n_classes)
        model = network.build_model(config, data.n_classes, config["seed"], data.columns)
        inputs = prepare(config, data)
        self.config, self.data, self.data_seed, self.head, self.model = config, data, data_seed, head, model
        self._inputs = inputs
        self._y_model = network.model_labels(data.y_train, head)
        self.epoch, self.stopped, self.focus, self.edited = 0, None, None, False
        self.carry = np.zeros(0, dtype=np.int64)  # training points whose update waits for the next epoch
        self.freeze = None  # TF Playground's L1 zero-crossing rule, when L1 is on
        if config["regularization"] == "l1" and config["regularization_rate"] > 0:
            self.freeze = training.L1Freeze(network.dense_layers(model), config["learning_rate"],
                                            config["regularization_rate"], config["optimizer"] == "sgd")

    # -- messages ---------------------------------------------------------------------------------
    def handle(self, message: dict[str, Any] | str | bytes) -> list[dict[str, Any]]:
        """Answer one page message (a decoded dict, or the raw text) with the frames to send back.

        Returns
        -------
        list of dict
            ``[]`` for ``play``; ``[state, frame]`` for ``config`` and ``upload_csv``; ``[frame]``,
            ``[export]`` or ``[digit]`` for the others; ``[error]`` for anything refused.
        """
        msg_type = message.get("type") if isinstance(message, dict) else None
        try:
            msg = check_message(message) if isinstance(message, dict) else parse_message(message, self.limits)
            msg_type = msg["type"]
            return getattr(self, f"_on_{msg_type}")(msg)
        except ProtocolError as exc:
            return [error_frame(str(exc), _known(msg_type))]
        except Exception as exc:  # noqa: BLE001 - one bad message must never take the server (or the tab) down
            return [error_frame(f"{msg_type}: could not be done ({type(exc).__name__}: {str(exc)[:200]})",
                                _known(msg_type))]

    def _on_config(self, msg: dict[str, Any]) -> list[dict[str, Any]]:
        config = validate_config(msg["config"], self.config, self.limits)
        self._rebuild(config, config["seed"])
        return [self.state(), self.frame()]

    def _on_play(self, msg: dict[str, Any]) -> list[dict[str, Any]]:
        self.playing, self.stopped = True, None  # play after a stop goes on (and stops again if still met)
        return []

    def _on_pause(self, msg: dict[str, Any]) -> list[dict[str, Any]]:
        self.playing = False
        return [self.frame()]

    def _on_step(self, msg: dict[str, Any]) -> list[dict[str, Any]]:
        self.playing, self.stopped = False, None
        return [self.advance()]

    def _on_reset(self, msg: dict[str, Any]) -> list[dict[str, Any]]:
        # New weights: from the given seed, else a fresh one (the playground's reset draws new weights).
        config = dict(self.config, seed=msg.get("seed", secrets.randbelow(MAX_SEED + 1)))
        regenerate = msg.get("regenerate", False)
        self._rebuild(config, config["seed"] if regenerate else self.data_seed, keep_data=not regenerate)
        self.playing = False
        return [self.state(), self.frame()] if regenerate else [self.frame()]

    def _dense(self, layer: int, field: str) -> Any:
        layers = network.dense_layers(self.model)
        if layer >= len(layers):
            raise ProtocolError(f"{field}: layer {layer} does not exist (0..{len(layers) - 1}; "
                                f"{len(layers) - 1} is the output)")
        return layers[layer]

    def _edit(self, layer: Any, index: tuple[int, ...], value: float, which: int) -> list[dict[str, Any]]:
        weights = layer.get_weights()
        weights[which][index] = value
        layer.set_weights(weights)
        if which == 0 and self.freeze is not None:  # an edited weight is alive again
            self.freeze.dead[network.dense_layers(self.model).index(layer)][index] = False
        self.edited = True
        return [self.frame()]

    def _on_set_weight(self, msg: dict[str, Any]) -> list[dict[str, Any]]:
        layer = self._dense(msg["layer"], "set_weight.layer")
        fan_in, units = layer.kernel.shape
        if msg["from"] >= fan_in:
            raise ProtocolError(f"set_weight.from: layer {msg['layer']} has {fan_in} inputs, got {msg['from']}")
        if msg["to"] >= units:
            raise ProtocolError(f"set_weight.to: layer {msg['layer']} has {units} neurons, got {msg['to']}")
        return self._edit(layer, (msg["from"], msg["to"]), msg["value"], 0)

    def _on_set_bias(self, msg: dict[str, Any]) -> list[dict[str, Any]]:
        layer = self._dense(msg["layer"], "set_bias.layer")
        units = layer.kernel.shape[1]
        if msg["neuron"] >= units:
            raise ProtocolError(f"set_bias.neuron: layer {msg['layer']} has {units} neurons, got {msg['neuron']}")
        return self._edit(layer, (msg["neuron"],), msg["value"], 1)

    def _on_focus(self, msg: dict[str, Any]) -> list[dict[str, Any]]:
        layer, neuron = msg["layer"], msg["neuron"]
        sizes = [network.n_inputs(self.config, self.data.columns)] + [h["units"] for h in self.config["hidden"]] + [self.data.n_classes
                                                                                            if self.head == "softmax"
                                                                                            else 1]
        if layer + 1 >= len(sizes):
            raise ProtocolError(f"focus.layer: {layer} does not exist (-1 = the features .. {len(sizes) - 2} = the output)")
        if neuron is not None and neuron >= sizes[layer + 1]:
            raise ProtocolError(f"focus.neuron: layer {layer} has {sizes[layer + 1]} neurons, got {neuron}")
        self.focus = None if neuron is None else (layer, neuron)
        return [self.frame()]

    def _on_upload_csv(self, msg: dict[str, Any]) -> list[dict[str, Any]]:
        parsed = csv_upload.parse_csv(msg["text"], self.limits)
        previous = self.upload
        self.upload = parsed
        try:
            change = {"dataset": "upload", "problem": "regression" if parsed.kind == "regression" else "classification"}
            if parsed.kind == "regression":
                change["loss"] = "mse"
            current = dict(self.config, dataset="upload")  # lets validate_config accept "upload"
            config = validate_config(change, current, self.limits)
            self._rebuild(config, config["seed"])
        except Exception:
            self.upload = previous
            raise
        self.upload_name = msg["name"]
        return [self.state(), self.frame()]

    def _on_export(self, msg: dict[str, Any]) -> list[dict[str, Any]]:
        if msg["format"] == "keras":
            content = base64.b64encode(export.keras_file(self)).decode("ascii")
            return [{"type": "export", "format": "keras", "filename": "playground.keras", "content": content}]
        return [{"type": "export", "format": "python", "filename": "playground.py",
                 "content": export.session_script(self)}]

    def _on_digit(self, msg: dict[str, Any]) -> list[dict[str, Any]]:
        from . import digits  # at call time: MNIST and its model are loaded only when someone draws

        try:
            raw = base64.b64decode(msg["pixels"], validate=True)
        except (binascii.Error, ValueError):
            raise ProtocolError("digit.pixels: not valid base64") from None
        side = math.isqrt(len(raw))
        if side < 28 or side * side != len(raw):
            raise ProtocolError(f"digit.pixels: {len(raw)} bytes is not a square canvas of at least 28 x 28")
        canvas = np.frombuffer(raw, dtype=np.uint8).reshape(side, side)
        return [dict(type="digit", **digits.predict_digit(canvas))]

    # -- training and frames ----------------------------------------------------------------------
    def advance(self) -> dict[str, Any]:
        """Train one epoch and return its frame; stop playing when the stop condition is met or the loss is NaN."""
        with np.errstate(all="ignore"):  # a diverging run shows NaN in its frame, not a warning per batch
            self.carry = training.train_epoch(self.model, self.data.x_train, self._y_model,
                                              self.config["batch_size"], self.carry,
                                              None if self.freeze is None else [self.freeze], doctor=False)
        self.epoch += 1
        frame = self.frame()
        stop = self.config["stop_test_loss"]
        if frame["nan"]:
            self.stopped = f"the loss is NaN at epoch {self.epoch}: the training diverged; lower the learning rate and reset"
        elif stop is not None and frame["test_loss"] is not None and frame["test_loss"] < stop:
            self.stopped = f"test loss {frame['test_loss']:.4f} < {stop:g} at epoch {self.epoch}"
        if self.stopped is not None:
            self.playing = False
        frame.update(stopped=self.stopped, playing=self.playing)
        return frame

    def frame(self) -> dict[str, Any]:
        """The current ``frame`` (no training)."""
        body = compute_frame(self.config, network.read_weights(self.model), self.head, self.data, self.focus,
                             self._inputs)
        return {"type": "frame", "epoch": self.epoch, **body, "dead": training.dead_links(self.freeze)
                or [[] for _ in network.dense_layers(self.model)],
                "stopped": self.stopped, "playing": self.playing}

    def state(self) -> dict[str, Any]:
        """The ``state`` frame: config, limits, features, the points and the classes."""
        d = self.data

        def points(x: np.ndarray, y: np.ndarray) -> list[list[float]]:  # the first two columns and the label
            return np.column_stack([x[:, :2].astype(np.float64), y.astype(np.float64)]).tolist()

        state = {"type": "state", "config": copy.deepcopy(self.config), "limits": self.limits.public(),
                 "features": list(d.columns) if d.columns else list(self.config["features"]),
                 "crosses": d.columns is None, "n_train": len(d.x_train), "n_test": len(d.x_test),
                 "classes": list(d.classes), "points": {"train": points(d.x_train, d.y_train),
                                                        "test": points(d.x_test, d.y_test)},
                 "slice": None}
        if d.columns:
            means = held_means(d)
            state["slice"] = {"axes": d.columns[:2], "held": dict(zip(d.columns[2:], means)),
                              "note": f"the map shows {d.columns[0]} and {d.columns[1]}; "
                                      + ", ".join(f"{c} is held at its training mean {m:.3g}"
                                                  for c, m in zip(d.columns[2:], means))}
        if self.config["dataset"] == "upload" and self.upload is not None:
            u = self.upload
            state["upload"] = {"name": self.upload_name, "kind": u.kind, "columns": u.columns,
                               "label_column": u.label_column, "original_labels": u.original_labels,
                               "ignored_columns": u.ignored}
        return state
