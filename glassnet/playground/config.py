"""The playground's configuration: its defaults, its limits, the one check of every field, and the URL hash.

A *config* is a plain dict (it travels as JSON, see ``docs/playground-protocol.md``).  The page sends
partial configs; :func:`validate_config` merges one into the current config and checks every field,
raising :class:`ProtocolError` with a message that names the field.  :func:`to_url_hash` and
:func:`from_url_hash` keep the state in the page's URL with TensorFlow Playground's keys where it has
them (``networkShape=4,2&activation=tanh...``) and glassnet's own keys for what it lacks.
"""

from __future__ import annotations

import copy
import math
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import parse_qsl, quote

from .protocol import ProtocolError

PLAYGROUND_DATASETS = ("circle", "xor", "gauss", "spiral")
REGRESSION_DATASETS = ("plane", "multi_gauss")
DATASETS = PLAYGROUND_DATASETS + REGRESSION_DATASETS + ("upload",)
FEATURES = ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)", "cos(x1)", "cos(x2)")
ACTIVATIONS = ("tanh", "relu", "sigmoid", "linear")
OPTIMIZERS = ("sgd", "momentum", "adam")
REGULARIZATIONS = ("none", "l1", "l2")
LOSSES = ("mse", "crossentropy")
PROBLEMS = ("classification", "regression")
MAX_SEED = 2**32 - 1
_MAX_RATE = 1e3  # learning and regularization rates past this only make NaN


@dataclass
class Limits:
    """What one session may ask for (the server can raise or lower each)."""

    max_layers: int = 6
    max_neurons: int = 8
    max_batch_size: int = 30
    max_samples: int = 10_000
    max_csv_bytes: int = 1 << 20
    max_message_bytes: int = 4 << 20

    def public(self) -> dict[str, int]:
        """The limits the ``state`` frame shows the page."""
        d = asdict(self)
        return {k: d[k] for k in ("max_layers", "max_neurons", "max_samples", "max_csv_bytes", "max_batch_size")}


DEFAULT_CONFIG: dict[str, Any] = {
    "dataset": "circle", "problem": "classification", "noise": 0, "train_ratio": 50, "batch_size": 10, "seed": 0,
    "features": ["x1", "x2"],
    "hidden": [{"units": 4, "activation": "tanh", "dropout": 0.0}, {"units": 2, "activation": "tanh", "dropout": 0.0}],
    "activation": "tanh", "learning_rate": 0.03, "optimizer": "sgd", "regularization": "none",
    "regularization_rate": 0.0, "loss": "mse", "stop_test_loss": None, "discretize": False, "show_test_data": False,
    "init_zero": False, "collect_stats": False,
}
"""TensorFlow Playground's defaults (its seed is random; ours is 0 unless the session draws one)."""


def _fail(field: str, problem: str) -> ProtocolError:
    return ProtocolError(f"config.{field}: {problem}")


def _number(value: Any, field: str, low: float, high: float, low_open: bool = False) -> float:
    # bool is an int in Python but never a number in JSON's sense.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _fail(field, f"must be a number, got {value!r}")
    if not math.isfinite(value):
        raise _fail(field, f"must be a finite number, got {value!r}")
    if value < low or value > high or (low_open and value == low):
        bracket = "(" if low_open else "["
        raise _fail(field, f"must be in {bracket}{low:g}, {high:g}], got {value!r}")
    return value


def _integer(value: Any, field: str, low: int, high: int) -> int:
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)  # JSON writers may send 10.0 for 10
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(field, f"must be an integer, got {value!r}")
    if not low <= value <= high:
        raise _fail(field, f"must be an integer in [{low}, {high}], got {value!r}")
    return value


