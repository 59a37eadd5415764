"""Turning layers, models and compile settings into JSON-able configs and back.

Safety rule: a config only ever *names* classes and functions.  A name is
resolved against glassnet's own layers and models, the objects the user
registered with :func:`glassnet.saving.register_keras_serializable`, and the
``custom_objects`` passed to the loader; nothing is imported, evaluated or
unpickled from a file.
"""

from __future__ import annotations

import contextlib
import json
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np

from .. import registry
from ..engine.allocation import check_sample
from .errors import SavedModelError

# The custom_objects of the load in progress (nested loads stack their dicts).
_SCOPES: list[dict[str, Any]] = []


@contextlib.contextmanager
def custom_object_scope(custom_objects: dict[str, Any] | None) -> Iterator[None]:
    """Make ``custom_objects`` ({name: class or function}) resolvable while loading.

    Inside the scope every name lookup (layers, activations, losses, initializers...)
    also sees these objects, as with ``keras.saving.custom_object_scope``.
    """
    added = dict(custom_objects or {})
    saved = {k: registry._CUSTOM_OBJECTS[k] for k in added if k in registry._CUSTOM_OBJECTS}
    registry._CUSTOM_OBJECTS.update(added)
    _SCOPES.append(added)
    try:
        yield
    finally:
        _SCOPES.pop()
        for key in added:
            if key in saved:
                registry._CUSTOM_OBJECTS[key] = saved[key]
            else:
                registry._CUSTOM_OBJECTS.pop(key, None)


def registered_name(obj: Any) -> str:
    """The name a config uses for a class or function (``Package>Name`` when registered)."""
    return getattr(obj, "_registered_name", None) or getattr(obj, "__name__", None) or type(obj).__name__


# -- JSON ---------------------------------------------------------------------------------------
def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray) and value.size <= 64:
        return value.tolist()
    if isinstance(value, np.dtype):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"a value of type {type(value).__name__} ({value!r:.60}) cannot be stored in a JSON config")


def to_json(obj: Any, **kwargs: Any) -> str:
    """``json.dumps`` that also takes NumPy scalars and small arrays."""
    return json.dumps(obj, default=_json_default, **kwargs)


# -- layers and models ----------------------------------------------------------------------------
def _builtin_layer_classes() -> dict[str, type]:
    from .. import layers as layers_module
    from .. import models as models_module
    from ..layers.base import Layer

    found: dict[str, type] = {}
    for module in (layers_module, models_module):
        for name in dir(module):
            obj = getattr(module, name)
            if isinstance(obj, type) and issubclass(obj, Layer):
                found[name] = obj
                found.setdefault(obj.__name__, obj)  # an alias export (Convolution2D) still finds Conv2D
    return found


def layer_class(class_name: str, layer_name: str | None = None) -> type:
    """Resolve a class name from a config to a Layer or Model class (registered names only)."""
    obj = registry.get_registered_object(class_name)
    if obj is None and ">" in class_name:
        obj = registry.get_registered_object(class_name.split(">", 1)[1])
    if obj is None:
        obj = _builtin_layer_classes().get(class_name)
    if obj is None:
        where = f" (layer '{layer_name}')" if layer_name else ""
        bare = class_name.split(">")[-1]
        raise SavedModelError(
            f"Unknown layer class '{class_name}'{where} in the saved config. glassnet never imports code named "
            f"in a file: decorate the class with @glassnet.saving.register_keras_serializable() or pass "
            f"custom_objects={{'{bare}': {bare}}} to the loader"
        )
    return obj


def serialize_layer(layer: Any) -> dict[str, Any]:
    """``{"module", "class_name", "config", "name", "build_config"}`` of a layer or model."""
    from ..models.symbolic import OperationLayer

    if isinstance(layer, OperationLayer):
        from ..models.serialization_graph import operation_entry

        return operation_entry(layer)
    entry: dict[str, Any] = {
        "module": type(layer).__module__.rsplit(".", 1)[0] if type(layer).__module__.startswith("glassnet")
        else "custom",
        "class_name": registered_name(type(layer)),
        "config": layer.get_config(),
        "name": layer.name,
    }
    if getattr(layer, "_build_shape", None) is not None:
        entry["build_config"] = {"input_shape": layer._build_shape}
    return entry


def deserialize_layer(entry: dict[str, Any]) -> Any:
    """Rebuild a layer or model from :func:`serialize_layer` output (weights not loaded)."""
    if not isinstance(entry, dict) or not isinstance(entry.get("class_name"), str) or \
            not isinstance(entry.get("config", {}), dict):
        raise SavedModelError(f"A layer entry of the config is malformed: {str(entry)[:120]}")
    name = entry.get("name") or (entry.get("config") or {}).get("name")
    if name is not None and not isinstance(name, str):
        raise SavedModelError(f"A layer entry of the config has the name {name!r}, not a string")
    if entry["class_name"] == "__operation__":
        from ..models.serialization_graph import operation_from_entry

        return operation_from_entry(entry)
    cls = layer_class(entry["class_name"], name)
    config = dict(entry.get("config") or {})
    from ..layers.core import Lambda
    from ..models.functional import Functional
    from ..models.sequential import Sequential

    try:
        if issubclass(cls, Sequential) and cls is Sequential:
            from ..models.serialization_graph import sequential_from_config

            return sequential_from_config(config)
        if cls is Functional:
            from ..models.serialization_graph import functional_from_config

            return functional_from_config(config)
        if issubclass(cls, Lambda) and not isinstance(config.get("function"), str):
            raise SavedModelError(f"Lambda layer '{name}': its function is saved as {str(config.get('function'))[:60]}"
                                  "; a file may only name a registered function")
        if issubclass(cls, Lambda):
            fn = registry.get_registered_object(config["function"])
            if fn is None:
                raise SavedModelError(
                    f"Lambda layer '{name}' uses the function '{config['function']}', which is not registered: "
                    "functions are never loaded from a file. Register it with "
                    "@glassnet.saving.register_keras_serializable() or pass it in custom_objects")
            config["function"] = fn
        layer = cls.from_config(config)
        _build_from_config(layer, entry.get("build_config"))
    except SavedModelError:
        raise
    except Exception as err:  # whatever a malformed config makes a constructor raise, the layer is named
        hint = (" A custom class needs get_config() returning its constructor arguments."
                if isinstance(err, TypeError) else "")
        raise SavedModelError(f"Could not rebuild layer '{name}' of class '{entry['class_name']}' from its "
                              f"config: {type(err).__name__}: {err}.{hint}") from err
    return layer


