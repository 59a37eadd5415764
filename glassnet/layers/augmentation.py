"""Image augmentation layers (Keras 3's arguments): random flips, rotations, zooms, shifts, crops, contrast, brightness.

Why augment: a cat rotated by 10 degrees is still a cat, so showing the network randomly
transformed copies of the training images teaches it that invariance and fights over-fitting.
Each layer draws its random parameters per sample (one flip coin, one angle... per image) and
transforms the whole batch at once; it is active only in training (``training=True``, as ``fit``
calls it) and the identity at inference (``predict``, ``evaluate``).  ``seed=int`` gives a
private generator, so the same seed gives the same sequence of augmentations.

Random transforms are applied to the data (the inputs of a model), so no gradient flows through
them in training (as in Keras, whose image transforms are not differentiated either); at
inference they are the identity, whose gradient is the identity.  The geometry (affine
resampling, fill modes) lives in :mod:`.augmentation_ops`; Resizing and CenterCrop in
:mod:`.resizing`.
"""

from __future__ import annotations

import math
from typing import Any

from .. import backend
from ..backend import xp
from ..checks import check_integer, check_number
from ..engine.tensor import Tensor, as_tensor
from ..explanation import Equation, Explanation
from .augmentation_ops import FILL_MODES, INTERPOLATIONS, affine_transform
from .base import Layer
from .explaining import io_shapes


def factor_range(value: Any, name: str, who: str, low: float = -math.inf, high: float = math.inf,
                 symmetric: bool = True) -> tuple[float, float]:
    """Keras' factor spelling: ``f`` means (-f, f) (or (f, f) when not ``symmetric``), ``(lo, hi)`` as given.

    Raises
    ------
    ValueError
        When the bounds are not numbers in [low, high] or lo > hi; the message names ``who`` and ``name``.
    """
    if isinstance(value, (list, tuple)):
        if len(value) != 2:
            raise ValueError(f"{who}: {name} must be a number or a (lower, upper) pair, got {value!r}")
        lo, hi = (float(check_number(v, name, who)) for v in value)
    else:
        f = abs(float(check_number(value, name, who)))
        lo, hi = (-f, f) if symmetric else (f, f)
    if lo > hi or lo < low or hi > high:
        raise ValueError(f"{who}: {name} must give lower <= upper within [{low}, {high}], got {value!r}")
    return lo, hi


def _choice(value: Any, options: tuple[str, ...], name: str, who: str) -> str:
    if value not in options:
        raise ValueError(f"{who}: {name} must be one of {options}, got {value!r}")
    return value


