"""Pooling layers: max/average over windows (1-D and 2-D) and over the whole signal (global).

Pooling has no weights: it shrinks the feature maps (2x2 pooling keeps a quarter of the
activations) and makes the network tolerant to small shifts.  Window arithmetic, including
'same' padding and the backward routing of max-pooling, lives in ``engine.ops.pooling``.
"""

from __future__ import annotations

from typing import Any

from .. import backend
from ..backend import xp
from ..engine.ops import math as m
from ..engine.ops import pooling as _pooling
from ..engine.tensor import Tensor
from ..explanation import Equation, Explanation, dc
from .base import InputSpec, Layer
from .convolutional import check_data_format, normalize_tuple, output_size_note, tap
from .explaining import io_shapes


class _Pooling(Layer):
    """Shared arguments of the windowed pooling layers (``strides`` default to ``pool_size``)."""

    rank = 2
    _op: Any = None

    def __init__(self, pool_size: Any = 2, strides: Any = None, padding: str = "valid",
                 data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        who = f"{type(self).__name__} '{self.name}'"
        self.pool_size = normalize_tuple(pool_size, self.rank, "pool_size", who)
        self.strides = self.pool_size if strides is None else normalize_tuple(strides, self.rank, "strides", who)
        padding = str(padding).lower()
        if padding not in ("valid", "same"):
            raise ValueError(f"{who}: padding must be 'valid' or 'same', got {padding!r}")
        self.padding = padding
        self.data_format = check_data_format(data_format, who)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs: Any) -> Any:
        if self.padding == "valid" and any(n < p for n, p in zip(inputs.shape[1:-1], self.pool_size)):
            raise ValueError(
                f"{type(self).__name__} '{self.name}': input of spatial size {tuple(inputs.shape[1:-1])} is "
                f"smaller than pool_size {self.pool_size} with padding='valid'"
            )
        fn = type(self)._op
        if self.rank == 1:
            return fn(inputs, self.pool_size[0], self.strides[0], self.padding)
        return fn(inputs, self.pool_size, self.strides, self.padding)

    def _explain(self) -> Explanation:
        # call() above: one value per window; the backward hands g back to the window's cells.
        r = self.rank
        x, a = io_shapes(self, (None,) + ("H", "W")[2 - r:] + ("C",), (None,) + ("H'", "W'")[2 - r:] + ("C",))
        e = Explanation(self.name, type(self).__name__, {"x": x, "a": a, "g": a})
        out, offs = ("i, j", "p, q") if r == 2 else ("i", "p")
        taps = ", ".join(tap(s, o, 1, p) for s, o, p in zip(self.strides, "ij", "pq"))
        window = " x ".join(str(n) for n in self.pool_size)
        if type(self)._op in (_pooling.max_pool2d, _pooling.max_pool1d):
            e.forward.append(Equation(f"a[n, {out}, c] = max_({offs}) x[n, {taps}, c]   ({window} windows)",
                                      rf"a_{{n,{out},c}} = \max_{{{offs}}} x_{{n,{taps},c}}", "x pool -> a"))
            e.backward.append(Equation(f"dC/dx[n, {taps}, c] = g[n, {out}, c] at the window's max, 0 elsewhere",
                                       dc("x") + r" = g \text{ routed to each window's argmax}", "g route -> x"))
        else:
            size = str(self.pool_size[0]) if r == 1 else f"({window})"
            e.forward.append(Equation(f"a[n, {out}, c] = 1/{size} sum_({offs}) x[n, {taps}, c]",
                                      rf"a_{{n,{out},c}} = \frac{{1}}{{{window}}} \sum_{{{offs}}} x_{{n,{taps},c}}",
                                      "x pool -> a"))
            e.backward.append(Equation(f"dC/dx[n, {taps}, c] += g[n, {out}, c] / {size}   (an equal share each)",
                                       dc("x") + rf" \mathrel{{+}}= g / {size}", "g route -> x"))
            if self.padding == "same":
                e.notes.append("'same': the padded cells are left out of the mean (fewer than the window's cells "
                               "at the border)")
        e.notes.append(output_size_note(tuple(x[1:-1]), self.pool_size, self.strides, self.padding))
        return e

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "pool_size": self.pool_size, "strides": self.strides,
                "padding": self.padding, "data_format": self.data_format}


class MaxPooling2D(_Pooling):
    """Maximum over each ``pool_size`` window of (batch, height, width, channels) maps.

    Examples
    --------
    >>> import glassnet as keras
    >>> keras.layers.MaxPooling2D(2)(keras.ops.ones((1, 26, 26, 32))).shape
    (1, 13, 13, 32)
    """

    rank = 2
    _op = staticmethod(_pooling.max_pool2d)


class AveragePooling2D(_Pooling):
    """Mean over each ``pool_size`` window; 'same' padding leaves padded cells out of the mean."""

    rank = 2
    _op = staticmethod(_pooling.avg_pool2d)


class MaxPooling1D(_Pooling):
    """Maximum over windows of (batch, steps, channels) sequences."""

    rank = 1
    _op = staticmethod(_pooling.max_pool1d)


