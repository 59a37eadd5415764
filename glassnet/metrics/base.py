"""Stateful training metrics: accumulate over batches, report the epoch's value.

``update_state`` adds one batch, ``result`` gives the value over everything
seen since ``reset_state``.  A metric over an epoch is computed from the
accumulated counts, never as a mean of per-batch values (which is wrong for
ratios such as precision).  Metrics work on host NumPy arrays, after the
forward pass, so they never enter the gradient tape.

Host and device (see docs/gpu.md): the built-in metrics accumulate on the host,
in NumPy float64, whatever the backend.  Their counts are a few numbers per
batch, and sorting, ``bincount`` and ``searchsorted`` over thresholds are host
work.  So every ``update_state`` brings its inputs to the host once, at its
entry, with :func:`to_host` (:func:`glassnet.backend.to_numpy`: free on NumPy,
``.get()`` on CuPy), and never calls ``np.asarray`` on a possibly-device array.
The one exception is a metric whose per-sample formula is a loss of
:mod:`glassnet.losses` (device code on ``xp``): it gets the batch as it is and
brings only the per-sample values back (:class:`MeanMetricWrapper` with a
function marked ``on_device``).  State made with :meth:`Metric.add_variable`
(custom metrics in the Keras style) is a :class:`Variable` of the backend.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import backend
from ..engine.tensor import Variable


def to_host(value: Any) -> np.ndarray:
    """A host NumPy array from a tensor, a backend array (NumPy or CuPy) or a list.

    :func:`glassnet.backend.to_numpy`: a NumPy array comes back as itself (no copy), a device array
    is copied back once.  ``np.asarray(value.data)`` would be wrong here: a CuPy array's ``.data``
    is its memory pointer, and ``np.asarray`` refuses CuPy arrays.
    """
    return backend.to_numpy(value)


class Metric:
    """Base class of stateful metrics.

    Parameters
    ----------
    name : str, optional
        The key under which the value appears in logs and ``History``.
    """

    def __init__(self, name: str | None = None, dtype: Any = None) -> None:
        from ..layers.base import snake_case

        self.name = name or snake_case(type(self).__name__)
        self.dtype = dtype

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        raise NotImplementedError

    def result(self) -> Any:
        raise NotImplementedError

    def reset_state(self) -> None:
        """Keras 3's default: every state variable (:meth:`add_variable`) back to zeros, sub-metrics reset."""
        subs = [v for v in vars(self).values() if isinstance(v, Metric) and v is not self]
        if not self._own_variables() and not subs:
            raise NotImplementedError(f"{type(self).__name__} keeps no state variables (self.add_variable(...) in "
                                      "__init__), so it must define reset_state() itself")
        for var in self._own_variables():
            var.assign(backend.xp.zeros(var.shape, dtype=var.dtype))  # state lives with the backend
        for sub in subs:
            sub.reset_state()

    # -- state variables, the Keras 3 way (Keras 2's add_weight too) ------------------------------------
    def add_variable(self, shape: Any, initializer: Any, dtype: Any = None, aggregation: str = "sum",
                     name: str | None = None) -> Variable:
        """A non-trainable state variable, updated with ``assign``/``assign_add`` in ``update_state``."""
        from .. import backend, initializers
        from ..layers.input_spec import _checked_shape

        owner = f"metric '{self.name}', variable '{name or '?'}'"
        if aggregation not in (None, "none", "sum", "mean", "only_first_replica"):
            raise ValueError(f"{owner}: aggregation={aggregation!r} must be 'sum', 'mean', 'none' or "
                             "'only_first_replica'")
        shape = _checked_shape(() if shape is None else shape, owner)
        dtype = dtype or self.dtype or backend.floatx()
        value = initializers.get("zeros" if initializer is None else initializer)(shape, dtype=dtype)
        var = Variable(value, trainable=False, name=name, dtype=dtype)
        var.path = f"{self.name}/{name}" if name else self.name
        self._own_variables().append(var)
        return var

    def add_weight(self, *args: Any, shape: Any = (), initializer: Any = None, dtype: Any = None,
                   name: str | None = None, aggregation: str = "sum", **legacy: Any) -> Variable:
        """Keras 3's alias of :meth:`add_variable`; Keras 2's ``add_weight(name, shape=(), ...)`` works too."""
        unknown = sorted(set(legacy) - {"synchronization"})
        if unknown:
            raise TypeError(f"metric '{self.name}': add_weight() got unexpected keyword argument(s) {unknown}")
        order = ("name", "shape", "aggregation") if args and isinstance(args[0], str) else ("shape", "initializer",
                                                                                             "dtype", "name")
        if len(args) > len(order):
            raise TypeError(f"metric '{self.name}': add_weight() takes at most {len(order)} positional arguments")
        given = {"shape": shape, "initializer": initializer, "dtype": dtype, "name": name, "aggregation": aggregation}
        given.update(zip(order, args))
        return self.add_variable(given["shape"], given["initializer"], given["dtype"], given["aggregation"],
                                 given["name"])

    @property
    def variables(self) -> list[Variable]:
        """The state variables of this metric and of the metrics it holds."""
        out = list(self._own_variables())
        for value in vars(self).values():
            if isinstance(value, Metric) and value is not self:
                out.extend(value.variables)
        return out

    def _own_variables(self) -> list[Variable]:
        # Made on first use: built-in metrics keep NumPy state and never call add_variable.
        return self.__dict__.setdefault("_metric_variables", [])

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        """Update with one batch and return the running result."""
        self.update_state(y_true, y_pred, sample_weight)
        return self.result()

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Metric":
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


class Mean(Metric):
    """Weighted running mean of the values given to ``update_state(values, sample_weight)``."""

    def __init__(self, name: str = "mean", dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)
        self.reset_state()

    def reset_state(self) -> None:
        self.total = 0.0
        self.count = 0.0

    def update_state(self, values: Any, sample_weight: Any = None) -> None:  # type: ignore[override]
        values = to_host(values).astype(np.float64)
        if sample_weight is None:
            self.total += float(values.sum())
            self.count += values.size
            return
        weights = to_host(sample_weight).astype(np.float64)
        weights = np.broadcast_to(weights.reshape(weights.shape + (1,) * max(0, values.ndim - weights.ndim)),
                                  values.shape)
        self.total += float((values * weights).sum())
        self.count += float(weights.sum())

    def update_scalar(self, value: float, weight: float = 1.0) -> None:
        """Fast path for a scalar (the loss of one batch, weighted by its size)."""
        self.total += value * weight
        self.count += weight

    def result(self) -> float:
        return self.total / self.count if self.count else 0.0


class MeanMetricWrapper(Mean):
    """Running mean of a per-sample function ``fn(y_true, y_pred) -> values``.

    ``fn`` gets host NumPy arrays, unless it has an attribute ``on_device = True`` (a loss of
    :mod:`glassnet.losses`, which runs on ``xp``): then it gets the batch as it is, on the device,
    and its result is brought to the host.
    """

    def __init__(self, fn: Callable[..., Any], name: str | None = None, dtype: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(name=name or fn.__name__, dtype=dtype)
        self.fn = fn
        self.fn_kwargs = kwargs

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:  # type: ignore[override]
        if getattr(self.fn, "on_device", False):
            # A loss formula (xp code): computed where the batch is; only its per-sample values cross.
            values = to_host(self.fn(y_true, y_pred, **self.fn_kwargs))
        else:
            values = self.fn(to_host(y_true), to_host(y_pred), **self.fn_kwargs)
        super().update_state(values, sample_weight)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, **self.fn_kwargs}
