"""``History``: the per-epoch record that ``fit`` returns."""

from __future__ import annotations

from typing import Any

from .base import Callback


class History(Callback):
    """Records every epoch's logs: ``history.history['val_loss'][-1]``.

    Attributes
    ----------
    history : dict of str to list of float
        One list per log key (``loss``, ``accuracy``, ``val_loss``...), one entry per epoch.
    epoch : list of int
        The epoch indices recorded.
    """

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.epoch = []

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        if self.model is not None:
            self.model.history = self

    def plot(self, *args: Any, **kwargs: Any) -> Any:
        """Plot the loss and each metric, training against validation (see ``glassnet.plotting``)."""
        from ..plotting import plot_history

        return plot_history(self, *args, **kwargs)

    def __repr__(self) -> str:
        return f"<History epochs={len(self.epoch)} keys={sorted(self.history)}>"
