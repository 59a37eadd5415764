"""``LearningRateScheduler``: set the learning rate at the start of every epoch from a function."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .base import Callback


def current_lr(model: Any) -> float:
    """The optimizer's learning rate now, as a float."""
    return float(model.optimizer.learning_rate)


def set_lr(model: Any, value: float, owner: str) -> None:
    """Set a float learning rate (a schedule object cannot be overwritten, as in Keras)."""
    from ..optimizers.schedules import LearningRateSchedule

    if isinstance(model.optimizer._learning_rate, LearningRateSchedule):
        raise TypeError(f"{owner}: the optimizer's learning rate is a schedule "
                        f"({type(model.optimizer._learning_rate).__name__}); it cannot also be set by a callback")
    model.optimizer.learning_rate = float(value)


class LearningRateScheduler(Callback):
    """Call ``schedule(epoch, lr)`` (or ``schedule(epoch)``) before each epoch and use its result.

    Parameters
    ----------
    schedule : callable
        Takes the epoch index (from 0) and the current learning rate; returns the new rate.
    verbose : int
        1 prints the rate set at each epoch.
    """

    def __init__(self, schedule: Callable[..., Any], verbose: int = 0) -> None:
        super().__init__()
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        lr = current_lr(self.model)
        try:
            lr = self.schedule(epoch, lr)
        except TypeError:  # Keras also accepts the one-argument form schedule(epoch)
            lr = self.schedule(epoch)
        try:
            lr = float(lr)
        except (TypeError, ValueError):
            raise ValueError(f'The output of the "schedule" function should be a float. Got: {lr!r}') from None
        set_lr(self.model, lr, "LearningRateScheduler")
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {lr}.")

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if logs is not None:
            logs["learning_rate"] = current_lr(self.model)
