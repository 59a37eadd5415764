"""A grid of the images a classifier got wrong, with their true and predicted labels."""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from ._figure import new_figure, save_figure


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
    imgs = np.asarray(images)
    truth = np.asarray(y_true)
    if truth.ndim == 2 and truth.shape[1] > 1:
        truth = truth.argmax(axis=1)
    truth = truth.reshape(-1)
    pred = np.asarray(getattr(y_pred, "data", y_pred))
    confidence = None
    if pred.ndim == 2 and pred.shape[1] > 1:
        confidence = pred.max(axis=1)
        pred = pred.argmax(axis=1)
    pred = pred.reshape(-1)
    if not len(imgs) == len(truth) == len(pred):
        raise ValueError(f"plot_misclassified: images, y_true and y_pred have {len(imgs)}, {len(truth)} and "
                         f"{len(pred)} samples")
    if imgs.ndim == 2:
        side = math.isqrt(imgs.shape[1])
        if side * side != imgs.shape[1]:
            raise ValueError(f"plot_misclassified: flat images of {imgs.shape[1]} pixels are not square; reshape "
                             f"them to (n, H, W)")
        imgs = imgs.reshape(len(imgs), side, side)
    if imgs.ndim == 4 and imgs.shape[-1] == 1:
        imgs = imgs[..., 0]
    wrong = np.flatnonzero(truth != pred)
    if confidence is not None:
        wrong = wrong[np.argsort(-confidence[wrong], kind="stable")]
    shown = wrong[:max_images]

    def name(c: Any) -> str:
        return str(class_names[int(c)]) if class_names is not None else str(c)

    if len(shown) == 0:
        fig, axes = new_figure(1, 1, figsize=(4, 2))
        axes[0, 0].axis("off")
        axes[0, 0].text(0.5, 0.5, "No misclassified images", ha="center", va="center")
        return save_figure(fig, path)
    cols = ncols or min(len(shown), 8 if len(shown) > 25 else 5)
    rows = math.ceil(len(shown) / cols)
    fig, axes = new_figure(rows, cols, figsize=(1.7 * cols, 1.9 * rows + 0.5))
    for ax in axes.ravel():
        ax.axis("off")
    for ax, i in zip(axes.ravel(), shown.tolist()):
        ax.imshow(imgs[i], cmap=cmap if imgs[i].ndim == 2 else None)
        extra = f" ({confidence[i]:.1%})" if confidence is not None else ""
        ax.set_title(f"true {name(truth[i])}\npred {name(pred[i])}{extra}", fontsize=9, color="firebrick")
    fig.suptitle(title or f"Misclassified: {len(wrong)} of {len(truth)} ({len(wrong) / len(truth):.2%}); "
                          f"showing {len(shown)}", fontsize=10)
    return save_figure(fig, path)
