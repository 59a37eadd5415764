"""glassnet's configs in Keras 3's spelling, and Keras' configs (3 and 2) in glassnet's.

Both libraries describe an object as ``{"module", "class_name", "config",
"registered_name"}``.  Writing, each entry gets the module Keras looks the class up in
(``keras.layers``, ``keras.initializers``...), so real Keras finds every class the two
libraries share; an object only glassnet has (see :data:`GLASSNET_ONLY`) keeps a
``glassnet.*`` module, and Keras refuses it with a message naming the class.

Reading, Keras' extra keys are checked against :data:`NEUTRAL_KEYS`: a key whose value
leaves the computation as glassnet does it (``quantization_config: null``, a
``DTypePolicy`` of float32, ``sparse: false``) is dropped; any other value is refused
with the layer and key named, rather than silently computing something else.
"""

from __future__ import annotations

import copy
from typing import Any

from .errors import SavedModelError

# Classes and functions glassnet has and Keras 3 does not: a model using them cannot be loaded by Keras.
GLASSNET_ONLY: dict[str, frozenset[str]] = {
    "layers": frozenset({"FeatureCross"}),
    "models": frozenset({"Perceptron"}),
    "metrics": frozenset({"NegativePredictiveValue", "Sensitivity", "Specificity"}),
    "activations": frozenset({"step"}),
}

COMPILE_ERROR = "glassnet_compile_error"
"""Key :func:`from_keras` sets (instead of ``compile_config``) when the compile settings cannot be honoured."""

_KERAS_MODULE = {
    "layers": "keras.layers", "initializers": "keras.initializers", "regularizers": "keras.regularizers",
    "constraints": "keras.constraints", "optimizers": "keras.optimizers",
    "schedules": "keras.optimizers.schedules", "losses": "keras.losses", "metrics": "keras.metrics",
}
_MODEL_MODULES = {"Sequential": ("keras", None), "Functional": ("keras.src.models.functional", "Functional"),
                  "Model": ("keras.src.models.functional", "Functional")}

# Keras config keys glassnet has no argument for, with the values that change nothing.  Any other
# value would change what the layer computes, so it is refused.
_ANY = object()
NEUTRAL_KEYS: dict[str, dict[str, Any]] = {
    "*": {"quantization_config": None, "lora_rank": None, "lora_alpha": None, "autocast": _ANY},
    "InputLayer": {"sparse": False, "ragged": False, "optional": False},
    "BatchNormalization": {"renorm": False, "renorm_clipping": None, "renorm_momentum": _ANY,
                           "synchronized": _ANY},  # synchronized: across devices only
    "MultiHeadAttention": {"use_gate": False, "sliding_window": None, "activity_regularizer": None},
    "AdditiveAttention": {"seed": _ANY},
    "Attention": {"seed": _ANY},
    "Flatten": {"data_format": "channels_last"},
    "Lambda": {"mask": None, "output_shape": _ANY},  # glassnet traces the output shape itself
    "SimpleRNN": {"zero_output_for_mask": _ANY},
    "LSTM": {"zero_output_for_mask": _ANY},
    "GRU": {"zero_output_for_mask": _ANY},
    # initializers: Keras 3.11+ may say which axes are fan-in/fan-out; glassnet's defaults are Keras' own
    "GlorotUniform": {"input_axes": None, "output_axes": None},
    "GlorotNormal": {"input_axes": None, "output_axes": None},
    "HeUniform": {"input_axes": None, "output_axes": None},
    "HeNormal": {"input_axes": None, "output_axes": None},
    "LecunUniform": {"input_axes": None, "output_axes": None},
    "LecunNormal": {"input_axes": None, "output_axes": None},
    "VarianceScaling": {"input_axes": None, "output_axes": None},
    # optimizers: features glassnet's optimizers do not have
    "optimizer": {"use_ema": False, "ema_momentum": _ANY, "ema_overwrite_frequency": _ANY,
                  "loss_scale_factor": None, "gradient_accumulation_steps": None, "jit_compile": _ANY,
                  "is_legacy_optimizer": _ANY},
}
# Keras 2 spellings that glassnet's classes do not take under that name.
_KERAS2_RENAMES: dict[str, dict[str, str]] = {"InputLayer": {"batch_input_shape": "batch_shape"}}