def _build_from_config(layer: Any, build_config: Any) -> None:
    """Create a layer's weights for the saved input shape (a subclassed model runs one dummy batch)."""
    from ..models.model import Model

    if build_config is not None and not isinstance(build_config, dict):
        raise ValueError(f"build_config should be a dict, not {type(build_config).__name__}")
    if not build_config or layer.weights and layer.built:
        return
    shape = build_config.get("input_shape")
    if shape is None:
        return
    if isinstance(layer, Model):
        from ..models.functional import Functional
        from ..models.sequential import Sequential

        if isinstance(layer, (Functional, Sequential)) and layer.built:
            return
        layer(_zeros(shape), training=False)
    elif not layer.built:
        layer._maybe_build(_as_shape(shape))


def _as_shape(shape: Any) -> Any:
    if isinstance(shape, dict):
        return {k: _as_shape(v) for k, v in shape.items()}
    if isinstance(shape, (list, tuple)) and shape and isinstance(shape[0], (list, tuple)):
        return [_as_shape(s) for s in shape]
    return tuple(shape)


def _zeros(shape: Any) -> Any:
    from .. import backend

    shape = _as_shape(shape)
    if isinstance(shape, dict):
        return {k: _zeros(v) for k, v in shape.items()}
    if isinstance(shape, list):
        return [_zeros(s) for s in shape]
    shape = tuple(1 if n is None else n for n in shape)
    check_sample(shape, backend.floatx(), "the saved build_config")
    return np.zeros(shape, dtype=backend.floatx())


def model_config(model: Any) -> dict[str, Any]:
    """The ``config.json`` content: the model's class and config, plus its compile config."""
    entry = serialize_layer(model)
    entry["module"] = "glassnet.models" if entry["module"].startswith("glassnet") else entry["module"]
    compile_config = get_compile_config(model)
    if compile_config is not None:
        entry["compile_config"] = compile_config
    return entry


# -- compile settings ------------------------------------------------------------------------------
def _spec(value: Any) -> Any:
    """A loss/metric argument of compile() as JSON: names stay names, objects become configs."""
    from ..losses import Loss, LossFunctionWrapper
    from ..metrics import Metric
    from ..metrics.base import MeanMetricWrapper

    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [_spec(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _spec(v) for k, v in value.items()}
    if type(value) is LossFunctionWrapper:
        return registered_name(value.fn)
    if type(value) is MeanMetricWrapper:
        return registered_name(value.fn)
    if isinstance(value, (Loss, Metric)):
        return {"class_name": registered_name(type(value)), "config": value.get_config()}
    if callable(value):
        return registered_name(value)
    raise TypeError(f"cannot describe {value!r} in a config")


def _unspec(value: Any, getter: Any) -> Any:
    """Inverse of :func:`_spec`; ``getter`` (``losses.get``/``metrics.get``) rebuilds class configs."""
    if isinstance(value, str):
        obj = registry.get_registered_object(value)
        return obj if obj is not None else value
    if isinstance(value, list):
        return [_unspec(v, getter) for v in value]
    if isinstance(value, dict):
        if set(value) == {"class_name", "config"}:
            return getter(value)
        return {k: _unspec(v, getter) for k, v in value.items()}
    return value


def get_compile_config(model: Any) -> dict[str, Any] | None:
    """What ``compile`` was given, as JSON (None when not compiled or not describable)."""
    from .. import optimizers

    if not getattr(model, "compiled", False) or getattr(model, "optimizer", None) is None:
        return None
    try:
        loss_weights = getattr(model, "_loss_weights", None)
        config = {
            "optimizer": optimizers.serialize(model.optimizer),
            "loss": _spec(model.loss),
            "loss_weights": None if loss_weights is None or all(w == 1.0 for w in loss_weights) else loss_weights,
            "metrics": _spec(getattr(model, "_metric_specs", None)),
            "weighted_metrics": _spec(getattr(model, "_weighted_metric_specs", None)),
        }
        to_json(config)
    except TypeError as err:
        warnings.warn(f"The compile settings of model '{model.name}' cannot be saved ({err}); the loaded model "
                      "will need compile() again", stacklevel=3)
        return None
    return config


def compile_from_config(model: Any, config: dict[str, Any]) -> None:
    """Call ``model.compile`` with a saved compile config."""
    from .. import losses, metrics, optimizers

    model.compile(optimizer=optimizers.get(config["optimizer"]),
                  loss=_unspec(config.get("loss"), losses.get), loss_weights=config.get("loss_weights"),
                  metrics=_unspec(config.get("metrics"), metrics.get),
                  weighted_metrics=_unspec(config.get("weighted_metrics"), metrics.get))
