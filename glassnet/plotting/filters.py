"""What a convolutional network looks at: its first-layer kernels, and one input's feature maps.

The first convolution's kernels sit right on the pixels, so they can be drawn as small images:
after training on photographs they look like edge and colour-blob detectors.  Feature maps show
what each later convolution and pooling layer makes of one input: edges first, then coarser,
more abstract patterns on a smaller grid.
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from .. import backend
from ..layers import AveragePooling2D, Conv2D, Conv2DTranspose, Layer, MaxPooling2D
from ..models import Functional, Model, Sequential
from ._figure import new_figure, save_figure
from .images import as_images

# The layers whose outputs are images (batch, height, width, channels): one feature-map row each.
_IMAGE_LAYERS = (Conv2D, Conv2DTranspose, MaxPooling2D, AveragePooling2D)


def _all_layers(model: Any) -> list[Layer]:
    """Every layer of ``model`` in order, nested models opened (their layers, not themselves)."""
    out: list[Layer] = []
    for layer in getattr(model, "layers", []):
        out.extend(_all_layers(layer) if isinstance(layer, Model) else [layer])
    return out


def first_conv_layer(model_or_layer: Any, layer: Any = None) -> Conv2D:
    """The Conv2D to draw: ``model_or_layer`` itself, ``layer`` (a name or index), or the model's first."""
    if isinstance(model_or_layer, Conv2D) and layer is None:
        chosen = model_or_layer
    else:
        if not isinstance(model_or_layer, Model):
            raise TypeError(f"plot_conv_filters: model_or_layer must be a model or a Conv2D layer, got "
                            f"{type(model_or_layer).__name__}")
        convs = [lyr for lyr in _all_layers(model_or_layer) if isinstance(lyr, Conv2D)]
        if layer is None:
            if not convs:
                raise ValueError(f"plot_conv_filters: model '{model_or_layer.name}' has no Conv2D layer")
            chosen = convs[0]
        else:
            chosen = (model_or_layer.get_layer(name=layer) if isinstance(layer, str)
                      else model_or_layer.get_layer(index=layer))
            if not isinstance(chosen, Conv2D):
                raise ValueError(f"plot_conv_filters: layer={layer!r} is a {type(chosen).__name__}, not a Conv2D")
    if not chosen.built:
        raise ValueError(f"plot_conv_filters: layer '{chosen.name}' is not built yet, so it has no kernel; "
                         f"call the model on data or give it an Input first")
    return chosen


