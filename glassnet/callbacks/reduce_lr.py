"""``ReduceLROnPlateau``: divide the learning rate when a monitored metric stops improving."""

from __future__ import annotations

import numpy as np

from ._monitor import monitor_op, warn_missing
from .base import Callback
from .lr_scheduler import current_lr, set_lr


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by ``factor`` after ``patience`` epochs without improvement.

    Parameters
    ----------
    monitor : str
    factor : float
        ``new_lr = lr * factor``; must be below 1.
    patience : int
        Epochs without improvement before a reduction.
    verbose : int
    mode : {"auto", "min", "max"}
    min_delta : float
        Threshold for counting a change as an improvement.
    cooldown : int
        Epochs to wait after a reduction before counting again.
    min_lr : float
        Lower bound on the learning rate.
    """

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10, verbose: int = 0,
                 mode: str = "auto", min_delta: float = 1e-4, cooldown: int = 0, min_lr: float = 0.0,
                 **kwargs: object) -> None:
        super().__init__()
        if "epsilon" in kwargs:  # Keras 2 name of min_delta
            min_delta = float(kwargs.pop("epsilon"))  # type: ignore[arg-type]
        if kwargs:
            raise TypeError(f"ReduceLROnPlateau: unexpected keyword argument(s) {', '.join(sorted(kwargs))}")
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0, got {factor}")
        self.monitor, self.factor, self.patience, self.verbose = monitor, float(factor), int(patience), verbose
        self.min_delta, self.cooldown, self.min_lr = float(min_delta), int(cooldown), float(min_lr)
        self._better = monitor_op(mode, monitor, "ReduceLROnPlateau")
        self._reset()

    def _reset(self) -> None:
        self.best = np.inf if self._better is np.less else -np.inf
        self.wait = 0
        self.cooldown_counter = 0

    def _improved(self, current: float) -> bool:
        if self._better is np.less:
            return bool(np.less(current, self.best - self.min_delta))
        return bool(np.greater(current, self.best + self.min_delta))

    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._reset()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs if logs is not None else {}
        logs["learning_rate"] = current_lr(self.model)
        current = logs.get(self.monitor)
        if current is None:
            warn_missing("Learning rate reduction", self.monitor, logs)
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._improved(current):
            self.best = float(current)
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                old_lr = current_lr(self.model)
                if np.float32(old_lr) > np.float32(self.min_lr):
                    new_lr = max(old_lr * self.factor, self.min_lr)
                    set_lr(self.model, new_lr, "ReduceLROnPlateau")
                    if self.verbose > 0:
                        print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new_lr}.")
                    self.cooldown_counter = self.cooldown
                    self.wait = 0