class _Augmentation(Layer):
    """Shared behaviour: identity unless ``training``, a seeded generator, batched or single images."""

    _equation = ("a = T(x)", "x -> a")  # the forward equation of the random transform T (overridden)

    def __init__(self, seed: int | None = None, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        who = f"{type(self).__name__} '{self.name}'"
        self.seed = check_integer(seed, "seed", who, low=0, optional=True)
        if data_format not in (None, "channels_last"):
            raise ValueError(f"{who}: data_format={data_format!r} is not supported; glassnet images are channels_last")
        self._rng = backend.default_rng(seed)  # host, as every generator (backend.py)

    @property
    def _who(self) -> str:
        return f"{type(self).__name__} '{self.name}'"

    def call(self, inputs: Any, training: Any = None) -> Any:
        x = as_tensor(inputs)
        if x.ndim not in (3, 4):  # checked at inference too, so a wrong input fails when the model is built
            raise ValueError(f"{self._who}: expects images (height, width, channels) or a batch of them, "
                             f"got shape {x.shape}")
        if not training:
            return inputs
        images = x.data[None] if x.ndim == 3 else x.data
        if images.dtype.kind != "f":  # 8-bit images: interpolate in float32, as Keras' compute dtype
            images = images.astype(xp.float32)
        out = self._augment(images)
        # A fresh constant: the random transform of the data is not differentiated (see the module note).
        return Tensor(out[0] if x.ndim == 3 else out)

    def _augment(self, images: Any) -> Any:
        raise NotImplementedError

    def _draw(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """``self._rng.<method>(...)``, drawn on the host and moved to the backend's device."""
        return backend.to_array(getattr(self._rng, method)(*args, **kwargs))

    def _uniform(self, n: int, bounds: tuple[float, float]) -> Any:
        return self._draw("uniform", bounds[0], bounds[1], size=n)

    def _explain(self) -> Explanation:
        # call() above: T with fresh random parameters per sample while training, the identity otherwise.
        x, a = io_shapes(self, (None, "H", "W", "C"), None)
        e = Explanation(self.name, type(self).__name__, {"x": x, "a": x if a is None else a})
        text, flow = self._equation
        e.forward.append(Equation(f"{text}   (training; per-sample random parameters)", None, flow))
        e.forward.append(Equation("a = x   (inference)", "a = x", "x -> a"))
        e.backward.append(Equation("dC/dx = g at inference; in training the augmented batch is data (no gradient)"))
        return e

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "seed": self.seed, "data_format": "channels_last"}


class RandomFlip(_Augmentation):
    """Flip each image left-right and/or up-down with probability 1/2 (per image and per axis).

    Parameters
    ----------
    mode : {'horizontal', 'vertical', 'horizontal_and_vertical'}
    seed : int, optional

    Examples
    --------
    >>> import glassnet as keras
    >>> keras.layers.RandomFlip("horizontal", seed=0)(keras.ops.ones((2, 8, 8, 3)), training=True).shape
    (2, 8, 8, 3)
    """

    _equation = ("a[n, i, j] = x[n, i, W - 1 - j] where coin[n] (horizontal), rows likewise (vertical)", "x -> a")

    def __init__(self, mode: str = "horizontal_and_vertical", seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(seed, **kwargs)
        self.mode = _choice(mode, ("horizontal", "vertical", "horizontal_and_vertical"), "mode", self._who)

    def _augment(self, images: Any) -> Any:
        out = images.copy()
        n = len(images)
        if "horizontal" in self.mode:
            flip = self._draw("random", n) < 0.5
            out[flip] = out[flip, :, ::-1]
        if "vertical" in self.mode:
            flip = self._draw("random", n) < 0.5
            out[flip] = out[flip, ::-1]
        return out

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "mode": self.mode}


class _Affine(_Augmentation):
    """An augmentation that is one affine resampling per image (rotation, zoom, translation)."""

    def __init__(self, fill_mode: str, interpolation: str, seed: int | None, fill_value: float,
                 **kwargs: Any) -> None:
        super().__init__(seed, **kwargs)
        self.fill_mode = _choice(fill_mode, FILL_MODES, "fill_mode", self._who)
        self.interpolation = _choice(interpolation, INTERPOLATIONS, "interpolation", self._who)
        self.fill_value = float(check_number(fill_value, "fill_value", self._who))

    def _augment(self, images: Any) -> Any:
        n, h, w = images.shape[:3]
        return affine_transform(images, self._transforms(n, h, w), self.interpolation, self.fill_mode,
                                self.fill_value)

    def _transforms(self, n: int, h: int, w: int) -> Any:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "fill_mode": self.fill_mode, "interpolation": self.interpolation,
                "fill_value": self.fill_value}


class RandomRotation(_Affine):
    """Rotate each image about its centre by a random angle drawn in ``factor * 360`` degrees.

    Parameters
    ----------
    factor : float or (float, float)
        Fraction of a full turn: 0.1 draws angles in [-36, 36] degrees; (lo, hi) in [lo * 360, hi * 360].
    fill_mode : {'reflect', 'wrap', 'constant', 'nearest'}
        How points outside the image are read.
    interpolation : {'bilinear', 'nearest'}
    seed : int, optional
    fill_value : float
        The value outside the image with ``fill_mode='constant'``.
    """

    _equation = ("a[n, y, x] = x[n, cy + sin t (x - cx) + cos t (y - cy), cx + cos t (x - cx) - sin t (y - cy)]",
                 "x -> a")

    def __init__(self, factor: Any, fill_mode: str = "reflect", interpolation: str = "bilinear",
                 seed: int | None = None, fill_value: float = 0.0, **kwargs: Any) -> None:
        super().__init__(fill_mode, interpolation, seed, fill_value, **kwargs)
        self.factor = factor_range(factor, "factor", self._who, -1.0, 1.0)

    def _transforms(self, n: int, h: int, w: int) -> Any:
        theta = xp.deg2rad(self._uniform(n, self.factor) * 360.0)
        cos, sin = xp.cos(theta), xp.sin(theta)
        cx, cy = (w - 1) / 2, (h - 1) / 2  # rotate about the centre of the pixel grid (Keras)
        return xp.stack([cos, -sin, cx - cx * cos + cy * sin, sin, cos, cy - cx * sin - cy * cos], axis=1)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor}