# -- writing --------------------------------------------------------------------------------------------
def to_keras(entry: dict[str, Any]) -> dict[str, Any]:
    """A copy of a model's config (:func:`serialize` output) in Keras 3's spelling."""
    out = copy.deepcopy(entry)
    _mark(out, "models")
    if isinstance(out.get("compile_config"), dict):
        _mark_compile(out["compile_config"])
    return out


def _mark(entry: Any, category: str) -> None:
    """Give an object entry (and every entry nested in its config) Keras' module and registered name."""
    if not _is_entry(entry):
        return
    name = entry["class_name"]
    custom = entry.get("module") == "custom" or ">" in name
    if category == "models" and name in _MODEL_MODULES:
        entry["module"], entry["registered_name"] = _MODEL_MODULES[name]
    elif custom:
        entry["module"], entry["registered_name"] = None, name
    elif name in GLASSNET_ONLY.get("layers" if category == "models" else category, ()) or \
            (category == "models" and name in GLASSNET_ONLY["models"]):
        entry["module"], entry["registered_name"] = f"glassnet.{category}", name
    else:
        entry["module"] = _KERAS_MODULE.get(category, "keras.layers")
        entry["registered_name"] = None
    if name in ("Functional", "Model") and category == "models":
        for key in ("input_layers", "output_layers"):
            if key in entry["config"]:
                entry["config"][key] = _history_triples(entry["config"][key])
    for key, value in entry["config"].items():
        _mark_value(key, value)


def _mark_value(key: str, value: Any) -> None:
    if isinstance(value, list):
        for item in value:
            _mark_value(key, item)
        return
    if not _is_entry(value):
        return
    if key.endswith("initializer"):
        _mark(value, "initializers")
    elif key.endswith("regularizer"):
        _mark(value, "regularizers")
    elif key.endswith("constraint"):
        _mark(value, "constraints")
    elif key == "learning_rate":
        _mark(value, "schedules")
    elif key == "dtype":
        return
    else:  # layers, layer, cell, forward_layer... : a layer or a nested model
        _mark(value, "models")


# Keras 3's .h5 loader cannot read back its own short loss names ('mse' fails with "Could not
# deserialize 'keras.metrics.mse'"), so .h5 files spell them out.
_LONG_LOSS_NAMES = {"mse": "mean_squared_error", "mae": "mean_absolute_error",
                    "mape": "mean_absolute_percentage_error", "msle": "mean_squared_logarithmic_error",
                    "kld": "kl_divergence"}


def h5_training_config(compile_config: dict[str, Any]) -> dict[str, Any]:
    """The compile settings as Keras' .h5 ``training_config``: ``optimizer_config``, long loss names."""
    def spell(loss: Any) -> Any:
        if isinstance(loss, str):
            return _LONG_LOSS_NAMES.get(loss.lower(), loss)
        if isinstance(loss, list):
            return [spell(item) for item in loss]
        if isinstance(loss, dict) and not _is_entry(loss):
            return {key: spell(item) for key, item in loss.items()}
        return loss

    return {("optimizer_config" if key == "optimizer" else key): (spell(value) if key == "loss" else value)
            for key, value in compile_config.items()}


def _mark_compile(compile_config: dict[str, Any]) -> None:
    for key, category in (("optimizer", "optimizers"), ("loss", "losses"), ("metrics", "metrics"),
                          ("weighted_metrics", "metrics")):
        _mark_nested(compile_config.get(key), category)


def _mark_nested(value: Any, category: str) -> None:
    if isinstance(value, dict) and not _is_entry(value):
        for item in value.values():
            _mark_nested(item, category)
    elif isinstance(value, list):
        for item in value:
            _mark_nested(item, category)
    elif _is_entry(value):
        _mark(value, category)


def _history_triples(structure: Any) -> Any:
    """Keras lists a Functional model's inputs/outputs as ``[layer, node, index]`` triples (one, a list or a dict)."""
    if isinstance(structure, dict) and structure.get("class_name") == "__keras_tensor__":
        return list(structure["config"]["keras_history"])
    if isinstance(structure, dict):
        return {key: _history_triples(value) for key, value in structure.items()}
    if isinstance(structure, (list, tuple)):
        return [_history_triples(value) for value in structure]
    return structure


