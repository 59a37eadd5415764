"""Preprocessing layers: Rescaling (x * scale + offset) and Normalization (learned from data by ``adapt``)."""

from __future__ import annotations

from typing import Any

from .. import backend
from ..backend import xp
from ..checks import check_number
from ..engine.ops import math as m
from ..engine.tensor import Tensor
from ..explanation import Equation, Explanation, Param, dc
from .base import Layer
from .explaining import io_shapes


class Rescaling(Layer):
    """``output = inputs * scale + offset``, e.g. ``Rescaling(1.0 / 255)`` for 8-bit images."""

    def __init__(self, scale: float, offset: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        who = f"Rescaling '{self.name}'"
        self.scale, self.offset = check_number(scale, "scale", who), check_number(offset, "offset", who)

    def call(self, inputs: Any) -> Any:
        out = m.multiply(inputs, self.scale)
        return m.add(out, self.offset) if self.offset else out

    def _explain(self) -> Explanation:
        x, _ = io_shapes(self, (None, "K"), None)
        e = Explanation(self.name, "Rescaling", {"x": x, "a": x, "g": x})
        shift = f" + {self.offset:g}" if self.offset else ""
        e.forward.append(Equation(f"a = x * {self.scale:g}{shift}", rf"a = {self.scale:g}\, x{shift}", "x -> a"))
        e.backward.append(Equation(f"dC/dx = {self.scale:g} g", dc("x") + rf" = {self.scale:g}\, g", "g -> x"))
        return e

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "scale": self.scale, "offset": self.offset}


class Normalization(Layer):
    """Standardise features: ``(x - mean) / sqrt(variance)``, per feature along ``axis``.

    Call :meth:`adapt` on training data first (or pass ``mean`` and ``variance``); the statistics
    are non-trainable weights, saved with the model.  ``invert=True`` maps back.
    """

    def __init__(self, axis: int | None = -1, mean: Any = None, variance: Any = None, invert: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):  # Keras saves the axis as a list: [-1]
            if len(axis) != 1:
                raise ValueError(f"Normalization '{self.name}': axis={list(axis)} (several axes) is not supported; "
                                 "pass one axis or None")
            axis = axis[0]
        self.axis = axis
        self.invert = invert
        # Host arrays: constants of the config, written back by get_config with tolist().
        self._given = None if mean is None else (backend.to_numpy(mean), backend.to_numpy(variance))
        if (mean is None) != (variance is None):
            raise ValueError(f"Normalization '{self.name}': pass both mean and variance, or neither")

    def build(self, input_shape: Any) -> None:
        shape = self._stat_shape(input_shape)
        if self._given is not None:
            # Given statistics are constants of the config, not weights (as in Keras, so files match).
            self.mean = Tensor(xp.broadcast_to(backend.to_array(self._given[0], "float32"), shape).copy())
            self.variance = Tensor(xp.broadcast_to(backend.to_array(self._given[1], "float32"), shape).copy())
        else:
            self.mean = self.add_weight(shape, "zeros", trainable=False, name="mean")
            self.variance = self.add_weight(shape, "ones", trainable=False, name="variance")
            self.count = self.add_weight((), "zeros", trainable=False, name="count", dtype="int64")
        self.built = True

    def _stat_shape(self, input_shape: Any) -> tuple[int, ...]:
        if self.axis is None:
            return ()
        ax = self.axis % len(input_shape)
        size = input_shape[ax]
        if size is None:
            raise ValueError(f"Normalization '{self.name}': axis {self.axis} of {input_shape} must be known")
        return (int(size),)

    def adapt(self, data: Any) -> None:
        """Compute the mean and variance of ``data`` (an array with the batch axis first)."""
        arr = backend.to_array(data.data if isinstance(data, Tensor) else data, dtype=xp.float64)
        if arr.ndim == 1:
            arr = arr[:, None]
        if not bool(xp.isfinite(arr).all()):
            raise ValueError(f"Normalization '{self.name}'.adapt: the data contains NaN or infinite values")
        if self._given is not None:
            raise ValueError(f"Normalization '{self.name}': mean and variance were given, so there is nothing to "
                             "adapt; create the layer without them to measure them from data")
        if not self.built:
            self._maybe_build((None,) + arr.shape[1:])
        reduce = tuple(i for i in range(arr.ndim) if self.axis is None or i != self.axis % arr.ndim)
        self.mean.assign(arr.mean(axis=reduce).reshape(self.mean.shape))
        self.variance.assign(arr.var(axis=reduce).reshape(self.variance.shape))
        self.count.assign(xp.asarray(arr.shape[0], dtype=xp.int64))

    def call(self, inputs: Any) -> Any:
        shape = self._broadcast_shape(inputs.ndim)
        mean = Tensor(self.mean.data.reshape(shape).astype(inputs.dtype))
        std = Tensor(xp.sqrt(xp.maximum(self.variance.data, 1e-7)).reshape(shape).astype(inputs.dtype))
        if self.invert:
            return m.add(m.multiply(inputs, std), mean)
        return m.divide(m.subtract(inputs, mean), std)

    def _explain(self) -> Explanation:
        # call() above, with the statistics adapt() measured (weights, never trained by gradients).
        x, _ = io_shapes(self, (None, "K"), None)
        stat = self._stat_shape(x) if all(isinstance(n, int) for n in x[1:]) or self.axis is None else ("K",)
        params = [] if self._given is not None else [  # given statistics are constants, not weights
            Param("mean", "mean", stat, False), Param("variance", "variance", stat, False),
            Param("count", "count", (), False)]
        e = Explanation(self.name, "Normalization", {"x": x, "a": x, "g": x, "mean": stat, "variance": stat},
                        params=params)
        if self.invert:
            e.forward.append(Equation("a = x * sqrt(variance) + mean", r"a = x \sqrt{\sigma^2} + \mu",
                                      "x * variance + mean -> a"))
            e.backward.append(Equation("dC/dx = g * sqrt(variance)", dc("x") + r" = g \sqrt{\sigma^2}", "g -> x"))
        else:
            e.forward.append(Equation("a = (x - mean) / sqrt(variance)", r"a = (x - \mu) / \sqrt{\sigma^2}",
                                      "x - mean -> a"))
            e.backward.append(Equation("dC/dx = g / sqrt(variance)", dc("x") + r" = g / \sqrt{\sigma^2}", "g -> x"))
        source = ("mean and variance were given (constants of the config)" if self._given is not None else
                  "mean and variance come from adapt(data) (count: how many samples it saw)")
        e.notes.append(f"{source}; sqrt(variance) is floored at sqrt(1e-7)")
        return e

    def _broadcast_shape(self, ndim: int) -> tuple[int, ...]:
        if self.axis is None:
            return ()
        shape = [1] * ndim
        shape[self.axis % ndim] = -1
        return tuple(shape)

    def get_config(self) -> dict[str, Any]:
        config = {**super().get_config(), "axis": self.axis, "invert": self.invert}
        if self._given is not None:
            config.update(mean=self._given[0].tolist(), variance=self._given[1].tolist())
        return config
