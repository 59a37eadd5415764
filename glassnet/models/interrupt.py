"""Ctrl-C during ``fit``: stop after the current batch, keep the weights, say how to resume.

``fit`` runs its epochs inside ``with StopAtBatchEnd(history, initial_epoch) as ctrl_c:``.  While
inside,

* the first Ctrl-C only sets ``ctrl_c.requested``; ``fit`` looks at it after each batch, so no weight
  update is left half-applied, and calls :meth:`StopAtBatchEnd.raise_if_requested` so that the
  unfinished epoch is not reported as finished (no ``on_epoch_end``, no checkpoint of it);
* a second Ctrl-C raises ``KeyboardInterrupt`` at once, for a step that takes too long;
* a ``KeyboardInterrupt`` from anywhere (a callback, a second Ctrl-C) ends the block quietly: the
  message below is printed, ``ctrl_c.interrupted`` is set, and ``fit`` returns the ``History`` of the
  finished epochs.

The handler is installed from the main thread only (Python delivers signals there) and the previous
one is always put back.
"""

from __future__ import annotations

import signal
import sys
import threading
from types import TracebackType
from typing import Any


class StopAtBatchEnd:
    """Context manager turning Ctrl-C into "stop after this batch" for the duration of ``fit``.

    Parameters
    ----------
    history : History
        The run's history: its finished epochs tell the user where to resume.
    initial_epoch : int
        The first epoch of this ``fit`` call.
    """

    def __init__(self, history: Any, initial_epoch: int) -> None:
        self.history = history
        self.initial_epoch = initial_epoch
        self.requested = False      # a first Ctrl-C arrived: stop after the current batch
        self.interrupted = False    # fit was interrupted (Ctrl-C or KeyboardInterrupt)
        self._previous: Any = None  # the SIGINT handler to restore

    def _handler(self, signum: int, frame: Any) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        print("\nCtrl-C: stopping after the current batch (press Ctrl-C again to stop at once)", file=sys.stderr)

    def raise_if_requested(self) -> None:
        """End the run here if Ctrl-C was pressed (called between batches, never inside one)."""
        if self.requested:
            raise KeyboardInterrupt

    def __enter__(self) -> StopAtBatchEnd:
        if threading.current_thread() is not threading.main_thread():
            return self
        previous = signal.getsignal(signal.SIGINT)
        if previous is None or previous is signal.SIG_IGN:  # a handler set outside Python, or Ctrl-C ignored
            return self
        try:
            signal.signal(signal.SIGINT, self._handler)
            self._previous = previous
        except (ValueError, OSError):  # embedded interpreters may refuse
            self._previous = None
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> bool:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None
        if exc_type is None or not issubclass(exc_type, KeyboardInterrupt):
            return False  # other errors propagate
        self.interrupted = True
        finished = len(self.history.epoch)
        epoch = self.initial_epoch + finished
        print(f"\nTraining interrupted during epoch {epoch + 1}: the model keeps the weights of the last "
              f"finished batch and History holds {finished} finished epoch(s). To continue, call "
              f"fit(..., initial_epoch={epoch}) (after load_model() if you restart from a checkpoint).",
              file=sys.stderr)
        return True  # fit goes on to on_train_end and returns the History