def _is_entry(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("class_name"), str) and isinstance(value.get("config"), dict)


# -- reading --------------------------------------------------------------------------------------------
def from_keras(entry: dict[str, Any]) -> dict[str, Any]:
    """A copy of a Keras (3 or 2) model config that glassnet's classes accept.

    Raises
    ------
    SavedModelError
        Naming the layer and key, for a setting glassnet does not implement.
    """
    out = copy.deepcopy(entry)
    _normalise(out, owner=None)
    compile_config = out.get("compile_config")
    if isinstance(compile_config, dict):
        optimizer = compile_config.get("optimizer")
        if _is_entry(optimizer):
            try:
                _drop_neutral(optimizer["config"], NEUTRAL_KEYS["optimizer"], f"optimizer '{optimizer['class_name']}'")
            except SavedModelError as err:  # the model itself is fine: it loads, uncompiled, with a warning
                out.pop("compile_config")
                out[COMPILE_ERROR] = str(err)
                return out
            if optimizer["class_name"].startswith("Custom>"):  # tf.keras 2.11+ registered its new optimizers so
                optimizer["class_name"] = optimizer["class_name"][len("Custom>"):]
        _strip_modules(compile_config)
        for key in ("metrics", "weighted_metrics"):
            if key in compile_config:
                compile_config[key] = _keras2_metrics(compile_config[key])
    return out


def _normalise(value: Any, owner: str | None) -> None:
    if isinstance(value, list):
        for item in value:
            _normalise(item, owner)
        return
    if not isinstance(value, dict):
        return
    if _is_entry(value):
        config = value["config"]
        if value["class_name"] in ("Functional", "Model") and isinstance(config.get("layers"), list):
            _functional_from_keras(config)
        name = config.get("name") if isinstance(config.get("name"), str) else value.get("name")
        who = f"layer '{name}' ({value['class_name']})" if name else f"'{value['class_name']}'"
        registered = value.pop("registered_name", None)
        if isinstance(registered, str) and ">" in registered and ">" not in value["class_name"]:
            value["class_name"] = registered  # a registered custom class: 'package>Name'
        value.pop("module", None)  # glassnet resolves names only among its own and registered classes
        for old_key, new_key in _KERAS2_RENAMES.get(value["class_name"], {}).items():
            if old_key in config and new_key not in config:
                config[new_key] = config.pop(old_key)
        if "dtype" in config:
            config["dtype"] = _dtype_name(config["dtype"], who)
        neutral = dict(NEUTRAL_KEYS["*"])
        neutral.update(NEUTRAL_KEYS.get(value["class_name"], {}))
        _drop_neutral(config, neutral, who)
        for item in config.values():
            _normalise(item, name or owner)
        for key in ("inbound_nodes",):
            if key in value:
                _normalise(value[key], name or owner)
    else:
        for item in value.values():
            _normalise(item, owner)


def _keras2_metrics(metrics: Any) -> Any:
    """tf.keras lists metrics per output (``[[...]]``) and wraps plain ones as ``MeanMetricWrapper(fn)``."""
    if isinstance(metrics, list) and len(metrics) == 1 and isinstance(metrics[0], list):
        metrics = metrics[0]
    if isinstance(metrics, list):
        return [_keras2_metrics(item) for item in metrics]
    if isinstance(metrics, dict) and not _is_entry(metrics):
        return {key: _keras2_metrics(item) for key, item in metrics.items()}
    if _is_entry(metrics):
        config = metrics["config"]
        if metrics["class_name"] == "MeanMetricWrapper":  # compile(metrics=["mse"]): the name the user gave
            return config.get("name") or config.get("fn")
        if config.get("dtype") in ("float32", None):
            config.pop("dtype", None)
    return metrics


def _strip_modules(value: Any) -> None:
    if isinstance(value, list):
        for item in value:
            _strip_modules(item)
    elif isinstance(value, dict):
        if _is_entry(value):
            value.pop("module", None)
            value.pop("registered_name", None)
        for item in value.values():
            _strip_modules(item)


