"""The few ``tf.data.Dataset`` methods Keras' tutorials call on the datasets Keras' utilities return.

``keras.utils.timeseries_dataset_from_array`` and ``text_dataset_from_directory`` give
``tf.data.Dataset`` objects in Keras; glassnet gives :class:`~glassnet.utils.PyDataset` batches.
:class:`BatchDataset` adds what tutorial code does with them: ``ds.take(1)`` to peek at a batch,
``ds.map(fn)`` to vectorize, ``ds.cache().prefetch(10)`` (nothing to do here: batches are read in
the training thread) and ``ds.cardinality()``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from .py_dataset import PyDataset


class BatchDataset(PyDataset):
    """A :class:`PyDataset` of batches with ``take``, ``map``, ``cache``, ``prefetch`` and ``cardinality``."""

    def __iter__(self) -> Iterator[Any]:
        return (self[i] for i in range(len(self)))

    def take(self, count: int) -> BatchDataset:
        """The first ``count`` batches (all of them for ``count=-1``), as ``tf.data.Dataset.take``."""
        return _Taken(self, len(self) if count == -1 else min(int(count), len(self)))

    def map(self, map_func: Callable[..., Any], num_parallel_calls: Any = None, deterministic: Any = None) -> BatchDataset:
        """Batches transformed by ``map_func``; a ``(x, y)`` batch is passed as two arguments, as tf.data does."""
        return _Mapped(self, map_func)

    def cache(self, filename: str = "") -> BatchDataset:
        """The dataset itself: its batches come from arrays or files already (tf.data keeps them in memory)."""
        return self

    def prefetch(self, buffer_size: Any = None) -> BatchDataset:
        """The dataset itself: glassnet reads batches in the training thread, one after the other."""
        return self

    def cardinality(self) -> int:
        """The number of batches (tf.data returns it as a scalar tensor)."""
        return len(self)

    def as_numpy_iterator(self) -> Iterator[Any]:
        """The batches, as NumPy arrays already."""
        return iter(self)


class _Derived(BatchDataset):
    """A dataset over another one's batches; epoch hooks reach the source (to reshuffle it)."""

    def __init__(self, source: BatchDataset) -> None:
        super().__init__()
        self.source = source

    def __len__(self) -> int:
        return len(self.source)

    def on_epoch_begin(self) -> None:
        self.source.on_epoch_begin()

    def on_epoch_end(self) -> None:
        self.source.on_epoch_end()


class _Taken(_Derived):
    def __init__(self, source: BatchDataset, count: int) -> None:
        super().__init__(source)
        self.count = count

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index: int) -> Any:
        if not -self.count <= index < self.count:
            raise IndexError(f"batch {index} out of range: the dataset has {self.count} batches")
        return self.source[index % self.count]


class _Mapped(_Derived):
    def __init__(self, source: BatchDataset, map_func: Callable[..., Any]) -> None:
        super().__init__(source)
        self.map_func = map_func

    def __getitem__(self, index: int) -> Any:
        batch = self.source[index]
        return self.map_func(*batch) if isinstance(batch, tuple) else self.map_func(batch)
