"""Pictures of a classifier's results: confusion-matrix heatmaps and ROC curves."""

from __future__ import annotations

import os
from typing import Any

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from .. import backend
from ..metrics.classification import confusion_matrix
from ..metrics.ranking import auc, roc_curve
from ._figure import new_figure, save_figure


def _heatmap(ax: Any, matrix: np.ndarray, names: list[str], title: str, fmt: str, cmap: str) -> None:
    image = ax.imshow(matrix, cmap=cmap, vmin=0)
    ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    k = len(names)
    ax.set_xticks(range(k), names, rotation=45 if max(len(n) for n in names) > 3 else 0)
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted label")
    ax.set_ylabel("true label")
    ax.set_title(title)
    # Dark text on light cells and light text on dark ones.
    cutoff = matrix.max() / 2 if matrix.size and matrix.max() > 0 else 0.5
    size = 9 if k <= 10 else max(4, 90 // k)
    rows, cols = np.indices(matrix.shape)
    for i, j, v in zip(rows.ravel().tolist(), cols.ravel().tolist(), matrix.ravel().tolist()):
        ax.text(j, i, format(v, fmt), ha="center", va="center", fontsize=size,
                color="white" if v > cutoff else "black")


def _area(line: Any) -> float:
    """Area under a plotted ROC line (the chance diagonal counts as 1 so it never blocks the zoom)."""
    if line.get_linestyle() == ":":
        return 1.0
    return auc(line.get_xdata(), line.get_ydata())


def plot_confusion_matrix(y_true: Any, y_pred: Any = None, *, labels: Any = None, display_labels: Any = None,
                          normalize: str | None = "true", sample_weight: Any = None, cmap: str = "Blues",
                          path: str | os.PathLike | None = None, title: str | None = None) -> Figure:
    """Confusion-matrix heatmaps: counts, and next to them a normalised view.

    Parameters
    ----------
    y_true, y_pred : array_like
        Class labels; or pass a ready confusion matrix as ``y_true`` and leave ``y_pred`` out.
    labels : array_like, optional
        Classes in row/column order (see :func:`glassnet.metrics.confusion_matrix`).
    display_labels : list of str, optional
        Names shown on the axes.
    normalize : {'true', 'pred', 'all', None}
        The second panel: rows sum to 1 ('true', the per-class recall on the diagonal), columns
        sum to 1 ('pred', precision on the diagonal), or everything ('all'). None: counts only.
    path : str or Path, optional
        Also save the figure there (.png or .svg).
    """
    if y_pred is None:
        counts = np.asarray(y_true)
        if counts.ndim != 2 or counts.shape[0] != counts.shape[1]:
            raise ValueError(f"plot_confusion_matrix: with y_pred left out, y_true must be a square confusion "
                             f"matrix, got shape {counts.shape}")
        label_values = list(range(counts.shape[0])) if labels is None else list(labels)
    else:
        counts = confusion_matrix(y_true, y_pred, labels=labels, sample_weight=sample_weight)
        label_values = (np.unique(np.concatenate([np.asarray(y_true).ravel(), np.asarray(y_pred).ravel()]))
                        if labels is None else np.asarray(labels)).tolist()
    names = [str(n) for n in (display_labels if display_labels is not None else label_values)]
    if len(names) != counts.shape[0]:
        raise ValueError(f"plot_confusion_matrix: {len(names)} display labels for {counts.shape[0]} classes")
    panels = 1 if normalize is None else 2
    side = 3.2 + 0.35 * len(names)
    fig, axes = new_figure(1, panels, figsize=(side * panels + 0.6, side))
    integer = np.allclose(counts, np.round(counts))
    _heatmap(axes[0, 0], counts, names, "Counts", "d" if integer else ".1f", cmap)
    if normalize is not None:
        axis = {"true": 1, "pred": 0, "all": None}
        if normalize not in axis:
            raise ValueError(f"normalize must be 'true', 'pred', 'all' or None, got {normalize!r}")
        with np.errstate(all="ignore"):
            total = counts.sum(axis=axis[normalize], keepdims=axis[normalize] is not None)
            share = np.nan_to_num(counts / total)
        view = {"true": "each row sums to 1 (recall on the diagonal)",
                "pred": "each column sums to 1 (precision on the diagonal)", "all": "share of all samples"}
        _heatmap(axes[0, 1], share, names, f"Normalised: {view[normalize]}", ".2f", cmap)
        axes[0, 1].title.set_fontsize("small")
    accuracy = np.trace(counts) / counts.sum() if counts.sum() else float("nan")
    fig.suptitle(title or f"Confusion matrix (accuracy {accuracy:.4f})")
    return save_figure(fig, path)


def plot_roc_curves(y_true: Any, y_score: Any, *, labels: Any = None, display_labels: Any = None,
                    sample_weight: Any = None, micro: bool = True, zoom: bool = True,
                    path: str | os.PathLike | None = None, title: str | None = None) -> Figure:
    """ROC curves with their AUC in the legend: one for a binary task, one per class (one-vs-rest) otherwise.

    Parameters
    ----------
    y_true : array_like
        Binary labels (with ``y_score`` of shape (n,)), or class labels / one-hot rows with one
        score column per class.
    y_score : array_like
        Positive-class scores (n,) or class probabilities (n, classes).
    labels : array_like, optional
        The classes of the score columns (default 0..C-1).
    micro : bool
        Also draw the micro-average curve (all classes' decisions pooled).
    zoom : bool
        When every curve has AUC > 0.97, add a magnified view of the top-left corner.
    path : str or Path, optional
        Also save the figure there (.png or .svg).
    """
    truth = np.asarray(y_true)
    score = np.asarray(backend.to_numpy(y_score), dtype=np.float64)
    if score.ndim == 2 and score.shape[1] == 1:
        score = score[:, 0]
    fig, axes = new_figure(1, 1, figsize=(6.0, 5.4))
    ax = axes[0, 0]
    if score.ndim == 1:
        fpr, tpr, _ = roc_curve(truth.reshape(-1), score, sample_weight=sample_weight)
        ax.plot(fpr, tpr, lw=2, label=f"ROC curve (AUC = {auc(fpr, tpr):.4f})")
    else:
        classes = np.arange(score.shape[1]) if labels is None else np.asarray(labels)
        if len(classes) != score.shape[1]:
            raise ValueError(f"plot_roc_curves: {len(classes)} labels for {score.shape[1]} score columns")
        onehot = truth if truth.ndim == 2 and truth.shape[1] > 1 else \
            (truth.reshape(-1)[:, None] == classes[None, :]).astype(np.float64)
        names = [str(n) for n in (display_labels if display_labels is not None else classes.tolist())]
        palette = matplotlib.colormaps["tab10" if len(names) <= 10 else "tab20"]
        colors = [palette(i % 20) for i in range(len(names))]
        for c, name in enumerate(names):
            if onehot[:, c].min() == onehot[:, c].max():
                continue  # a class absent from y_true (or the only one) has no ROC curve
            fpr, tpr, _ = roc_curve(onehot[:, c], score[:, c], sample_weight=sample_weight)
            ax.plot(fpr, tpr, lw=1.2, color=colors[c], label=f"{name} (AUC = {auc(fpr, tpr):.4f})")
        if micro:
            w = None if sample_weight is None else np.repeat(np.asarray(sample_weight), score.shape[1])
            fpr, tpr, _ = roc_curve(onehot.ravel(), score.ravel(), sample_weight=w)
            ax.plot(fpr, tpr, "k--", lw=2, label=f"micro-average (AUC = {auc(fpr, tpr):.4f})")
    ax.plot([0, 1], [0, 1], ":", color="grey", label="chance (AUC = 0.5)")
    if zoom and all(line.get_xdata().size and _area(line) > 0.97 for line in ax.lines):
        # Good classifiers hug the corner; a magnified top-left corner shows their differences.
        inset = ax.inset_axes((0.2, 0.56, 0.36, 0.34))
        for line in list(ax.lines):
            inset.plot(line.get_xdata(), line.get_ydata(), line.get_linestyle(), color=line.get_color(),
                       lw=line.get_linewidth())
        inset.set_xlim(0.0, 0.1)
        inset.set_ylim(0.9, 1.0)
        inset.set_title("zoom: top-left corner", fontsize="x-small")
        inset.tick_params(labelsize="x-small")
        inset.grid(True, alpha=0.3)
        ax.indicate_inset_zoom(inset, edgecolor="grey")
    ax.set_xlim(-0.01, 1.0)
    ax.set_ylim(0.0, 1.01)
    ax.set_xlabel("false positive rate (1 - specificity)")
    ax.set_ylabel("true positive rate (sensitivity)")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right", fontsize="small")
    ax.set_title(title or ("ROC curve" if score.ndim == 1 else "ROC curves, one class against the rest"))
    return save_figure(fig, path)
