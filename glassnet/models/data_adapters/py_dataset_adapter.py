"""``keras.utils.PyDataset`` / ``Sequence``, and any object with ``len()`` and ``[i]`` giving batches.

Batch ``i`` is ``dataset[i]``; an epoch reads all ``len(dataset)`` of them (or ``steps``), in order
or, with ``shuffle=True``, in a random order drawn from glassnet's generator when the epoch's first
batch is read.  ``on_epoch_begin()`` and ``on_epoch_end()`` are called around every epoch, when the
dataset has them.  A ``PyDataset`` whose ``num_batches`` is ``None`` is endless, as in Keras: give
``steps_per_epoch``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from typing import Any

from ... import backend
from ...utils.py_dataset import PyDataset
from .. import data
from ..data import Batch
from .base import DataAdapter


class PyDatasetAdapter(DataAdapter):
    """Batches ``dataset[i]`` of a ``PyDataset``, a ``Sequence`` or a look-alike (``__len__`` + ``__getitem__``)."""

    def __init__(self, spec: data.DataSpec, dataset: Any, where: str, shuffle: bool = False,
                 class_weight: dict | None = None, steps: int | None = None, labels: bool = True) -> None:
        size = dataset.num_batches if isinstance(dataset, PyDataset) else len(dataset)
        if size is None and steps is None:
            raise ValueError(f"{data.call_name(where)}: {type(dataset).__name__}.num_batches is None (an endless "
                             "dataset), so the number of batches per epoch must be given (steps_per_epoch=...)")
        super().__init__(spec, where, size, class_weight, steps, labels)
        self.dataset = dataset
        self.shuffle = shuffle
        self.rng = backend.rng()  # captured now, as for arrays

    def first_batch(self) -> Batch:
        if self.size == 0:
            raise ValueError(f"{data.call_name(self.where)}: the {type(self.dataset).__name__} holds no batches "
                             "(its __len__ is 0)")
        return self.prepare(self.dataset[0])

    def _begin_epoch(self) -> None:
        if hasattr(self.dataset, "on_epoch_begin"):
            self.dataset.on_epoch_begin()

    def _end_epoch(self) -> None:
        if hasattr(self.dataset, "on_epoch_end"):
            self.dataset.on_epoch_end()

    def _batches(self) -> Iterator[Batch]:
        order: Iterable[Any]
        if self.size is None:
            order = itertools.count()  # endless: epochs are cut at steps_per_epoch
        elif self.shuffle:
            order = self.rng.permutation(self.size)
        else:
            order = range(self.size)
        for i in order:
            yield self.prepare(self.dataset[int(i)])
