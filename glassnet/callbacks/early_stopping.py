"""``EarlyStopping``: stop training when a monitored quantity has stopped improving (Keras 3 semantics)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._monitor import monitor_op, warn_missing
from .base import Callback


class EarlyStopping(Callback):
    """Stop ``fit`` once ``monitor`` has not improved for ``patience`` epochs.

    Parameters
    ----------
    monitor : str
        Log key to watch, ``"val_loss"`` by default.
    min_delta : float
        An improvement must exceed this (absolute) amount.
    patience : int
        Epochs without improvement after which training stops.
    verbose : int
        1 prints ``Epoch N: early stopping`` (and the restore message).
    mode : {"auto", "min", "max"}
        Whether smaller or larger is better; "auto" picks max for accuracy-like names.
    baseline : float, optional
        Training stops unless the monitored value beats this within ``patience`` epochs.
    restore_best_weights : bool
        At the end of training, put back the weights of the best epoch (as Keras 3 does,
        whether or not this callback stopped the training).
    start_from_epoch : int
        Epochs of warm-up during which nothing is monitored.
    """

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0.0, patience: int = 0, verbose: int = 0,
                 mode: str = "auto", baseline: float | None = None, restore_best_weights: bool = False,
                 start_from_epoch: int = 0) -> None:
        super().__init__()
        self.monitor, self.patience, self.verbose = monitor, int(patience), verbose
        self.baseline, self.restore_best_weights = baseline, restore_best_weights
        self.start_from_epoch = int(start_from_epoch)
        self.monitor_op = monitor_op(mode, monitor, "EarlyStopping")
        # An improvement must beat the reference by min_delta in the good direction.
        self.min_delta = abs(min_delta) if self.monitor_op is np.greater else -abs(min_delta)
        self._reset()

    def _reset(self) -> None:
        self.wait = 0
        self.stopped_epoch = 0
        self.best: float | None = None
        self.best_weights: list[Any] | None = None
        self.best_epoch = 0

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._reset()

    def _is_improvement(self, value: float, reference: float | None) -> bool:
        return reference is None or bool(self.monitor_op(value - self.min_delta, reference))

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        current = (logs or {}).get(self.monitor)
        if current is None:
            warn_missing("Early stopping", self.monitor, logs)
            return
        if epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            # Until something improves, the first monitored epoch's weights are the best.
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best, self.best_epoch = float(current), epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs: dict | None = None) -> None:
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)
