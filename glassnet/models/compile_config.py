"""What ``compile`` was given, as JSON, and back (``get_compile_config``/``compile_from_config``).

Names stay names (``"adam"``, ``"mse"``); loss and metric objects become
``{"class_name", "config"}``; the optimizer is serialized whole.  Rebuilding
resolves names through the same lookups ``compile`` uses, so nothing is imported
from a config.
"""

from __future__ import annotations

import warnings
from typing import Any

from .. import losses, metrics, optimizers
from ..losses import Loss, LossFunctionWrapper
from ..metrics import Metric
from ..metrics.base import MeanMetricWrapper
from ..registry import get_registered_object
from ..serialization import registered_name, to_json


def _spec(value: Any) -> Any:
    """A loss/metric argument of compile() as JSON: names stay names, objects become configs."""
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
        obj = get_registered_object(value)
        return obj if obj is not None else value
    if isinstance(value, list):
        return [_unspec(v, getter) for v in value]
    if isinstance(value, dict):
        if set(value) == {"class_name", "config"}:
            return getter(value)
        return {k: _unspec(v, getter) for k, v in value.items()}
    return value


def _loss_weights(model: Any) -> Any:
    """The weights as compile() was given them (a dict stays a dict), else the resolved ones (None when all 1)."""
    given = getattr(model, "_compile_args", None)
    if given is not None:
        return _spec(given[1])
    weights = getattr(model, "_loss_weights", None)
    return None if weights is None or all(w == 1.0 for w in weights) else weights


def get_compile_config(model: Any) -> dict[str, Any] | None:
    """What ``compile`` was given, as JSON (None when not compiled or not describable)."""
    if not getattr(model, "compiled", False) or getattr(model, "optimizer", None) is None:
        return None
    try:
        config = {
            "optimizer": optimizers.serialize(model.optimizer),
            "loss": _spec(model.loss),
            "loss_weights": _loss_weights(model),
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
    """Call ``model.compile`` with :func:`get_compile_config` output."""
    model.compile(optimizer=optimizers.get(config["optimizer"]),
                  loss=_unspec(config.get("loss"), losses.get), loss_weights=config.get("loss_weights"),
                  metrics=_unspec(config.get("metrics"), metrics.get),
                  weighted_metrics=_unspec(config.get("weighted_metrics"), metrics.get))