class RandomZoom(_Affine):
    """Zoom each image in or out about its centre by a random factor per axis.

    ``height_factor=0.2`` zooms by a factor in [0.8, 1.2] (a positive value zooms *out*, as in Keras:
    the output reads a region 1 + f times larger); ``width_factor=None`` keeps the aspect ratio.
    Other arguments as :class:`RandomRotation`.
    """

    _equation = ("a[n, y, x] = x[n, cy + zy (y - cy), cx + zx (x - cx)]", "x -> a")

    def __init__(self, height_factor: Any, width_factor: Any = None, fill_mode: str = "reflect",
                 interpolation: str = "bilinear", seed: int | None = None, fill_value: float = 0.0,
                 **kwargs: Any) -> None:
        super().__init__(fill_mode, interpolation, seed, fill_value, **kwargs)
        self.height_factor = factor_range(height_factor, "height_factor", self._who, -1.0)
        self.width_factor = (None if width_factor is None
                             else factor_range(width_factor, "width_factor", self._who, -1.0))

    def _transforms(self, n: int, h: int, w: int) -> Any:
        zy = 1.0 + self._uniform(n, self.height_factor)
        zx = zy if self.width_factor is None else 1.0 + self._uniform(n, self.width_factor)
        zeros = xp.zeros(n)
        return xp.stack([zx, zeros, (w - 1) / 2 * (1 - zx), zeros, zy, (h - 1) / 2 * (1 - zy)], axis=1)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "height_factor": self.height_factor, "width_factor": self.width_factor}


class RandomTranslation(_Affine):
    """Shift each image by a random fraction of its height and width.

    ``height_factor=0.1`` shifts by up to 10% of the height either way; (lo, hi) gives the range.
    Other arguments as :class:`RandomRotation`.
    """

    _equation = ("a[n, y, x] = x[n, y - dy[n], x - dx[n]]", "x -> a")

    def __init__(self, height_factor: Any, width_factor: Any, fill_mode: str = "reflect",
                 interpolation: str = "bilinear", seed: int | None = None, fill_value: float = 0.0,
                 **kwargs: Any) -> None:
        super().__init__(fill_mode, interpolation, seed, fill_value, **kwargs)
        self.height_factor = factor_range(height_factor, "height_factor", self._who, -1.0, 1.0)
        self.width_factor = factor_range(width_factor, "width_factor", self._who, -1.0, 1.0)

    def _transforms(self, n: int, h: int, w: int) -> Any:
        dy = self._uniform(n, self.height_factor) * h
        dx = self._uniform(n, self.width_factor) * w
        ones, zeros = xp.ones(n), xp.zeros(n)
        return xp.stack([ones, zeros, -dx, zeros, ones, -dy], axis=1)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "height_factor": self.height_factor, "width_factor": self.width_factor}


