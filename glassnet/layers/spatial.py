"""Resize and re-frame images: UpSampling2D, ZeroPadding2D and Cropping2D (channels_last)."""

from __future__ import annotations

from typing import Any

from ..checks import check_integer
from ..engine.ops import spatial as _spatial
from ..explanation import Equation, Explanation, dc
from .base import InputSpec, Layer
from .convolutional import check_data_format, normalize_tuple
from .explaining import io_shapes


def _two_sided(value: Any, name: str, who: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """Keras' three spellings: n, (rows, cols) or ((top, bottom), (left, right))."""
    expected = "a non-negative int, a pair of them or a pair of (before, after) pairs"

    def size(v: Any) -> int:
        return int(check_integer(v, name, who, low=0, expected=expected))

    def is_pair(v: Any) -> bool:
        return isinstance(v, (list, tuple)) and len(v) == 2

    if not is_pair(value):
        n = size(value)
        return ((n, n), (n, n))
    if all(is_pair(v) for v in value):
        return ((size(value[0][0]), size(value[0][1])), (size(value[1][0]), size(value[1][1])))
    rows, cols = size(value[0]), size(value[1])
    return ((rows, rows), (cols, cols))


class UpSampling2D(Layer):
    """Repeat every pixel ``size`` times along height and width (nearest) or interpolate (bilinear).

    Examples
    --------
    >>> import glassnet as keras
    >>> keras.layers.UpSampling2D(2)(keras.ops.ones((1, 7, 7, 3))).shape
    (1, 14, 14, 3)
    """

    def __init__(self, size: Any = (2, 2), data_format: str | None = None, interpolation: str = "nearest",
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        who = f"UpSampling2D '{self.name}'"
        self.size = normalize_tuple(size, 2, "size", who)
        self.data_format = check_data_format(data_format, who)
        if interpolation not in ("nearest", "bilinear"):
            raise ValueError(f"{who}: interpolation must be 'nearest' or 'bilinear', got {interpolation!r}")
        self.interpolation = interpolation
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs: Any) -> Any:
        if self.interpolation == "nearest":
            return _spatial.upsample2d(inputs, self.size)
        return _spatial.resize_bilinear(inputs, (inputs.shape[1] * self.size[0], inputs.shape[2] * self.size[1]))

    def _explain(self) -> Explanation:
        x, a = io_shapes(self, (None, "H", "W", "C"), (None, "H'", "W'", "C"))
        (sh, sw), e = self.size, Explanation(self.name, "UpSampling2D", {"x": x, "a": a, "g": a})
        if self.interpolation == "nearest":
            e.forward.append(Equation(f"a[n, i, j, c] = x[n, floor(i / {sh}), floor(j / {sw}), c]",
                                      rf"a_{{n,i,j,c}} = x_{{n,\lfloor i/{sh} \rfloor,\lfloor j/{sw} \rfloor,c}}",
                                      "x upsample -> a"))
            e.backward.append(Equation(f"dC/dx[n, i, j, c] = sum of g over its {sh} x {sw} block",
                                       dc("x") + rf" = \sum_{{{sh} \times {sw}\ \mathrm{{block}}}} g", "g -> x"))
        else:
            e.forward.append(Equation("a = bilinear interpolation of x (each output a weighted mean of 4 inputs)",
                                      r"a = \mathrm{bilinear}(x)", "x upsample -> a"))
            e.backward.append(Equation("dC/dx: each g sent back to its 4 inputs with the same weights",
                                       dc("x") + r" = \mathrm{bilinear}^\top(g)", "g -> x"))
        return e

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "size": self.size, "data_format": self.data_format,
                "interpolation": self.interpolation}


class ZeroPadding2D(Layer):
    """Add rows and columns of zeros around each image.

    ``padding``: n (all sides), (rows, cols) (symmetric) or ((top, bottom), (left, right)).
    """

    def __init__(self, padding: Any = (1, 1), data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        who = f"ZeroPadding2D '{self.name}'"
        self.padding = _two_sided(padding, "padding", who)
        self.data_format = check_data_format(data_format, who)
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs: Any) -> Any:
        return _spatial.pad2d(inputs, self.padding)

    def _explain(self) -> Explanation:
        x, a = io_shapes(self, (None, "H", "W", "C"), (None, "H'", "W'", "C"))
        (t, b), (left, r) = self.padding
        e = Explanation(self.name, "ZeroPadding2D", {"x": x, "a": a, "g": a})
        e.forward.append(Equation(f"a = x with {t} row(s) of zeros above, {b} below, {left} column(s) left, {r} right",
                                  r"a = \mathrm{pad}(x, 0)", "x pad -> a"))
        e.backward.append(Equation("dC/dx = g with the padding cropped off", dc("x") + r" = \mathrm{crop}(g)",
                                   "g crop -> x"))
        return e

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "padding": self.padding, "data_format": self.data_format}


class Cropping2D(Layer):
    """Remove rows and columns at the image borders.

    ``cropping``: n (all sides), (rows, cols) (symmetric) or ((top, bottom), (left, right)).
    """

    def __init__(self, cropping: Any = ((0, 0), (0, 0)), data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        who = f"Cropping2D '{self.name}'"
        self.cropping = _two_sided(cropping, "cropping", who)
        self.data_format = check_data_format(data_format, who)
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs: Any) -> Any:
        (t, b), (left, r) = self.cropping
        h, w = inputs.shape[1:3]
        if t + b >= h or left + r >= w:
            raise ValueError(
                f"Cropping2D '{self.name}': cropping {self.cropping} removes everything from images of "
                f"size {(h, w)}"
            )
        return _spatial.crop2d(inputs, self.cropping)

    def _explain(self) -> Explanation:
        x, a = io_shapes(self, (None, "H", "W", "C"), (None, "H'", "W'", "C"))
        (t, b), (left, r) = self.cropping
        e = Explanation(self.name, "Cropping2D", {"x": x, "a": a, "g": a})
        e.forward.append(Equation(f"a = x without {t} row(s) at the top, {b} at the bottom, {left} column(s) left, "
                                  f"{r} right", r"a = \mathrm{crop}(x)", "x crop -> a"))
        e.backward.append(Equation("dC/dx = g padded back with zeros where x was cropped",
                                   dc("x") + r" = \mathrm{pad}(g, 0)", "g pad -> x"))
        return e

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "cropping": self.cropping, "data_format": self.data_format}