class AveragePooling1D(_Pooling):
    """Mean over windows of (batch, steps, channels) sequences."""

    rank = 1
    _op = staticmethod(_pooling.avg_pool1d)


class _GlobalPooling(Layer):
    """Reduce every spatial axis: (batch, ..., channels) -> (batch, channels)."""

    rank = 2
    _reduce: Any = None

    def __init__(self, data_format: str | None = None, keepdims: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = check_data_format(data_format, f"{type(self).__name__} '{self.name}'")
        self.keepdims = keepdims
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs: Any) -> Any:
        axes = tuple(range(1, self.rank + 1))
        return type(self)._reduce(inputs, axis=axes, keepdims=self.keepdims)

    def _explain(self) -> Explanation:
        # call() above: every spatial axis reduced, one value per channel.
        sizes = ("H", "W")[2 - self.rank:]
        x, a = io_shapes(self, (None,) + sizes + ("C",), (None, "C"))
        e = Explanation(self.name, type(self).__name__, {"x": x, "a": a, "g": a})
        where, cells = ("i, j", " x ".join(str(n) for n in x[1:-1])) if self.rank == 2 else ("i", str(x[1]))
        if type(self)._reduce is m.mean:
            e.forward.append(Equation(f"a[n, c] = 1/({cells}) sum_({where}) x[n, {where}, c]",
                                      rf"a_{{n,c}} = \frac{{1}}{{{cells}}} \sum_{{{where}}} x_{{n,{where},c}}",
                                      "x -> a"))
            e.backward.append(Equation(f"dC/dx[n, {where}, c] = g[n, c] / ({cells})", dc("x") + rf" = g / ({cells})",
                                       "g -> x"))
            if self.supports_masking:
                e.notes.append("with a mask (batch, steps): a[n, c] = sum_t mask[n, t] x[n, t, c] / count[n], "
                               "count[n] = sum_t mask[n, t]; dC/dx[n, t, c] = mask[n, t] g[n, c] / count[n]")
        else:
            e.forward.append(Equation(f"a[n, c] = max_({where}) x[n, {where}, c]",
                                      rf"a_{{n,c}} = \max_{{{where}}} x_{{n,{where},c}}", "x -> a"))
            e.backward.append(Equation("dC/dx = g[n, c] at each channel's max, 0 elsewhere",
                                       dc("x") + r" = g \text{ routed to each channel's argmax}", "g route -> x"))
        return e

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "data_format": self.data_format, "keepdims": self.keepdims}


class GlobalAveragePooling2D(_GlobalPooling):
    """Mean of each channel over the whole image: (batch, h, w, c) -> (batch, c)."""

    rank = 2
    _reduce = staticmethod(m.mean)


class GlobalMaxPooling2D(_GlobalPooling):
    """Maximum of each channel over the whole image: (batch, h, w, c) -> (batch, c)."""

    rank = 2
    _reduce = staticmethod(m.max)


class GlobalAveragePooling1D(_GlobalPooling):
    """Mean of each channel over all steps: (batch, steps, c) -> (batch, c).

    With a mask (Embedding(mask_zero=True), Masking, or ``mask=``), the mean runs over the kept steps only,
    as in Keras: ``a[n, c] = sum_t mask[n, t] x[n, t, c] / sum_t mask[n, t]``, and its backward hands each
    kept step ``g[n, c] / count[n]`` (masked steps get 0).  A sample with every step masked divides 0 by 0
    (NaN), as Keras does.  The output carries no mask: the time axis is gone.
    """

    rank = 1
    _reduce = staticmethod(m.mean)
    supports_masking = True  # Keras: it consumes the mask (and compute_mask returns None)

    def call(self, inputs: Any, mask: Any = None) -> Any:
        if mask is None:
            return super().call(inputs)
        keep = xp.asarray(mask.data if isinstance(mask, Tensor) else mask).astype(bool, copy=False)
        if keep.shape != tuple(inputs.shape[:2]):
            raise ValueError(f"GlobalAveragePooling1D '{self.name}': the mask must be (batch, steps) = "
                             f"{tuple(inputs.shape[:2])} for inputs of shape {tuple(inputs.shape)}, got {keep.shape}")
        keep = keep[:, :, None]
        total = m.sum(m.where(keep, inputs, 0.0), axis=1, keepdims=self.keepdims)
        count = keep.sum(axis=1, keepdims=self.keepdims).astype(inputs.dtype)
        with backend.errstate(invalid="ignore", divide="ignore"):  # a fully masked sample: 0 / 0 = NaN, as Keras
            return m.divide(total, count)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return None


class GlobalMaxPooling1D(_GlobalPooling):
    """Maximum of each channel over all steps: (batch, steps, c) -> (batch, c)."""

    rank = 1
    _reduce = staticmethod(m.max)


# Keras' short names.
MaxPool1D, MaxPool2D, AvgPool1D, AvgPool2D = MaxPooling1D, MaxPooling2D, AveragePooling1D, AveragePooling2D
GlobalAvgPool1D, GlobalAvgPool2D = GlobalAveragePooling1D, GlobalAveragePooling2D
GlobalMaxPool1D, GlobalMaxPool2D = GlobalMaxPooling1D, GlobalMaxPooling2D
