"""``BackupAndRestore``: resume an interrupted ``fit`` from its last finished epoch.

At the end of every epoch the callback writes ``backup_dir/latest.weights.h5``: the weights, the
optimizer's state (step count, slots) and the random generators' states (shuffling, dropout),
with the number of finished epochs as an attribute, atomically (an interruption during the
write leaves the previous backup). When a later ``fit`` with a callback on the same folder
begins, it loads that file into the model and training starts at that epoch, so the run ends
exactly as an uninterrupted one would have (same weights, same losses), which Keras' weights-only
backup does not promise.
"""

from __future__ import annotations

import os
import shutil
from typing import Any

from .base import Callback

_FILE = "latest.weights.h5"


class BackupAndRestore(Callback):
    """Back up the training state at each epoch end; restore it when ``fit`` starts again.

    Parameters
    ----------
    backup_dir : str or path
        A folder for this run only (not shared with another run or a ``ModelCheckpoint``).
    save_freq : "epoch" or int
        Back up at epoch ends, or every ``save_freq`` training batches. A mid-epoch backup
        resumes, as in Keras, at the start of that epoch with the mid-epoch weights, so only
        ``"epoch"`` reproduces an uninterrupted run exactly.
    double_checkpoint : bool
        Keep the previous backup too (``latest.weights.h5.bkp``), used if the latest cannot be read.
    delete_checkpoint : bool
        Delete ``backup_dir`` once training has finished (all epochs run, or stopped by a callback
        such as ``EarlyStopping``). After Ctrl-C or an error the backup is always kept.

    Examples
    --------
    >>> cb = keras.callbacks.BackupAndRestore("backup")              # doctest: +SKIP
    >>> model.fit(x, y, epochs=10, callbacks=[cb])  # interrupted   # doctest: +SKIP
    >>> model.fit(x, y, epochs=10, callbacks=[cb])  # goes on       # doctest: +SKIP
    """

    def __init__(self, backup_dir: Any, save_freq: Any = "epoch", double_checkpoint: bool = False,
                 delete_checkpoint: bool = True) -> None:
        super().__init__()
        if not backup_dir:
            raise ValueError("BackupAndRestore: empty `backup_dir` argument passed")
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(save_freq, int)
                                     or save_freq <= 0):
            raise ValueError("BackupAndRestore: invalid value for argument `save_freq`. Received: "
                             f"save_freq={save_freq!r}. Expected either 'epoch' or a positive integer.")
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = bool(double_checkpoint)
        self.delete_checkpoint = bool(delete_checkpoint)
        self._path = os.path.join(self.backup_dir, _FILE)
        self._previous_path = self._path + ".bkp"
        self._finished_epochs = 0
        self._batches = 0

    # -- hooks ----------------------------------------------------------------------------------
    def on_train_begin(self, logs: dict | None = None) -> None:
        self._batches = 0
        self._finished_epochs = 0
        path = self._path if os.path.exists(self._path) else None
        if path is None:
            return
        from ..saving.errors import SavedModelError

        try:
            epoch = self._restore(path)
        except SavedModelError:
            if not (self.double_checkpoint and os.path.exists(self._previous_path)):
                raise
            epoch = self._restore(self._previous_path)
        self._finished_epochs = epoch
        # fit reads this after on_train_begin and starts its epoch loop there (Keras' protocol).
        self.model._initial_epoch = epoch

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self._finished_epochs = epoch + 1
        if self.save_freq == "epoch":
            self._save()

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if self.save_freq == "epoch":
            return
        self._batches += 1
        if self._batches % self.save_freq == 0:
            self._save()

    def on_train_end(self, logs: dict | None = None) -> None:
        # fit also ends this way after Ctrl-C; the backup is exactly what that case needs, so keep it.
        done = self._finished_epochs >= self.params.get("epochs", 0) or getattr(self.model, "stop_training", False)
        if self.delete_checkpoint and done and os.path.isdir(self.backup_dir):
            shutil.rmtree(self.backup_dir)

    # -- the backup file ------------------------------------------------------------------------
    def _save(self) -> None:
        from ..saving import formats, training_state, weights

        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint and os.path.exists(self._path):
            shutil.copyfile(self._path, self._previous_path)
        model, epoch = self.model, self._finished_epochs

        def fill(h5: Any) -> None:
            weights.write_weights(h5, model)
            if getattr(model, "optimizer", None) is not None:
                training_state.write_training_state(h5, model)
            else:
                training_state.write_rng_state(h5, model)
            h5.attrs["backup_epoch"] = epoch

        formats.write_h5(self._path, None, fill)  # atomic: a crash here keeps the previous backup

    def _restore(self, path: str) -> int:
        """Load ``path`` into the model (all or nothing); return the number of finished epochs it holds."""
        from ..saving import formats, training_state, weights
        from ..saving.errors import SavedModelError

        model = self.model
        if not model.built or not model.weights:
            raise ValueError("To use the BackupAndRestore callback, your model must be built before you call "
                             f"fit(). Model {model.name} is unbuilt.")
        with formats.open_h5(path) as (h5, _), formats.damaged(path, "backup file"):
            pairs = weights.read_weights(h5, model, path, False, weights.layout_of(h5))
            state, rng_state = training_state.read_training_state(h5, model, path)
            epoch = h5.attrs.get("backup_epoch")
            if epoch is None or int(epoch) < 0:
                raise SavedModelError(f"'{path}' is not a BackupAndRestore backup (no 'backup_epoch')")
            epoch = int(epoch)
        weights.assign_all(pairs)
        training_state.apply_training_state(model, state, rng_state, restore_rng=True)
        return epoch

    def __repr__(self) -> str:
        return f"<BackupAndRestore backup_dir={self.backup_dir!r}>"
