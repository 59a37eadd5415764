"""``CSVLogger``: one CSV row of logs per epoch, flushed as it goes (append mode for resumed runs)."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable
from typing import Any

import numpy as np

from .base import Callback


class CSVLogger(Callback):
    """Write ``epoch`` and the sorted log keys to ``filename`` after every epoch.

    Parameters
    ----------
    filename : str
    separator : str
    append : bool
        Add to an existing file (no second header), for a run resumed with ``initial_epoch``.

    Each row is flushed at once, so an interrupted run leaves a complete file.
    """

    def __init__(self, filename: Any, separator: str = ",", append: bool = False) -> None:
        super().__init__()
        self.filename, self.sep, self.append = os.fspath(filename), separator, append
        self.writer: csv.DictWriter | None = None
        self.keys: list[str] | None = None
        self._file: Any = None
        self._header = True

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._header = True
        if self.append and os.path.exists(self.filename):
            with open(self.filename, encoding="utf-8") as fh:
                first = fh.readline()
            self._header = not bool(first.strip())
            if first.strip():  # keep the columns the file already has
                self.keys = [k for k in first.strip().split(self.sep) if k != "epoch"]
        self._file = open(self.filename, "a" if self.append else "w", newline="", encoding="utf-8")  # noqa: SIM115

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
        if self.writer is None:
            self.writer = csv.DictWriter(self._file, fieldnames=["epoch"] + self.keys, delimiter=self.sep,
                                         restval="NA", extrasaction="ignore")
            if self._header:
                self.writer.writeheader()
        row = {"epoch": epoch, **{k: _cell(logs.get(k, "NA")) for k in self.keys}}
        self.writer.writerow(row)
        self._file.flush()

    def on_train_end(self, logs: dict | None = None) -> None:
        if self._file is not None:
            self._file.close()
        self._file, self.writer = None, None
        self.keys = None


def _cell(value: Any) -> Any:
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value.item()
    if isinstance(value, Iterable) and not isinstance(value, str):
        return f"[{', '.join(str(v) for v in value)}]"
    return value
