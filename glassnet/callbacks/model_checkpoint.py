"""``ModelCheckpoint``: save the model (or its weights) during training, atomically."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ._monitor import monitor_op, warn_missing
from .base import Callback


class ModelCheckpoint(Callback):
    """Save the model after every epoch (or every ``save_freq`` batches), optionally only the best.

    Parameters
    ----------
    filepath : str
        May hold ``str.format`` fields: ``epoch`` (counted from 1) and any log key, e.g.
        ``"model-{epoch:02d}-{val_loss:.2f}.keras"``.  Must end in ``.keras`` or ``.h5``, or in
        ``.weights.h5`` (``.h5``) when ``save_weights_only=True``.
    monitor : str
        Log key compared when ``save_best_only`` is set.
    verbose : int
        1 prints a line for every save decision.
    save_best_only : bool
        Save only when ``monitor`` improves on the best value so far.
    save_weights_only : bool
        Call ``save_weights`` instead of ``save``.
    mode : {"auto", "min", "max"}
    save_freq : "epoch" or int
        Save at epoch ends, or after every this many batches.
    initial_value_threshold : float, optional
        The value ``monitor`` must beat for the first save with ``save_best_only``.

    Every file is written through a temporary file and renamed, so an interrupted save
    never leaves a half-written checkpoint.
    """

    def __init__(self, filepath: Any, monitor: str = "val_loss", verbose: int = 0, save_best_only: bool = False,
                 save_weights_only: bool = False, mode: str = "auto", save_freq: Any = "epoch",
                 initial_value_threshold: float | None = None) -> None:
        super().__init__()
        self.filepath = os.fspath(filepath)
        self.monitor, self.verbose = monitor, verbose
        self.save_best_only, self.save_weights_only = save_best_only, save_weights_only
        if save_freq != "epoch" and (not isinstance(save_freq, int) or isinstance(save_freq, bool) or save_freq <= 0):
            raise ValueError(f"ModelCheckpoint: save_freq must be 'epoch' or a positive integer, got {save_freq!r}")
        self.save_freq = save_freq
        if save_weights_only:
            if not self.filepath.endswith((".h5", ".hdf5")):
                raise ValueError("ModelCheckpoint: when save_weights_only=True the filepath must end in "
                                 f"'.weights.h5', got '{self.filepath}'")
        elif not self.filepath.endswith((".keras", ".h5", ".hdf5")):
            raise ValueError(f"ModelCheckpoint: the filepath must end in '.keras' (or '.h5'), got '{self.filepath}'"
                             "; use save_weights_only=True with a '.weights.h5' name to save weights only")
        self.monitor_op = monitor_op(mode, monitor, "ModelCheckpoint")
        worst = np.inf if self.monitor_op is np.less else -np.inf
        self.best = worst if initial_value_threshold is None else float(initial_value_threshold)
        self._batches = 0
        self._epoch = 0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._epoch = epoch

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if self.save_freq == "epoch":
            return
        self._batches += 1
        if self._batches % self.save_freq == 0:
            self._save(self._epoch, batch, logs)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if self.save_freq == "epoch":
            self._save(epoch, None, logs)

    def _path_for(self, epoch: int, batch: int | None, logs: dict | None) -> str:
        fields = dict(logs or {})
        if batch is not None:
            fields["batch"] = batch + 1
        try:
            return self.filepath.format(epoch=epoch + 1, **fields)
        except (KeyError, IndexError, ValueError) as err:
            raise KeyError(f"Failed to format this callback filepath: \"{self.filepath}\". Reason: {err!r} is not "
                           f"among the logs {sorted(fields)} (or 'epoch')") from err

    def _save(self, epoch: int, batch: int | None, logs: dict | None) -> None:
        path = self._path_for(epoch, batch, logs)
        if self.save_best_only:
            current = (logs or {}).get(self.monitor)
            if current is None:
                warn_missing("ModelCheckpoint (save_best_only)", self.monitor, logs)
                return
            if not self.monitor_op(current, self.best):
                if self.verbose > 0:
                    print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {self.best:.5f}")
                return
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to {current:.5f}, "
                      f"saving model to {path}")
            self.best = float(current)
        elif self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: saving model to {path}")
        directory = os.path.dirname(path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(path, overwrite=True)
        else:
            self.model.save(path, overwrite=True)

    def __repr__(self) -> str:
        return f"<ModelCheckpoint filepath={self.filepath!r} monitor={self.monitor!r}>"