def _drop_neutral(config: dict[str, Any], neutral: dict[str, Any], who: str) -> None:
    for key, harmless in neutral.items():
        if key not in config:
            continue
        value = config.pop(key)
        if harmless is not _ANY and value != harmless:
            raise SavedModelError(f"{who}: the setting {key}={value!r} changes what it computes, and glassnet "
                                  f"does not implement it (only {key}={harmless!r} can be loaded)")


def _dtype_name(dtype: Any, who: str) -> Any:
    """Keras 3's ``DTypePolicy`` entry as a dtype name; a mixed-precision policy is refused."""
    if not _is_entry(dtype):
        return dtype
    name = dtype["config"].get("name")
    if dtype["class_name"] not in ("DTypePolicy", "FloatDTypePolicy") or not isinstance(name, str) or \
            name.startswith(("mixed_", "int8", "int4", "float8")) or name in ("float16", "bfloat16"):
        raise SavedModelError(f"{who}: the dtype policy {dtype['class_name']}({name!r}) is not supported: glassnet "
                              "computes in float32 (or float64)")
    return name


# -- Functional graphs ----------------------------------------------------------------------------------
def _functional_from_keras(config: dict[str, Any]) -> None:
    """Tensor references in glassnet's (Keras 3's) form: ``{"class_name": "__keras_tensor__", ...}``.

    Keras 3 lists the inputs and outputs as ``[layer, node, index]`` triples; Keras 2 also writes each
    call as a list of ``[layer, node, index, kwargs]`` and numbers a nested model's calls from 1 (its
    node 0 is the call on its own Input, made when it was built), where glassnet numbers from 0.
    """
    layers = [entry for entry in config["layers"] if isinstance(entry, dict)]
    keras2 = any(isinstance(node, list) for entry in layers for node in entry.get("inbound_nodes") or [])
    offset: dict[str, int] = {}
    if keras2:
        for entry in layers:
            inner = entry.get("config") if isinstance(entry.get("config"), dict) else {}
            first = (inner.get("layers") or [None])[0]
            if entry.get("class_name") in ("Functional", "Model", "Sequential") and isinstance(first, dict) and \
                    first.get("class_name") == "InputLayer":
                offset[str(entry.get("name") or inner.get("name"))] = 1
    for entry in layers:
        nodes = entry.get("inbound_nodes")
        if isinstance(nodes, list):
            entry["inbound_nodes"] = [_keras2_node(node, offset) if isinstance(node, list) else node
                                      for node in nodes]
    for key in ("input_layers", "output_layers"):
        if key in config:
            config[key] = _refs(config[key], offset, keras2)


def _is_triple(value: Any) -> bool:
    return isinstance(value, list) and len(value) in (3, 4) and isinstance(value[0], str) and \
        all(isinstance(v, int) for v in value[1:3])


def _ref(triple: list[Any], offset: dict[str, int]) -> dict[str, Any]:
    name, node, index = triple[0], int(triple[1]) - offset.get(triple[0], 0), int(triple[2])
    return {"class_name": "__keras_tensor__", "config": {"keras_history": [name, node, index]}}


def _refs(structure: Any, offset: dict[str, int], keras2: bool) -> Any:
    if _is_triple(structure):
        return _ref(structure, offset)
    if isinstance(structure, list):
        refs = [_refs(item, offset, keras2) for item in structure]
        return refs[0] if keras2 and len(refs) == 1 else refs  # Keras 2 lists even a single input
    if isinstance(structure, dict) and structure.get("class_name") != "__keras_tensor__":
        return {key: _refs(value, offset, keras2) for key, value in structure.items()}
    return structure


def _keras2_node(node: list[Any], offset: dict[str, int]) -> dict[str, Any]:
    """``[[layer, node, index, kwargs], ...]`` (one call of a layer) as ``{"args": [...], "kwargs": {...}}``."""
    tensors = [_ref(item, offset) for item in node if _is_triple(item)]
    kwargs = next((item[3] for item in node if _is_triple(item) and len(item) == 4 and isinstance(item[3], dict)),
                  {})
    kwargs = {key: _refs(value, offset, False) for key, value in kwargs.items()}
    return {"args": [tensors[0] if len(tensors) == 1 else tensors], "kwargs": kwargs}