class RandomCrop(_Augmentation):
    """Cut a random ``height x width`` window out of each image in training; the centred window at inference.

    At inference the output is the centre crop (Keras 3's documented behaviour; its code returns the
    image uncropped, whose size then differs from training's), so layers after it always see
    ``height x width``.  Images smaller than the window are centre-cropped to its aspect ratio and resized.
    """

    _equation = ("a[n] = x[n, top[n]:top[n] + height, left[n]:left[n] + width]", "x -> a")

    def __init__(self, height: int, width: int, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(seed, **kwargs)
        self.height = int(check_integer(height, "height", self._who))
        self.width = int(check_integer(width, "width", self._who))

    def call(self, inputs: Any, training: Any = None) -> Any:
        if training:
            return super().call(inputs, training)
        from .resizing import center_crop, on_images

        # The centred window, differentiable (a crop's gradient goes back into its window).
        return on_images(inputs, lambda x: center_crop(x, self.height, self.width), self._who)

    def _explain(self) -> Explanation:
        e = super()._explain()
        e.forward[1] = Equation("a = x[:, top:top + height, left:left + width]   (inference: the centred window)",
                                None, "x -> a")
        e.backward[0] = Equation("dC/dx = g in the centred window at inference, 0 elsewhere; in training the "
                                 "augmented batch is data (no gradient)")
        return e

    def _augment(self, images: Any) -> Any:
        n, h, w = images.shape[:3]
        if h < self.height or w < self.width:
            from .resizing import crop_and_resize
            return crop_and_resize(images, self.height, self.width)
        top = self._draw("integers", 0, h - self.height + 1, size=n)
        left = self._draw("integers", 0, w - self.width + 1, size=n)
        # One gather for the batch: sample n reads rows top[n] + i and columns left[n] + j.
        rows = (top[:, None] + xp.arange(self.height))[:, :, None]
        cols = (left[:, None] + xp.arange(self.width))[:, None, :]
        return images[xp.arange(n)[:, None, None], rows, cols]

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "height": self.height, "width": self.width}


class _Photometric(_Augmentation):
    """Shared ``factor`` and ``value_range`` of RandomContrast and RandomBrightness."""

    def __init__(self, factor: Any, value_range: Any, seed: int | None, low: float, symmetric: bool,
                 **kwargs: Any) -> None:
        super().__init__(seed, **kwargs)
        self.factor = factor_range(factor, "factor", self._who, low, 1.0, symmetric)
        if not (isinstance(value_range, (list, tuple)) and len(value_range) == 2 and value_range[0] < value_range[1]):
            raise ValueError(f"{self._who}: value_range must be a (low, high) pair with low < high, got {value_range!r}")
        self.value_range = (float(value_range[0]), float(value_range[1]))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range}


class RandomContrast(_Photometric):
    """Scale each image's deviation from its mean by a random factor in [1 - lower, 1 + upper], then clip.

    ``a = clip((x - mean) * f + mean, value_range)``, the mean per image and channel (over height and width).
    """

    _equation = ("a = clip((x - mean_hw(x)) * f[n] + mean_hw(x), value_range)", "x -> a")

    def __init__(self, factor: Any, value_range: Any = (0, 255), seed: int | None = None, **kwargs: Any) -> None:
        # One number f means a contrast factor in [1 - f, 1 + f]; (lower, upper) means [1 - lower, 1 + upper].
        super().__init__(factor, value_range, seed, 0.0, False, **kwargs)

    def _augment(self, images: Any) -> Any:
        f = self._draw("uniform", 1.0 - self.factor[0], 1.0 + self.factor[1], size=(len(images), 1, 1, 1))
        mean = images.mean(axis=(1, 2), keepdims=True)
        return xp.clip((images - mean) * f + mean, *self.value_range).astype(images.dtype)


class RandomBrightness(_Photometric):
    """Add to each image a random delta = f * (high - low), f drawn in ``factor``, then clip to ``value_range``.

    ``factor=0.2`` draws f in [-0.2, 0.2]; (lo, hi) within [-1, 1] gives the range.
    """

    _equation = ("a = clip(x + f[n] (high - low), value_range)", "x -> a")

    def __init__(self, factor: Any, value_range: Any = (0, 255), seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(factor, value_range, seed, -1.0, True, **kwargs)

    def _augment(self, images: Any) -> Any:
        lo, hi = self.value_range
        delta = self._draw("uniform", *self.factor, size=(len(images), 1, 1, 1)) * (hi - lo)
        return xp.clip(images + delta, lo, hi).astype(images.dtype)