def _choice(value: Any, field: str, options: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in options:
        raise _fail(field, f"must be one of {', '.join(repr(o) for o in options)}, got {value!r}")
    return value


def _boolean(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise _fail(field, f"must be true or false, got {value!r}")
    return value


def _features(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise _fail("features", f"must be a list of feature names, got {value!r}")
    for name in value:
        _choice(name, "features", FEATURES)
    if not value:
        raise _fail("features", "must select at least one feature")
    if len(set(value)) != len(value):
        raise _fail("features", f"lists a feature twice: {value!r}")
    return [f for f in FEATURES if f in value]  # the playground's order, whatever order was clicked


def _hidden(value: Any, limits: Limits, default_activation: str) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise _fail("hidden", f"must be a list of layers such as {{'units': 4}}, got {value!r}")
    if len(value) > limits.max_layers:
        raise _fail("hidden", f"has {len(value)} layers; at most {limits.max_layers} are allowed")
    layers = []
    for i, layer in enumerate(value):
        where = f"hidden[{i}]"
        if not isinstance(layer, dict):
            raise _fail(where, f"must be an object such as {{'units': 4}}, got {layer!r}")
        unknown = set(layer) - {"units", "activation", "dropout"}
        if unknown:
            raise _fail(where, f"unknown key {sorted(unknown)[0]!r} (known: units, activation, dropout)")
        if "units" not in layer:
            raise _fail(f"{where}.units", "is missing")
        layers.append({
            "units": _integer(layer["units"], f"{where}.units", 1, limits.max_neurons),
            "activation": _choice(layer.get("activation", default_activation), f"{where}.activation", ACTIVATIONS),
            "dropout": float(_number(layer.get("dropout", 0.0), f"{where}.dropout", 0.0, 0.9)),
        })
    return layers


def _reconcile_problem(partial: dict[str, Any], current: dict[str, Any], out: dict[str, Any]) -> None:
    """Keep dataset and problem consistent: a new dataset sets the problem, a new problem the dataset."""
    dataset, problem = out["dataset"], out["problem"]
    if dataset == "upload":
        if problem != current.get("problem") and current.get("dataset") == "upload" and "dataset" not in partial:
            raise _fail("problem", "is set by the uploaded CSV's labels; upload another file to change it")
        return
    natural = "regression" if dataset in REGRESSION_DATASETS else "classification"
    if problem == natural:
        return
    if "dataset" in partial and "problem" in partial:
        raise _fail("dataset", f"{dataset!r} is a {natural} dataset, but problem is {problem!r}")
    if "dataset" in partial:
        out["problem"] = natural
    else:  # the problem changed: switch to that problem's first dataset, as the playground does
        out["dataset"] = "plane" if problem == "regression" else "circle"


def validate_config(partial: dict[str, Any], current: dict[str, Any], limits: Limits) -> dict[str, Any]:
    """Merge ``partial`` into ``current`` and check every field.

    Parameters
    ----------
    partial : dict
        Fields to change (any subset of :data:`DEFAULT_CONFIG`'s keys).
    current : dict
        A valid config (e.g. :data:`DEFAULT_CONFIG`); not modified.
    limits : Limits
        Caps on layers, neurons and batch size.

    Returns
    -------
    dict
        A new, complete, valid config.

    Raises
    ------
    ProtocolError
        An unknown key or a bad value; the message names the field (``config.batch_size: ...``).
    """
    if not isinstance(partial, dict):
        raise ProtocolError(f"config: must be an object, got {type(partial).__name__}")
    unknown = sorted(k for k in partial if k not in DEFAULT_CONFIG)
    if unknown:
        raise _fail(str(unknown[0]), f"unknown setting (known: {', '.join(DEFAULT_CONFIG)})")
    if partial.get("dataset") == "upload" and current.get("dataset") != "upload":
        raise _fail("dataset", "'upload' is chosen by sending an upload_csv message with the file")
    out = copy.deepcopy(current)
    out.update(copy.deepcopy(partial))
    out["dataset"] = _choice(out["dataset"], "dataset", DATASETS)
    out["problem"] = _choice(out["problem"], "problem", PROBLEMS)
    out["noise"] = _number(out["noise"], "noise", 0, 50)
    out["train_ratio"] = _number(out["train_ratio"], "train_ratio", 10, 90)
    out["batch_size"] = _integer(out["batch_size"], "batch_size", 1, limits.max_batch_size)
    out["seed"] = _integer(out["seed"], "seed", 0, MAX_SEED)
    out["features"] = _features(out["features"])
    out["activation"] = _choice(out["activation"], "activation", ACTIVATIONS)
    out["hidden"] = _hidden(out["hidden"], limits, out["activation"])
    out["learning_rate"] = _number(out["learning_rate"], "learning_rate", 0, _MAX_RATE, low_open=True)
    out["optimizer"] = _choice(out["optimizer"], "optimizer", OPTIMIZERS)
    out["regularization"] = _choice(out["regularization"], "regularization", REGULARIZATIONS)
    out["regularization_rate"] = _number(out["regularization_rate"], "regularization_rate", 0, _MAX_RATE)
    out["loss"] = _choice(out["loss"], "loss", LOSSES)
    if out["stop_test_loss"] is not None:
        out["stop_test_loss"] = _number(out["stop_test_loss"], "stop_test_loss", 0, 1e6, low_open=True)
    out["discretize"] = _boolean(out["discretize"], "discretize")
    out["show_test_data"] = _boolean(out["show_test_data"], "show_test_data")
    out["init_zero"] = _boolean(out["init_zero"], "init_zero")
    out["collect_stats"] = _boolean(out["collect_stats"], "collect_stats")
    _reconcile_problem(partial, current, out)
    if out["problem"] == "regression" and out["loss"] == "crossentropy":
        raise _fail("loss", "'crossentropy' needs a classification problem; use 'mse' for regression")
    return out


# -- the URL hash ------------------------------------------------------------------------------
# TensorFlow Playground's keys (state.ts) for the fields it has; its input names for the features.
_FEATURE_KEYS = {"x1": "x", "x2": "y", "x1^2": "xSquared", "x2^2": "ySquared", "x1*x2": "xTimesY",
                 "sin(x1)": "sinX", "sin(x2)": "sinY", "cos(x1)": "cosX", "cos(x2)": "cosY"}
_TF_DATASETS = {"plane": "reg-plane", "multi_gauss": "reg-gauss"}
_SCALARS = {"batchSize": "batch_size", "learningRate": "learning_rate", "regularizationRate": "regularization_rate",
            "noise": "noise", "percTrainData": "train_ratio", "activation": "activation", "problem": "problem",
            "optimizer": "optimizer", "loss": "loss", "regularization": "regularization"}
_BOOLEANS = {"showTestData": "show_test_data", "discretize": "discretize", "initZero": "init_zero",
             "collectStats": "collect_stats"}


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


def to_url_hash(config: dict[str, Any]) -> str:
    """The config as a URL hash ``k=v&...`` (no leading ``#``) with TensorFlow Playground's keys.

    glassnet's additions: ``optimizer``, ``loss``, ``activations`` and ``dropout`` (per hidden layer,
    comma-separated) and ``stopTestLoss``.  ``regularization=none`` is omitted as the playground does.
    """
    pairs: list[tuple[str, str]] = []
    for key, field in _SCALARS.items():
        if field == "regularization" and config[field] == "none":
            continue
        pairs.append((key, _fmt(config[field])))
    key = "regDataset" if config["problem"] == "regression" else "dataset"
    pairs.append((key, _TF_DATASETS.get(config["dataset"], config["dataset"])))
    pairs.append(("networkShape", ",".join(str(layer["units"]) for layer in config["hidden"])))
    pairs.append(("activations", ",".join(layer["activation"] for layer in config["hidden"])))
    pairs.append(("dropout", ",".join(_fmt(float(layer["dropout"])) for layer in config["hidden"])))
    pairs.append(("seed", str(config["seed"])))
    for key, field in _BOOLEANS.items():
        pairs.append((key, _fmt(config[field])))
    for feature, key in _FEATURE_KEYS.items():
        pairs.append((key, _fmt(feature in config["features"])))
    if config["stop_test_loss"] is not None:
        pairs.append(("stopTestLoss", _fmt(config["stop_test_loss"])))
    return "&".join(f"{k}={quote(v, safe=',.-')}" for k, v in pairs)


def _url_number(text: str, key: str) -> float | int:
    try:
        value = float(text)
    except ValueError:
        raise ProtocolError(f"URL key {key}: {text!r} is not a number") from None
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def _url_list(text: str) -> list[str]:
    return [] if text == "" else text.split(",")


def from_url_hash(text: str, limits: Limits) -> dict[str, Any]:
    """Read a config back from a URL hash (with or without ``#``); missing keys take the defaults.

    ``initZero``, ``cosX``/``cosY`` and ``collectStats`` are read (the last is only kept: TF Playground
    uses it for analytics, glassnet for nothing).  Keys of the page alone (``hideText``, ``*_hide``,
    ``tutorial``) are ignored here.  A playground seed such as ``0.59704`` becomes the integer 59704.

    Raises
    ------
    ProtocolError
        A value that is not valid (the message names the URL key or the config field).
    """
    pairs = dict(parse_qsl(text.lstrip("#"), keep_blank_values=True))
    partial: dict[str, Any] = {}
    for key, field in _SCALARS.items():
        if key in pairs:
            raw = pairs[key]
            partial[field] = raw if field in ("activation", "problem", "optimizer", "loss", "regularization") \
                else _url_number(raw, key)
    for key, field in _BOOLEANS.items():
        if key in pairs:
            partial[field] = {"true": True, "false": False}.get(pairs[key], pairs[key])
    names = {v: k for k, v in _TF_DATASETS.items()}
    key = "regDataset" if partial.get("problem") == "regression" else "dataset"
    if key in pairs:
        partial["dataset"] = names.get(pairs[key], pairs[key])
    if "seed" in pairs:
        seed = _url_number(pairs["seed"], "seed")
        partial["seed"] = round(seed * 100_000) if isinstance(seed, float) and 0 <= seed < 1 else seed
    if "networkShape" in pairs:
        units = [_url_number(u, "networkShape") for u in _url_list(pairs["networkShape"])]
        activations = _url_list(pairs.get("activations", ""))
        dropout = [_url_number(d, "dropout") for d in _url_list(pairs.get("dropout", ""))]
        activation = partial.get("activation", DEFAULT_CONFIG["activation"])
        partial["hidden"] = [{"units": u, "activation": activations[i] if i < len(activations) else activation,
                              "dropout": dropout[i] if i < len(dropout) else 0.0} for i, u in enumerate(units)]
    if any(k in pairs for k in _FEATURE_KEYS.values()):
        partial["features"] = [f for f, k in _FEATURE_KEYS.items() if pairs.get(k) == "true"]
    if "stopTestLoss" in pairs:
        partial["stop_test_loss"] = None if pairs["stopTestLoss"] in ("", "null") else \
            _url_number(pairs["stopTestLoss"], "stopTestLoss")
    return validate_config(partial, DEFAULT_CONFIG, limits)
