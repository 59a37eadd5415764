"""Batches read from Python code: generators and iterators (read once), and iterables such as a
PyTorch ``DataLoader`` (read anew each epoch).

A generator's batches are spread over the epochs: each epoch takes the next ``steps_per_epoch`` of
them, and once it stops yielding, training ends with Keras' warning.  An iterable (anything with
``__iter__`` that is not an array: a ``DataLoader``, a list-like of batches) is iterated afresh each
epoch; ``len()`` gives its batch count when it has one.  Batches may hold NumPy arrays or other
libraries' tensors: each batch is converted once, when it is read (see ``data.prepare_xy``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .. import data
from ..data import Batch
from .base import DataAdapter


class GeneratorAdapter(DataAdapter):
    """A generator or iterator of batches, consumed across epochs.

    The batch read ahead (by :meth:`first_batch` to build the model, or by :meth:`ready_for_epoch`
    to see whether another epoch can start) is kept and trained on first: no batch is read twice
    and none is lost.
    """

    def __init__(self, spec: data.DataSpec, source: Any, where: str, size: int | None = None,
                 class_weight: dict | None = None, steps: int | None = None, labels: bool = True) -> None:
        super().__init__(spec, where, size, class_weight, steps, labels)
        self.source = source
        self._iterator: Iterator[Any] | None = None  # this epoch's iterator; None until an epoch starts
        self._pending: Batch | None = None           # a prepared batch read ahead, not yet used

    def _start(self) -> Iterator[Any]:
        """The iterator batches are read from: the generator itself, whatever the epoch."""
        return self.source

    def _read_ahead(self) -> bool:
        """Read (and prepare) the next batch into ``_pending``; False when the data has ended."""
        if self._pending is None:
            if self._iterator is None:
                self._iterator = self._start()
            try:
                raw = next(self._iterator)
            except StopIteration:
                return False
            self._pending = self.prepare(raw)
        return True

    def first_batch(self) -> Batch:
        if not self._read_ahead():
            raise ValueError(f"{data.call_name(self.where)}: the {_kind(self.source)} yielded no batches")
        assert self._pending is not None
        return self._pending

    def ready_for_epoch(self) -> bool:
        if self._read_ahead():
            return True
        self.warn_ran_out()
        return False

    def _batches(self) -> Iterator[Batch]:
        if self._pending is not None:
            batch, self._pending = self._pending, None
            yield batch
        if self._iterator is None:
            self._iterator = self._start()
        while True:  # next() rather than "yield from": closing this epoch must not close the user's generator
            try:
                raw = next(self._iterator)
            except StopIteration:
                return
            yield self.prepare(raw)


class IterableAdapter(GeneratorAdapter):
    """An iterable of batches (a PyTorch ``DataLoader``...), iterated afresh every epoch."""

    def __init__(self, spec: data.DataSpec, source: Any, where: str, class_weight: dict | None = None,
                 steps: int | None = None, labels: bool = True) -> None:
        super().__init__(spec, source, where, _length(source), class_weight, steps, labels)

    def _start(self) -> Iterator[Any]:
        return iter(self.source)

    def _end_epoch(self) -> None:
        self._iterator = None  # the next epoch starts a new pass (a DataLoader reshuffles then)


def _length(source: Any) -> int | None:
    """``len(source)`` (a DataLoader knows its batch count), or None when it has none."""
    try:
        return len(source)
    except TypeError:  # no __len__, or one that refuses (a DataLoader over an IterableDataset)
        return None


def _kind(source: Any) -> str:
    return "generator" if hasattr(source, "__next__") else type(source).__name__
