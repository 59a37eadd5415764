"""Stop rules a lecture states in one line: "stop when the test loss is below 0.05", "stop when the
gradient is (almost) zero".

``EarlyStopping`` stops when a value has stopped *improving*; these stop when a value has *reached*
a target, which is what the TensorFlow Playground's users asked for (its issue #7).
"""

from __future__ import annotations

import math

import numpy as np

from ..checks import ArgumentTypeError, check_number
from ._monitor import monitor_op, warn_missing
from .base import Callback

_MODES = ("auto", "below", "above")


class StopAtThreshold(Callback):
    """Stop ``fit`` at the end of the first epoch whose ``monitor`` value crosses ``threshold``.

    Parameters
    ----------
    monitor : str
        Log key to watch, ``"val_loss"`` by default (the test loss, when ``fit`` is given
        ``validation_data``).
    threshold : float
        The target value.
    mode : {"auto", "below", "above"}
        ``"below"`` stops once ``value < threshold`` (losses), ``"above"`` once ``value > threshold``
        (accuracies).  ``"auto"`` picks "above" for accuracy-like names (``accuracy``, ``auc``...)
        and "below" otherwise, as ``EarlyStopping`` chooses between max and min.
    verbose : int
        1 (default) prints the epoch, the value and the threshold when it stops.

    Attributes
    ----------
    stopped_epoch : int or None
        The (0-based) epoch after which training stopped; None if the threshold was never crossed.
    stopped_value : float or None
        The monitored value at that epoch.

    Examples
    --------
    >>> rule = StopAtThreshold(monitor="val_loss", threshold=0.05)
    >>> rule.mode
    'below'
    """

    def __init__(self, monitor: str = "val_loss", threshold: float = 0.05, mode: str = "auto",
                 verbose: int = 1) -> None:
        super().__init__()
        if not isinstance(monitor, str) or not monitor:
            raise ArgumentTypeError(f"StopAtThreshold: monitor must be a log key such as 'val_loss', got {monitor!r}")
        if mode not in _MODES:
            raise ValueError(f"StopAtThreshold: mode must be one of {', '.join(map(repr, _MODES))}, got {mode!r}")
        self.monitor = monitor
        self.threshold = check_number(threshold, "threshold", "StopAtThreshold")
        if mode == "auto":
            mode = "above" if monitor_op("auto", monitor, "StopAtThreshold") is np.greater else "below"
        self.mode = mode
        self.verbose = verbose
        self.stopped_epoch: int | None = None
        self.stopped_value: float | None = None

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.stopped_epoch = self.stopped_value = None

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        current = (logs or {}).get(self.monitor)
        if current is None:
            warn_missing("StopAtThreshold", self.monitor, logs)
            return
        current = float(current)
        crossed = current < self.threshold if self.mode == "below" else current > self.threshold
        if crossed:
            self.stopped_epoch, self.stopped_value = epoch, current
            self.model.stop_training = True
            if self.verbose > 0:
                sign = "<" if self.mode == "below" else ">"
                print(f"Epoch {epoch + 1}: {self.monitor} = {current:.4g} {sign} {self.threshold:g}, stopping")


class StopOnSmallGradient(Callback):
    """Stop ``fit`` once the gradient's global L2 norm ``sqrt(sum_W ||dC/dW||^2)`` falls below ``epsilon``.

    A small gradient means gradient descent has (nearly) reached a flat point: a minimum, or a
    plateau.  The norm is the optimizer's :meth:`~glassnet.optimizers.Optimizer.last_gradient_norm`,
    i.e. the gradient of one batch, as the update used it (after clipping).

    Parameters
    ----------
    epsilon : float
        The norm below which training stops (> 0).
    per : {"epoch", "batch"}
        ``"epoch"`` (default): checked at the end of each epoch, it stops when *every* batch of
        that epoch had a norm below ``epsilon`` (one lucky mini-batch is not enough), and adds the
        epoch's largest norm to the logs as ``gradient_norm`` (so ``History`` records it).
        ``"batch"``: stops after the first batch whose norm is below ``epsilon``.
    verbose : int
        1 (default) prints where it stopped and the norm.

    Attributes
    ----------
    stopped_epoch : int or None
        The (0-based) epoch in which training stopped; None if it never did.
    stopped_batch : int or None
        With ``per="batch"``, the batch index after which it stopped.
    norms : list of float
        With ``per="epoch"``, each epoch's largest batch gradient norm.
    """

    def __init__(self, epsilon: float = 1e-4, per: str = "epoch", verbose: int = 1) -> None:
        super().__init__()
        self.epsilon = check_number(epsilon, "epsilon", "StopOnSmallGradient", low=0, low_open=True)
        if per not in ("epoch", "batch"):
            raise ValueError(f"StopOnSmallGradient: per must be 'epoch' or 'batch', got {per!r}")
        self.per, self.verbose = per, verbose
        self._reset()

    def _reset(self) -> None:
        self.stopped_epoch: int | None = None
        self.stopped_batch: int | None = None
        self.norms: list[float] = []
        self._epoch = 0
        self._largest = 0.0

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._reset()
        if getattr(getattr(self.model, "optimizer", None), "last_gradient_norm", None) is None:
            raise RuntimeError("StopOnSmallGradient reads model.optimizer.last_gradient_norm(): compile the model "
                               "with a glassnet optimizer first")

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._epoch, self._largest = epoch, 0.0

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        norm = float(self.model.optimizer.last_gradient_norm())
        # NaN compares False: max() would drop it, so a NaN gradient is kept as "not small".
        self._largest = math.inf if math.isnan(norm) else max(self._largest, norm)
        if self.per == "batch" and norm < self.epsilon:
            self.stopped_epoch, self.stopped_batch = self._epoch, batch
            self._stop(f"Epoch {self._epoch + 1}, batch {batch + 1}: gradient norm {norm:.3g}")

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if self.per != "epoch":
            return
        self.norms.append(self._largest)
        if logs is not None:
            logs["gradient_norm"] = self._largest
        if self._largest < self.epsilon and self.stopped_epoch is None:
            self.stopped_epoch = epoch
            self._stop(f"Epoch {epoch + 1}: largest gradient norm of the epoch {self._largest:.3g}")

    def _stop(self, where: str) -> None:
        self.model.stop_training = True
        if self.verbose > 0:
            print(f"{where} < epsilon {self.epsilon:g}, stopping")
