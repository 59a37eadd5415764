"""Deterministic image re-framing: Resizing and CenterCrop (channels_last, Keras 3's arguments).

Both are differentiable (a crop's gradient goes back into its window; a bilinear resize is two
small matrix products, ``a = A_h x A_w^T``, whose gradient is ``A_h^T g A_w``) and act the same in
training and inference.
"""

from __future__ import annotations

from typing import Any

from ..checks import check_integer
from ..engine.ops import math as m
from ..engine.tensor import as_tensor
from ..explanation import Equation, Explanation
from .augmentation_ops import INTERPOLATIONS, aspect_crop_box, crop, resize
from .base import Layer
from .explaining import io_shapes


def crop_and_resize(images: Any, height: int, width: int, interpolation: str = "bilinear") -> Any:
    """The largest centred window of ``images`` with aspect ``height : width``, resized to ``height x width``."""
    top, left, rows, cols = aspect_crop_box(images.shape[1], images.shape[2], height, width)
    return resize(images[:, top:top + rows, left:left + cols], height, width, interpolation).data


def on_images(inputs: Any, frame: Any, who: str) -> Any:
    """``frame`` (which takes a 4-D batch) applied to a batch or to one (height, width, channels) image."""
    x = as_tensor(inputs)
    if x.ndim not in (3, 4):
        raise ValueError(f"{who}: expects images (height, width, channels) or a batch of them, got shape {x.shape}")
    if x.ndim == 4:
        return frame(x)
    out = frame(m.reshape(x, (1,) + x.shape))
    return m.reshape(out, out.shape[1:])


def center_crop(x: Any, height: int, width: int) -> Any:
    """The centred ``height x width`` window of a batch (differentiable); smaller images are aspect-cropped and resized."""
    h, w = x.shape[1:3]
    if h >= height and w >= width:
        return crop(x, (h - height) // 2, (w - width) // 2, height, width)
    x = crop(x, *aspect_crop_box(h, w, height, width))
    return resize(x, height, width)


def _size(value: Any, name: str, who: str) -> int:
    return int(check_integer(value, name, who))


class _Reframe(Layer):
    """Shared arguments: the target ``height`` and ``width``, batched or single images."""

    def __init__(self, height: int, width: int, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        who = f"{type(self).__name__} '{self.name}'"
        self.height, self.width = _size(height, "height", who), _size(width, "width", who)
        if data_format not in (None, "channels_last"):
            raise ValueError(f"{who}: data_format={data_format!r} is not supported; glassnet images are channels_last")

    def call(self, inputs: Any) -> Any:
        return on_images(inputs, self._frame, f"{type(self).__name__} '{self.name}'")

    def _frame(self, x: Any) -> Any:
        raise NotImplementedError

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        return tuple(input_shape[:-3]) + (self.height, self.width, input_shape[-1])

    def _explain(self) -> Explanation:
        x, a = io_shapes(self, (None, "H", "W", "C"), (None, self.height, self.width, "C"))
        e = Explanation(self.name, type(self).__name__, {"x": x, "a": a, "g": a})
        text, back = self._equations
        e.forward.append(Equation(text, None, "x -> a"))
        e.backward.append(Equation(back, None, "g -> x"))
        return e

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "height": self.height, "width": self.width, "data_format": "channels_last"}


class Resizing(_Reframe):
    """Resize images to ``height x width`` (bilinear with half-pixel centres, or nearest).

    ``crop_to_aspect_ratio=True`` first cuts the largest centred window with the target aspect
    ratio, so the image is not distorted.

    Examples
    --------
    >>> import glassnet as keras
    >>> keras.layers.Resizing(16, 24)(keras.ops.ones((2, 32, 32, 3))).shape
    (2, 16, 24, 3)
    """

    _equations = ("a = A_h x A_w^T   (per channel; A: bilinear interpolation weights)",
                  "dC/dx = A_h^T g A_w")

    def __init__(self, height: int, width: int, interpolation: str = "bilinear", crop_to_aspect_ratio: bool = False,
                 pad_to_aspect_ratio: bool = False, fill_mode: str = "constant", fill_value: float = 0.0,
                 antialias: bool = False, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(height, width, data_format, **kwargs)
        who = f"Resizing '{self.name}'"
        if interpolation not in INTERPOLATIONS:
            raise ValueError(f"{who}: interpolation must be one of {INTERPOLATIONS}, got {interpolation!r}")
        if pad_to_aspect_ratio or antialias:
            raise ValueError(f"{who}: pad_to_aspect_ratio and antialias are not supported; "
                             "use crop_to_aspect_ratio=True or resize as is")
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)
        self.fill_mode, self.fill_value = fill_mode, fill_value

    def _frame(self, x: Any) -> Any:
        if self.crop_to_aspect_ratio:
            x = crop(x, *aspect_crop_box(x.shape[1], x.shape[2], self.height, self.width))
        return resize(x, self.height, self.width, self.interpolation)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "interpolation": self.interpolation,
                "crop_to_aspect_ratio": self.crop_to_aspect_ratio, "pad_to_aspect_ratio": False,
                "fill_mode": self.fill_mode, "fill_value": self.fill_value, "antialias": False}


class CenterCrop(_Reframe):
    """Cut the centred ``height x width`` window out of each image.

    An image smaller than the window (along either axis) is instead centre-cropped to the target
    aspect ratio and resized (bilinear), as in Keras.

    Examples
    --------
    >>> import glassnet as keras
    >>> keras.layers.CenterCrop(24, 24)(keras.ops.ones((2, 32, 32, 3))).shape
    (2, 24, 24, 3)
    """

    _equations = ("a = x[:, top:top + height, left:left + width],  top = (H - height) // 2, left = (W - width) // 2",
                  "dC/dx = g in the window, 0 elsewhere")

    def _frame(self, x: Any) -> Any:
        return center_crop(x, self.height, self.width)
