"""``keras.utils.timeseries_dataset_from_array``: batches of sliding windows over an array, as a PyDataset.

Window ``k`` starts at ``start_index + p_k`` and holds ``sequence_length`` steps ``sampling_rate`` apart;
its target is ``targets[start_index + p_k]``; the starts ``p_k`` are ``0, sequence_stride, 2*sequence_stride,
...`` while a whole window fits before ``end_index``. The windows are views made by
``np.lib.stride_tricks.sliding_window_view``: a batch is copied out only when it is asked for.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .batch_dataset import BatchDataset


def _positive_int(value: Any, name: str, limit: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"timeseries_dataset_from_array: {name} must be a positive integer, got {value!r}")
    if limit is not None and value >= limit:
        raise ValueError(f"timeseries_dataset_from_array: {name} must be lower than the length of the data "
                         f"({limit}), got {value}")
    return int(value)


class TimeseriesDataset(BatchDataset):
    """Batches of windows (and their targets) over ``data``; made by :func:`timeseries_dataset_from_array`.

    ``ds[i]`` is ``(windows, targets)``, or ``windows`` alone when there are no targets; windows have
    shape ``(batch, sequence_length, *data.shape[1:])``. ``ds.start_positions`` are the window starts
    (relative to ``start_index``) in the order they are served.
    """

    def __init__(self, data: np.ndarray, targets: np.ndarray | None, start_positions: np.ndarray,
                 sequence_length: int, sampling_rate: int, batch_size: int | None, start_index: int,
                 end_index: int) -> None:
        super().__init__()
        span = (sequence_length - 1) * sampling_rate + 1
        view = np.lib.stride_tricks.sliding_window_view(data[start_index:end_index], span, axis=0)
        # view: (n_windows, *features, span) -> keep every sampling_rate-th step and put time at axis 1.
        self._windows = np.moveaxis(view[..., ::sampling_rate], -1, 1)
        self._targets = None if targets is None else targets[start_index:end_index]
        self.start_positions = start_positions
        self.batch_size = batch_size

    def __len__(self) -> int:
        n = len(self.start_positions)
        return n if self.batch_size is None else -(-n // self.batch_size)

    def __getitem__(self, index: int) -> Any:
        if not -len(self) <= index < len(self):
            raise IndexError(f"batch {index} out of range: the dataset has {len(self)} batches")
        index %= len(self)
        if self.batch_size is None:  # Keras' batch_size=None: one window at a time, no batch axis
            pos = self.start_positions[index]
            x = np.array(self._windows[pos])
            return x if self._targets is None else (x, np.array(self._targets[pos]))
        pos = self.start_positions[index * self.batch_size:(index + 1) * self.batch_size]
        x = self._windows[pos]
        return x if self._targets is None else (x, self._targets[pos])


def timeseries_dataset_from_array(data: Any, targets: Any, sequence_length: int, sequence_stride: int = 1,
                                  sampling_rate: int = 1, batch_size: int | None = 128, shuffle: bool = False,
                                  seed: int | None = None, start_index: int | None = None,
                                  end_index: int | None = None) -> TimeseriesDataset:
    """Sliding windows over a timeseries, in batches that ``fit``/``predict`` read (Keras' semantics).

    Parameters
    ----------
    data : array_like
        Consecutive time steps along axis 0.
    targets : array_like or None
        ``targets[i]`` is the target of the window starting at index ``i``; ``None`` for windows only.
    sequence_length : int
        Steps per window.
    sequence_stride : int, default 1
        Steps between the starts of two windows.
    sampling_rate : int, default 1
        Steps between two samples inside a window: window ``i`` is ``data[i], data[i + r], ...``.
    batch_size : int or None, default 128
        Windows per batch (the last may be smaller); ``None`` serves single windows without a batch axis.
    shuffle : bool, default False
        Shuffle the window starts (once, with ``np.random.RandomState(seed)`` as Keras does; Keras'
        further shuffling inside its ``tf.data`` buffer is not reproduced).
    start_index, end_index : int, optional
        Only ``data[start_index:end_index]`` is used (e.g. to keep a validation tail apart).

    Examples
    --------
    >>> import numpy as np, glassnet as keras
    >>> ds = keras.utils.timeseries_dataset_from_array(np.arange(10), np.arange(10) * 10, sequence_length=3,
    ...                                                 batch_size=4)
    >>> x, y = ds[0]
    >>> x.tolist(), y.tolist()
    ([[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5]], [0, 10, 20, 30])
    """
    data = np.asarray(data)
    if data.ndim == 0:
        raise ValueError("timeseries_dataset_from_array: data must have a time axis (axis 0)")
    n = len(data)
    if start_index is not None:
        if isinstance(start_index, bool) or not isinstance(start_index, (int, np.integer)) or start_index < 0:
            raise ValueError(f"timeseries_dataset_from_array: start_index must be a non-negative integer, "
                             f"got {start_index!r}")
        if start_index >= n:
            raise ValueError(f"timeseries_dataset_from_array: start_index must be lower than the length of the data "
                             f"({n}), got {start_index}")
    if end_index is not None:
        if isinstance(end_index, bool) or not isinstance(end_index, (int, np.integer)) or end_index <= 0:
            raise ValueError(f"timeseries_dataset_from_array: end_index must be a positive integer, got {end_index!r}")
        if start_index and end_index <= start_index:
            raise ValueError(f"timeseries_dataset_from_array: end_index ({end_index}) must be higher than "
                             f"start_index ({start_index})")
        if end_index >= n:
            raise ValueError(f"timeseries_dataset_from_array: end_index must be lower than the length of the data "
                             f"({n}), got {end_index}")
    sequence_length = _positive_int(sequence_length, "sequence_length")
    sampling_rate = _positive_int(sampling_rate, "sampling_rate", n)
    sequence_stride = _positive_int(sequence_stride, "sequence_stride", n)
    if batch_size is not None:
        batch_size = _positive_int(batch_size, "batch_size")
    start = 0 if start_index is None else int(start_index)
    end = n if end_index is None else int(end_index)

    num_seqs = end - start - (sequence_length - 1) * sampling_rate
    if targets is not None:
        targets = np.asarray(targets)
        if targets.ndim == 0:
            raise ValueError("timeseries_dataset_from_array: targets must be an array with one entry per time step")
        num_seqs = min(num_seqs, len(targets) - start)
    if num_seqs <= 0:
        raise ValueError(f"timeseries_dataset_from_array: no whole window fits: {end - start} steps from "
                         f"start_index {start} to end_index {end}, but a window of sequence_length={sequence_length} "
                         f"with sampling_rate={sampling_rate} spans {(sequence_length - 1) * sampling_rate + 1}")
    start_positions = np.arange(0, num_seqs, sequence_stride)
    if shuffle:
        if seed is None:
            seed = int(np.random.randint(1_000_000))
        np.random.RandomState(seed).shuffle(start_positions)
    return TimeseriesDataset(data, targets, start_positions, sequence_length, sampling_rate, batch_size, start, end)
