"""Intersection over union (Jaccard index) for segmentation and classification, accumulated over batches.

One confusion matrix ``cm[true, predicted]`` (weighted counts) is summed over every batch; per class c::

    IoU_c = TP_c / (TP_c + FP_c + FN_c) = cm[c, c] / (row_c + column_c - cm[c, c])

and the result is the mean over the target classes that occurred (a class never seen nor predicted
has a denominator of 0 and is left out, as in Keras).  Labels outside [0, num_classes) and
``ignore_class`` entries are skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import backend
from .base import Metric, to_host


class IoU(Metric):
    """Mean IoU over ``target_class_ids`` (Keras ``IoU``).

    Parameters
    ----------
    num_classes : int
        Number of classes; labels and predictions are class indices in [0, num_classes).
    target_class_ids : sequence of int
        The classes whose IoU is averaged.
    ignore_class : int, optional
        A label to skip (void pixels).
    sparse_y_true, sparse_y_pred : bool
        Whether labels / predictions are class indices (True) or scores over ``axis`` (argmax taken).
    axis : int
        The class axis of non-sparse inputs.
    """

    def __init__(self, num_classes: int, target_class_ids: Sequence[int], name: str | None = None,
                 dtype: Any = None, ignore_class: int | None = None, sparse_y_true: bool = True,
                 sparse_y_pred: bool = True, axis: int = -1) -> None:
        super().__init__(name=name, dtype=dtype)
        if not isinstance(num_classes, (int, np.integer)) or num_classes < 1:
            raise ValueError(f"{type(self).__name__}: num_classes must be a positive int, got {num_classes!r}")
        ids = [int(i) for i in target_class_ids]
        if not ids or max(ids) >= num_classes or min(ids) < 0:
            raise ValueError(f"{type(self).__name__}: target_class_ids {ids} must be non-empty and in "
                             f"[0, {num_classes})")
        self.num_classes = int(num_classes)
        self.target_class_ids = ids
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        self.reset_state()

    def reset_state(self) -> None:
        self.total_cm = np.zeros((self.num_classes, self.num_classes))

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        t, p = to_host(y_true), to_host(y_pred)
        if not self.sparse_y_true:
            t = np.argmax(t, axis=self.axis)
        if not self.sparse_y_pred:
            p = np.argmax(p, axis=self.axis)
        # Keras casts class indices to int, truncating any fraction.
        t, p = t.astype(np.int64).reshape(-1), p.astype(np.int64).reshape(-1)
        if t.size != p.size:
            raise ValueError(f"{type(self).__name__}: y_true holds {t.size} labels but y_pred {p.size} "
                             f"predictions (shapes {np.shape(to_host(y_true))} and {np.shape(to_host(y_pred))}); "
                             f"with one-hot or score inputs set sparse_y_true/sparse_y_pred=False")
        w = np.ones(t.size) if sample_weight is None else to_host(sample_weight).astype(np.float64).reshape(-1)
        if w.size == 1:
            w = np.full(t.size, float(w[0]))
        elif w.size != t.size:
            # A per-sample weight of a (batch, ...) mask applies to every element of its sample.
            if t.size % w.size:
                raise ValueError(f"{type(self).__name__}: sample_weight of {w.size} values does not match "
                                 f"{t.size} labels")
            w = np.repeat(w, t.size // w.size)
        keep = (t >= 0) & (t < self.num_classes) & (p >= 0) & (p < self.num_classes)
        if self.ignore_class is not None:
            keep &= t != self.ignore_class
        cells = t[keep] * self.num_classes + p[keep]
        self.total_cm += np.bincount(cells, w[keep], minlength=self.num_classes**2).reshape(
            self.num_classes, self.num_classes)

    def result(self) -> float:
        cm = self.total_cm
        tp = np.diag(cm)
        denominator = (cm.sum(axis=0) + cm.sum(axis=1) - tp)[self.target_class_ids]
        tp = tp[self.target_class_ids]
        valid = denominator > 1e-9
        iou = np.where(valid, tp / (denominator + backend.epsilon()), 0.0)
        return float(iou.sum() / (valid.sum() + backend.epsilon()))

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "num_classes": self.num_classes, "target_class_ids": self.target_class_ids,
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class BinaryIoU(IoU):
    """IoU of binary labels against predictions thresholded at ``threshold`` (``y_pred >= threshold``)."""

    def __init__(self, target_class_ids: Sequence[int] = (0, 1), threshold: float = 0.5, name: str | None = None,
                 dtype: Any = None) -> None:
        super().__init__(num_classes=2, target_class_ids=target_class_ids, name=name, dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        super().update_state(y_true, to_host(y_pred) >= self.threshold, sample_weight)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "target_class_ids": self.target_class_ids, "threshold": self.threshold}


class MeanIoU(IoU):
    """IoU averaged over every class (Keras ``MeanIoU``)."""

    def __init__(self, num_classes: int, name: str | None = None, dtype: Any = None, ignore_class: int | None = None,
                 sparse_y_true: bool = True, sparse_y_pred: bool = True, axis: int = -1) -> None:
        super().__init__(num_classes, list(range(num_classes)) if isinstance(num_classes, int) else [], name=name,
                         dtype=dtype, ignore_class=ignore_class, sparse_y_true=sparse_y_true,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        del config["target_class_ids"]
        return config


class OneHotIoU(IoU):
    """IoU of one-hot labels (and, by default, score predictions) over ``target_class_ids``."""

    def __init__(self, num_classes: int, target_class_ids: Sequence[int], name: str | None = None,
                 dtype: Any = None, ignore_class: int | None = None, sparse_y_pred: bool = False,
                 axis: int = -1) -> None:
        super().__init__(num_classes, target_class_ids, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        del config["sparse_y_true"]
        return config


class OneHotMeanIoU(MeanIoU):
    """IoU of one-hot labels (and, by default, score predictions) averaged over every class."""

    def __init__(self, num_classes: int, name: str | None = None, dtype: Any = None, ignore_class: int | None = None,
                 sparse_y_pred: bool = False, axis: int = -1) -> None:
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        del config["sparse_y_true"]
        return config