def _check_count(value: Any, argument: str, who: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{who}: {argument} must be a positive int, got {value!r}")
    return int(value)


def _panel_grid(n: int, ncols: int) -> tuple[Figure, Any]:
    cols = min(ncols, n)
    rows = math.ceil(n / cols)
    return new_figure(rows, cols, figsize=(1.2 * cols, 1.3 * rows + 0.6))


def plot_conv_filters(model_or_layer: Any, *, layer: Any = None, max_filters: int = 64, max_channels: int = 8,
                      ncols: int = 8, path: str | os.PathLike | None = None, title: str | None = None) -> Figure:
    """Draw the kernels of a Conv2D layer (by default the model's first) as small images.

    With 3 input channels (an RGB image) each output channel's kernel is one colour image, its
    values min-max scaled to [0, 1] per kernel.  With 1 input channel each kernel is a grayscale
    image; with another number there is one row per output channel and one grayscale panel per
    input channel.  Grayscale panels share one symmetric scale: mid-grey is 0, light is positive.

    Parameters
    ----------
    model_or_layer : Model or Conv2D
        A built model (its first Conv2D is drawn, nested models included) or a Conv2D layer.
    layer : str or int, optional
        Draw this layer of the model instead (its name or index).
    max_filters : int
        Draw at most this many output channels (the first ones).
    max_channels : int
        For kernels with neither 1 nor 3 input channels: at most this many input channels per row.
    ncols : int
        Panels per row for 1- and 3-channel kernels.
    path : str or Path, optional
        Also save the figure there (.png or .svg).

    Returns
    -------
    matplotlib.figure.Figure
        One panel per drawn kernel, titled ``filter j`` (and ``ch c`` for per-channel panels).
    """
    for value, argument in ((max_filters, "max_filters"), (max_channels, "max_channels"), (ncols, "ncols")):
        _check_count(value, argument, "plot_conv_filters")
    conv = first_conv_layer(model_or_layer, layer)
    kernel = np.asarray(backend.to_numpy(conv.kernel), dtype=np.float64)          # (kh, kw, in, out)
    kh, kw, channels, filters = kernel.shape
    shown = min(filters, max_filters)
    per_filter = np.moveaxis(kernel[..., :shown], -1, 0)            # (shown, kh, kw, in)
    if channels == 3:
        lo = per_filter.min(axis=(1, 2, 3), keepdims=True)
        images = (per_filter - lo) / np.maximum(per_filter.max(axis=(1, 2, 3), keepdims=True) - lo, 1e-12)
        fig, axes = _panel_grid(shown, ncols)
        panels = [(axes.ravel()[j], images[j], None, f"filter {j}") for j in range(shown)]
        spare = axes.ravel()[shown:]
    else:
        limit = float(np.abs(per_filter).max()) or 1.0
        if channels == 1:
            fig, axes = _panel_grid(shown, ncols)
            panels = [(axes.ravel()[j], per_filter[j, :, :, 0], limit, f"filter {j}") for j in range(shown)]
            spare = axes.ravel()[shown:]
        else:
            cols = min(channels, max_channels)
            fig, axes = new_figure(shown, cols, figsize=(1.2 * cols, 1.2 * shown + .6))
            panels = [(axes[j, c], per_filter[j, :, :, c], limit, f"filter {j}, ch 0" if c == 0 else f"ch {c}")
                      for j in range(shown) for c in range(cols)]
            spare = []
    for ax, image, scale, text in panels:
        if scale is None:
            ax.imshow(image, interpolation="nearest")
        else:
            ax.imshow(image, cmap="gray", vmin=-scale, vmax=scale, interpolation="nearest")
        ax.set_title(text, fontsize=7)
        ax.set_xticks([])
        ax.set_yticks([])
    for ax in spare:
        ax.axis("off")
    fig.suptitle(title or f"Kernels of '{conv.name}': {kh}x{kw}, {channels} input channel"
                          f"{'s' if channels != 1 else ''}, showing {shown} of {filters} filters", fontsize=10)
    return save_figure(fig, path)


def feature_maps(model: Any, x: Any, layers: Any = None) -> list[tuple[Layer, np.ndarray]]:
    """``(layer, output)`` for each conv and pooling layer (or each of ``layers``) on one input.

    The model is not changed: a Sequential model's layers are called one after another, and a
    Functional model is read through a new model ``Model(model.inputs, [layer.output ...])``.
    Each output has its batch axis removed: (height, width, channels).
    """
    if not isinstance(model, (Sequential, Functional)):
        raise TypeError(f"plot_feature_maps: model must be a Sequential or Functional model (a subclassed model "
                        f"has no graph to read layer outputs from), got {type(model).__name__}")
    sample = backend.to_numpy(x)
    shape = tuple(model.inputs[0].shape[1:]) if model.inputs else None
    if shape is not None and sample.shape == shape:
        sample = sample[None]
    if sample.ndim != 4 or len(sample) != 1:
        raise ValueError(f"plot_feature_maps: x must be one image of shape (H, W, C) or (1, H, W, C), got shape "
                         f"{np.shape(x)}")
    stack = model.layers
    chosen = [lyr for lyr in stack if isinstance(lyr, _IMAGE_LAYERS)] if layers is None else [
        model.get_layer(name=lyr) if isinstance(lyr, str) else lyr for lyr in layers]
    if not chosen:
        raise ValueError(f"plot_feature_maps: model '{model.name}' has no Conv2D or pooling layer; pass layers=")
    sample = sample.astype(model.inputs[0].dtype if model.inputs else np.float32, copy=False)
    if isinstance(model, Sequential):
        outputs, value = {}, sample
        for lyr in stack:
            value = lyr(value, training=False)
            outputs[id(lyr)] = value
        found = [outputs.get(id(lyr)) for lyr in chosen]
    else:
        probe = Model(model.inputs, [lyr.output for lyr in chosen])
        found = probe(sample, training=False)
        found = found if isinstance(found, (list, tuple)) else [found]
    maps = []
    for lyr, out in zip(chosen, found):
        if out is None:
            raise ValueError(f"plot_feature_maps: layer '{getattr(lyr, 'name', lyr)}' is not in model '{model.name}'")
        array = backend.to_numpy(out)[0]
        if array.ndim != 3:
            raise ValueError(f"plot_feature_maps: layer '{lyr.name}' outputs shape {array.shape} per sample, not "
                             f"an image (height, width, channels)")
        maps.append((lyr, array))
    return maps


def plot_feature_maps(model: Any, x: Any, *, layers: Any = None, max_channels: int = 8,
                      path: str | os.PathLike | None = None, title: str | None = None) -> Figure:
    """One row per conv/pooling layer: the first channels of its output for the input ``x``.

    Parameters
    ----------
    model : Sequential or Functional
        A built model; it is not modified.
    x : array_like of shape (H, W, C) or (1, H, W, C)
        One input image.
    layers : list of str or Layer, optional
        The layers to show (default: every Conv2D, Conv2DTranspose and 2-D pooling layer).
    max_channels : int
        Channels shown per layer (the first ones); each panel has its own colour scale.
    path : str or Path, optional
        Also save the figure there (.png or .svg).

    Returns
    -------
    matplotlib.figure.Figure
        Row 0 is the input; row i is the i-th layer, its first panel titled with the layer's name
        and output shape, the others ``ch c``.
    """
    max_channels = _check_count(max_channels, "max_channels", "plot_feature_maps")
    maps = feature_maps(model, x, layers)
    image = as_images(backend.to_numpy(x).reshape((1, *np.shape(x)[-3:])), "plot_feature_maps", "x")[0]
    cols = max(min(max_channels, array.shape[-1]) for _, array in maps)
    fig, axes = new_figure(len(maps) + 1, cols, figsize=(1.5 * cols, 1.55 * (len(maps) + 1) + 0.5))
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    for ax in axes[0, 1:]:
        ax.axis("off")
    axes[0, 0].imshow(image, cmap="gray_r" if image.ndim == 2 else None)
    axes[0, 0].set_title(f"input {'x'.join(map(str, np.shape(x)[-3:]))}", fontsize=7)
    for row, (lyr, array) in enumerate(maps, start=1):
        h, w, c = array.shape
        for col in range(cols):
            ax = axes[row, col]
            if col >= c:
                ax.axis("off")
                continue
            ax.imshow(array[:, :, col], cmap="viridis", interpolation="nearest")
            ax.set_title(f"{lyr.name} {h}x{w}x{c}" if col == 0 else f"ch {col}", fontsize=7)
    fig.suptitle(title or f"Feature maps of one input through '{model.name}' (first {cols} channels per layer)",
                 fontsize=10)
    return save_figure(fig, path)
