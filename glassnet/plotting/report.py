"""A report folder for a trained classifier: the pictures and numbers used to judge it.

``write_classifier_report`` saves training curves, the confusion matrix,
ROC curves, a grid of misclassified images and a ``metrics.json`` with the
per-class precision, recall (sensitivity), specificity, F1 and ROC AUC.
``HeldOutCurves`` records loss and accuracy on held-out data at each epoch
end without changing what ``fit`` prints or trains on.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from ..callbacks.base import Callback
from ..metrics.classification import accuracy_score, classification_report, confusion_matrix
from ..metrics.ranking import roc_auc_score
from ._figure import close
from .classification import plot_confusion_matrix, plot_roc_curves
from .history import plot_history
from .images import plot_misclassified

FILES = ("training_curves.png", "confusion_matrix.png", "roc_curves.png", "misclassified.png", "metrics.json")


class HeldOutCurves(Callback):
    """Evaluate on ``(x, y)`` at each epoch end into ``history`` (``val_loss``, ``val_<metric>``).

    The values go to this callback's own dict, not to the epoch logs, so the progress bar and
    the ``History`` of ``fit`` stay as they were; ``seconds`` is the time spent here, which a
    caller can subtract from a training-time measurement.
    """

    def __init__(self, x: Any, y: Any, batch_size: int = 500) -> None:
        super().__init__()
        self.x, self.y, self.batch_size = x, y, batch_size
        self.history: dict[str, list[float]] = {}
        self.seconds = 0.0

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        start = time.perf_counter()
        scores = self.model.evaluate(self.x, self.y, batch_size=self.batch_size, verbose=0, return_dict=True)
        for key, value in scores.items():
            self.history.setdefault(f"val_{key}", []).append(float(np.mean(value)))
        self.seconds += time.perf_counter() - start


def write_classifier_report(folder: str | os.PathLike, model: Any, history: Any, x_test: Any, y_test: Any, *,
                            held_out: dict[str, list[float]] | None = None, class_names: Any = None,
                            extra: dict[str, Any] | None = None, batch_size: int = 500) -> dict[str, Path]:
    """Write the report files (see ``FILES``) for a classifier with softmax outputs and integer labels.

    Parameters
    ----------
    folder : str or Path
        Created if missing; existing report files are overwritten.
    model : Model
        The trained classifier (``predict`` gives class probabilities).
    history : History
        What ``fit`` returned.
    x_test, y_test : array_like
        Held-out images and their integer labels.
    held_out : dict, optional
        Per-epoch held-out values (``HeldOutCurves.history``) drawn as the validation curves.
    extra : dict, optional
        More numbers for metrics.json (timings, settings).

    Returns
    -------
    dict of str to Path
        Each file written.
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    labels = np.asarray(y_test).reshape(-1)
    proba = np.asarray(model.predict(x_test, batch_size=batch_size, verbose=0), dtype=np.float64)
    predicted = proba.argmax(axis=1)
    classes = np.arange(proba.shape[1])
    names = [str(c) for c in (class_names if class_names is not None else classes.tolist())]
    curves = {k: list(v) for k, v in getattr(history, "history", history).items()}
    curves.update(held_out or {})
    paths = {name: out / name for name in FILES}
    figures = [
        plot_history(curves, path=paths["training_curves.png"],
                     title="Training curves" + (" (validation: the held-out test images)" if held_out else "")),
        plot_confusion_matrix(labels, predicted, labels=classes, display_labels=names,
                              path=paths["confusion_matrix.png"]),
        plot_roc_curves(labels, proba, labels=classes, display_labels=names, path=paths["roc_curves.png"]),
        plot_misclassified(x_test, labels, proba, class_names=names, max_images=40,
                           path=paths["misclassified.png"]),
    ]
    for fig in figures:
        close(fig)
    report = classification_report(labels, predicted, labels=classes, target_names=names, output_dict=True,
                                   zero_division=0)
    per_class_auc = roc_auc_score(labels, proba, multi_class="ovr", average=None, labels=classes)
    for name, value in zip(names, per_class_auc.tolist()):
        report[name]["roc_auc"] = value
    metrics = {
        "test_accuracy": accuracy_score(labels, predicted),
        "roc_auc_ovr_macro": float(np.nanmean(per_class_auc)),
        "classification_report": report,
        "confusion_matrix": confusion_matrix(labels, predicted, labels=classes).tolist(),
        "history": {k: [float(np.mean(v)) for v in vals] for k, vals in curves.items()},
        **(extra or {}),
    }
    paths["metrics.json"].write_text(json.dumps(metrics, indent=2) + "\n")
    return paths
