"""Arrays in memory: NumPy arrays, pandas DataFrames/Series, tensors, lists/dicts of them (several inputs).

The arrays are checked and converted once, up front (``data.prepare_xy``); an epoch then slices
batches out of them, in order or in a random order drawn from glassnet's generator at the start of
the epoch (so ``set_random_seed`` repeats a run exactly).  ``validation_split`` is cut here too.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from ... import backend
from .. import data
from ..data import Batch
from .base import DataAdapter, warn


class ArrayAdapter(DataAdapter):
    """Batches of ``batch_size`` samples sliced from arrays that were already checked.

    Parameters
    ----------
    spec : DataSpec
        The model's data description (kept for the interface; the arrays are already prepared).
    arrays : (xs, ys, sws)
        Prepared arrays: one per input, one per output (or None), sample weights (or None).
    where : str
        ``"fit"``, ``"evaluate"``, ``"predict"`` or ``"validation_data"``.
    batch_size : int
    shuffle : bool
        A new random order of the samples every epoch.
    class_weight, steps
        As for :class:`DataAdapter`.
    """

    def __init__(self, spec: data.DataSpec, arrays: Batch, where: str, batch_size: int, shuffle: bool = False,
                 class_weight: dict | None = None, steps: int | None = None) -> None:
        self.samples = len(arrays[0][0])
        super().__init__(spec, where, math.ceil(self.samples / batch_size), class_weight, steps)
        self.xs, self.ys, self.sws = self.weighted(arrays)  # class weights once, for the whole training set
        self.batch_size = batch_size
        self.shuffle = shuffle
        # Captured now, as the loop always did: set_random_seed() inside a callback does not move it.
        self.rng = backend.rng()

    def first_batch(self) -> Batch:
        return self._slice(slice(0, self.batch_size))

    def _batches(self) -> Iterator[Batch]:
        for index in data.batch_indices(self.samples, self.batch_size, self.shuffle, self.rng):
            yield self._slice(index)

    def _slice(self, index: slice | np.ndarray) -> Batch:
        gather = not isinstance(index, slice)  # a shuffled batch: np.take takes about half a[index]'s time

        def pick(a: Any) -> Any:
            return np.take(a, index, axis=0) if gather and isinstance(a, np.ndarray) else a[index]
        return ([pick(a) for a in self.xs], None if self.ys is None else [pick(a) for a in self.ys],
                [pick(a) for a in self.sws] if self.sws else None)


def split_validation(arrays: Batch, validation_split: float, warn_sorted: bool = True) -> tuple[Batch, Batch]:
    """Keras' ``validation_split``: the LAST fraction of the samples, cut before any shuffling.

    Returns the training part and the held-out part.  When the held-out labels are all one class
    that is rare before them (the data is sorted by label), a warning says so, unless ``warn_sorted``
    is False.
    """
    xs, ys, sws = arrays
    (train_x, train_y, train_w), (val_x, val_y, val_w) = data.split_for_validation([xs, ys, sws], validation_split)
    if warn_sorted and train_y is not None and \
            data.looks_sorted_by_label(np.concatenate([train_y[0], val_y[0]]), len(train_y[0])):
        warn("validation_split takes the LAST samples, before shuffling, and here they all belong to one class: "
             "the labels look sorted. Shuffle x and y first (or pass validation_data) to get a representative "
             "validation set.")
    return (train_x, train_y, train_w), (val_x, val_y, val_w)
