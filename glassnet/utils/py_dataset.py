"""``keras.utils.PyDataset`` (and its Keras 2 name ``Sequence``): a dataset of batches written in Python.

Subclass it, give it ``__len__`` (the number of batches) and ``__getitem__(i)`` (batch ``i`` as
``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``), and pass it to ``fit``, ``evaluate`` or ``predict``
as ``x``.  Batches can be computed on the fly (images read from files, augmentation), so the whole
data set never has to sit in memory.  ``fit`` calls ``on_epoch_begin()``/``on_epoch_end()`` around
every epoch (e.g. to reshuffle samples) and, with ``shuffle=True``, visits the batches in a new random
order each epoch, drawn from glassnet's generator (so ``set_random_seed`` makes it repeatable).

Example
-------
>>> import numpy as np
>>> import glassnet as keras
>>> class Squares(keras.utils.PyDataset):
...     def __init__(self, n, batch_size, **kwargs):
...         super().__init__(**kwargs)
...         self.x = np.arange(n, dtype="float32").reshape(-1, 1)
...         self.batch_size = batch_size
...     def __len__(self):
...         return -(-len(self.x) // self.batch_size)  # ceil: the last batch may be smaller
...     def __getitem__(self, i):
...         x = self.x[i * self.batch_size:(i + 1) * self.batch_size]
...         return x, x ** 2
>>> len(Squares(10, 4)), Squares(10, 4)[2][1].ravel().tolist()
(3, [64.0, 81.0])
"""

from __future__ import annotations

from typing import Any


class PyDataset:
    """Base class for a dataset of batches computed in Python (``keras.utils.PyDataset``).

    Parameters
    ----------
    workers : int, default 1
        Keras reads batches in this many threads or processes.  glassnet accepts the argument (so
        Keras code runs unchanged) but reads batches one after the other in the training thread:
        the order, and so a seeded run, stays the same whatever the machine.
    use_multiprocessing : bool, default False
        Accepted and recorded, as ``workers``.
    max_queue_size : int, default 10
        Accepted and recorded, as ``workers``.
    """

    def __init__(self, workers: int = 1, use_multiprocessing: bool = False, max_queue_size: int = 10) -> None:
        self.workers = workers
        self.use_multiprocessing = use_multiprocessing
        self.max_queue_size = max_queue_size

    def __getitem__(self, index: int) -> Any:
        """Batch number ``index``: ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``."""
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__(self, index) returning a batch")

    def __len__(self) -> int:
        """The number of batches in one epoch."""
        raise NotImplementedError(f"{type(self).__name__} must define __len__(self), the number of batches")

    @property
    def num_batches(self) -> int | None:
        """Batches per epoch: ``len(self)`` unless overridden (``None`` means endless, as in Keras)."""
        return len(self)

    def on_epoch_begin(self) -> None:
        """Called by ``fit``/``evaluate``/``predict`` before each epoch's first batch."""

    def on_epoch_end(self) -> None:
        """Called after each epoch's last batch (override it to reshuffle samples, for instance)."""


# Keras 3 keeps the Keras 2 name as the same class, so code written for either runs as is.
Sequence = PyDataset
