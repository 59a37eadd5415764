"""Grids of images: dataset samples with their labels, and the images a classifier got wrong.

Both grids share one reader of image arrays (:func:`as_images`: (n, H, W), (n, H, W, 1),
(n, H, W, 3) or flat square rows) and one drawer (:func:`image_grid`).
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from .. import backend
from ._figure import new_figure, save_figure


def as_images(images: Any, who: str, argument: str = "images") -> np.ndarray:
    """``images`` as (n, H, W) grayscale or (n, H, W, 3) colour, ready for ``imshow``.

    Colour images outside [0, 1] (floats standardised, or 0..255 integers) are rescaled per
    image to [0, 1], because ``imshow`` clips colour values instead of scaling them.
    """
    imgs = backend.to_numpy(images)
    if imgs.ndim == 2:
        side = math.isqrt(imgs.shape[1])
        if side * side != imgs.shape[1]:
            raise ValueError(f"{who}: flat {argument} of {imgs.shape[1]} pixels are not square; reshape them to "
                             f"(n, H, W)")
        imgs = imgs.reshape(len(imgs), side, side)
    if imgs.ndim == 4 and imgs.shape[-1] == 1:
        imgs = imgs[..., 0]
    if not (imgs.ndim == 3 or imgs.ndim == 4 and imgs.shape[-1] == 3):
        raise ValueError(f"{who}: {argument} must have shape (n, H, W), (n, H, W, 1), (n, H, W, 3) or (n, H*W); "
                         f"got {imgs.shape}")
    if imgs.ndim == 4 and imgs.size and (imgs.min() < 0 or imgs.max() > 1):
        lo = imgs.min(axis=(1, 2, 3), keepdims=True).astype(np.float64)
        span = np.maximum(imgs.max(axis=(1, 2, 3), keepdims=True) - lo, 1e-12)
        imgs = (imgs - lo) / span
    return imgs


def class_indices(labels: Any) -> np.ndarray:
    """Class indices from indices or one-hot rows, as a flat array."""
    out = backend.to_numpy(labels)
    if out.ndim == 2 and out.shape[1] > 1:
        out = out.argmax(axis=1)
    return out.reshape(-1)


def label_name(c: Any, class_names: Any) -> str:
    """The name of class ``c`` (its index when there are no names)."""
    return str(class_names[int(c)]) if class_names is not None else str(c)


def image_grid(imgs: np.ndarray, shown: list[int], titles: list[str], *, ncols: int | None, cmap: str,
               title_color: str = "black") -> Figure:
    """One panel per index in ``shown`` (row-major), titled by ``titles``; spare panels are blank."""
    cols = ncols or min(len(shown), 8 if len(shown) > 25 else 5)
    rows = math.ceil(len(shown) / cols)
    fig, axes = new_figure(rows, cols, figsize=(1.7 * cols, 1.9 * rows + 0.5))
    for ax in axes.ravel():
        ax.axis("off")
    for ax, i, text in zip(axes.ravel(), shown, titles):
        ax.imshow(imgs[i], cmap=cmap if imgs[i].ndim == 2 else None)
        ax.set_title(text, fontsize=9, color=title_color)
    return fig


def plot_samples(x: Any, y: Any = None, class_names: Any = None, n: int = 25, *, ncols: int | None = None,
                 cmap: str = "gray_r", path: str | os.PathLike | None = None, title: str | None = None) -> Figure:
    """Show the first ``n`` images of a data set, each titled with its label.

    Parameters
    ----------
    x : array_like of shape (m, H, W), (m, H, W, 1), (m, H, W, 3) or (m, H*W) with square H=W
        Images (MNIST's 28x28, CIFAR's 32x32x3 ...); colour values outside [0, 1] are rescaled.
    y : array_like, optional
        Labels (class indices or one-hot rows) shown as panel titles.
    class_names : list of str, optional
        Names of the classes, by index.
    n : int
        How many images (the first ``n``; shuffle or slice ``x`` to see others).
    ncols : int, optional
        Panels per row (5, or 8 for more than 25 images).
    path : str or Path, optional
        Also save the figure there (.png or .svg).

    Returns
    -------
    matplotlib.figure.Figure
        One image per panel; the panel titles are the labels.
    """
    imgs = as_images(x, "plot_samples", "x")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"plot_samples: n must be a positive int, got {n!r}")
    labels = None if y is None else class_indices(y)
    if labels is not None and len(labels) != len(imgs):
        raise ValueError(f"plot_samples: x and y have {len(imgs)} and {len(labels)} samples")
    shown = list(range(min(int(n), len(imgs))))
    if not shown:
        raise ValueError("plot_samples: x holds no images")
    titles = [label_name(labels[i], class_names) if labels is not None else f"#{i}" for i in shown]
    fig = image_grid(imgs, shown, titles, ncols=ncols, cmap=cmap)
    fig.suptitle(title or f"{len(shown)} of {len(imgs)} samples, {imgs.shape[1]}x{imgs.shape[2]}"
                          f"{' colour' if imgs.ndim == 4 else ''}", fontsize=10)
    return save_figure(fig, path)


def plot_misclassified(images: Any, y_true: Any, y_pred: Any, *, max_images: int = 25,
                       class_names: Any = None, ncols: int | None = None, cmap: str = "gray_r",
                       path: str | os.PathLike | None = None, title: str | None = None) -> Figure:
    """Show up to ``max_images`` misclassified images titled "true 7 / predicted 2".

    Parameters
    ----------
    images : array_like of shape (n, H, W), (n, H, W, 1), (n, H, W, 3) or (n, H*W) with square H=W
    y_true : array_like
        Class labels or one-hot rows.
    y_pred : array_like
        Predicted labels, or class probabilities (n, classes): then the most likely class is the
        prediction and its probability is shown too. The most confident mistakes come first.
    max_images : int
    class_names : list of str, optional
        Names of the classes, by index.
    path : str or Path, optional
        Also save the figure there (.png or .svg).
    """
    truth = class_indices(y_true)
    pred = backend.to_numpy(y_pred)
    confidence = pred.max(axis=1) if pred.ndim == 2 and pred.shape[1] > 1 else None
    pred = class_indices(pred)
    n_images = len(backend.to_numpy(images))
    if not n_images == len(truth) == len(pred):
        raise ValueError(f"plot_misclassified: images, y_true and y_pred have {n_images}, {len(truth)} and "
                         f"{len(pred)} samples")
    imgs = as_images(images, "plot_misclassified")
    wrong = np.flatnonzero(truth != pred)
    if confidence is not None:
        wrong = wrong[np.argsort(-confidence[wrong], kind="stable")]
    shown = wrong[:max_images].tolist()
    if not shown:
        fig, axes = new_figure(1, 1, figsize=(4, 2))
        axes[0, 0].axis("off")
        axes[0, 0].text(0.5, 0.5, "No misclassified images", ha="center", va="center")
        return save_figure(fig, path)
    titles = [f"true {label_name(truth[i], class_names)}\npred {label_name(pred[i], class_names)}"
              + (f" ({confidence[i]:.1%})" if confidence is not None else "") for i in shown]
    fig = image_grid(imgs, shown, titles, ncols=ncols, cmap=cmap, title_color="firebrick")
    fig.suptitle(title or f"Misclassified: {len(wrong)} of {len(truth)} ({len(wrong) / len(truth):.2%}); "
                          f"showing {len(shown)}", fontsize=10)
    return save_figure(fig, path)
