"""``ProgbarLogger``: prints ``Epoch i/n`` and the progress bar during ``fit``/``evaluate``/``predict``."""

from __future__ import annotations

from typing import Any

from ..utils.progbar import Progbar
from .base import Callback


class ProgbarLogger(Callback):
    """Keras' progress output: verbose=1 a live bar per epoch, verbose=2 one line per epoch.

    ``fit``/``evaluate``/``predict`` add one when ``verbose`` is not 0, unless one is among the
    callbacks already. The mode is the call's ``verbose`` (``"auto"`` means 1).

    Parameters
    ----------
    count_mode : {"steps", "samples"}
        Keras 2's argument, accepted: as in Keras 3 the bar always counts steps (batches).
    stateful_metrics : iterable of str, optional
        Keras 2's argument, accepted: every logged value is already a running mean over the
        epoch, so all of them are shown as they come (Keras 3's behaviour).
    stream : file-like, optional
        Where to print (default: ``sys.stdout``).
    """

    def __init__(self, count_mode: str = "steps", stateful_metrics: Any = None, stream: Any = None) -> None:
        super().__init__()
        if count_mode not in ("steps", "samples"):
            raise ValueError(f"ProgbarLogger: unknown `count_mode`: {count_mode!r}; expected 'steps' or 'samples'")
        self.count_mode = count_mode
        self.stateful_metrics = set(stateful_metrics or ())
        self.stream = stream
        self.bar: Progbar | None = None
        self.seen = 0

    def set_params(self, params: dict[str, Any]) -> None:
        params = dict(params)
        if params.get("verbose") == "auto":
            params["verbose"] = 1
        super().set_params(params)

    def _new_bar(self) -> None:
        self.bar = Progbar(self.params.get("steps"), verbose=self.params.get("verbose", 1), stream=self.stream)
        self.seen = 0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        epochs = self.params.get("epochs", 1)
        if epochs > 1 and self.params.get("verbose", 1):
            out = self.stream
            print(f"Epoch {epoch + 1}/{epochs}", file=out, flush=True)
        self._new_bar()

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self.seen = batch + 1
        if self.bar is not None and self.params.get("verbose") == 1:
            self.bar.update(self.seen, logs, finalize=False)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if self.bar is not None:
            self.bar.update(self.seen, logs, finalize=True)

    def on_test_begin(self, logs: dict | None = None) -> None:
        if self.params.get("mode") == "evaluate":
            self._new_bar()

    def on_test_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if self.params.get("mode") == "evaluate" and self.bar is not None:
            self.seen = batch + 1
            if self.params.get("verbose") == 1:
                self.bar.update(self.seen, logs, finalize=False)

    def on_test_end(self, logs: dict | None = None) -> None:
        if self.params.get("mode") == "evaluate" and self.bar is not None:
            self.bar.update(self.seen, logs, finalize=True)

    def on_predict_begin(self, logs: dict | None = None) -> None:
        self._new_bar()

    def on_predict_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self.seen = batch + 1
        if self.bar is not None and self.params.get("verbose") == 1:
            self.bar.update(self.seen, None, finalize=False)

    def on_predict_end(self, logs: dict | None = None) -> None:
        if self.bar is not None:
            self.bar.update(self.seen, None, finalize=True)
