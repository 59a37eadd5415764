"""Data adapters: whatever ``fit``, ``evaluate`` and ``predict`` are given as ``x``, one way to read it.

The training loop only ever sees a :class:`DataAdapter`::

    adapter = get_data_adapter(spec, x, y, sample_weight, where="evaluate", batch_size=32)
    xs, ys, sws = adapter.first_batch()        # to build the model, run the pre-flight checks
    adapter.num_batches                        # batches per epoch, or None when unknown (a generator)
    while adapter.ready_for_epoch():           # False once a generator is used up (with a warning)
        for step, (xs, ys, sws) in adapter.epoch():
            ...                                # one training/test/predict step
        if adapter.ran_out: break              # the data ended inside the epoch (Keras' warning given)

Every batch comes out prepared, the same for every kind of data: ``xs`` one NumPy array per model
input, ``ys`` one per output (``None`` without labels), ``sws`` per-output sample weights (``None``
without), with ``class_weight`` already multiplied in (:meth:`DataAdapter.weighted`, the one place
it is applied).

Which adapter reads ``x``:

=============================================  ==========================================================
``x``                                          adapter
=============================================  ==========================================================
arrays, DataFrames, tensors, lists/dicts        :class:`ArrayAdapter` (checked once, sliced into batches)
``keras.utils.PyDataset`` / ``Sequence``,       :class:`PyDatasetAdapter` (``x[i]``, ``on_epoch_end``)
or anything with ``len()`` and ``[i]``
a generator or iterator                         :class:`GeneratorAdapter` (read once across epochs)
another iterable (a PyTorch ``DataLoader``)     :class:`IterableAdapter` (``iter(x)`` every epoch)
=============================================  ==========================================================

With a source of batches (the last three), labels and sample weights come inside the batches:
``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ...utils.py_dataset import PyDataset
from .. import data
from .array_adapter import ArrayAdapter, split_validation
from .base import DataAdapter, split_batch
from .generator_adapter import GeneratorAdapter, IterableAdapter
from .py_dataset_adapter import PyDatasetAdapter


def is_batch_source(x: Any) -> bool:
    """True when ``x`` gives batches (a generator, a PyDataset, a DataLoader...) rather than being data."""
    if isinstance(x, PyDataset):
        return True
    if x is None or isinstance(x, (np.ndarray, list, tuple, dict, str, bytes, os.PathLike)):
        return False
    if hasattr(x, "shape") or hasattr(x, "__array__") or hasattr(x, "to_numpy"):
        return False  # one array: a tensor (it has __iter__ too), a DataFrame, a Series
    return hasattr(x, "__next__") or hasattr(x, "__iter__") or hasattr(x, "__getitem__") and hasattr(x, "__len__")


def get_data_adapter(spec: data.DataSpec, x: Any, y: Any = None, sample_weight: Any = None, *, where: str,
                     batch_size: int = 32, shuffle: bool = False, class_weight: dict | None = None,
                     steps: int | None = None, labels: bool = True) -> DataAdapter:
    """The adapter reading ``x`` (and, for arrays, ``y`` and ``sample_weight``) in ``fit``/``evaluate``/``predict``.

    Parameters
    ----------
    spec : DataSpec
        The model being fed, for the checks (``Trainer._data_spec()``).
    where : str
        ``"fit"``, ``"evaluate"``, ``"predict"`` or ``"validation_data"``: names the data in messages.
    labels : bool
        False for ``predict``: only the inputs are read.
    """
    if not is_batch_source(x):
        arrays = data.prepare_xy(spec, x, y, sample_weight, where)
        return ArrayAdapter(spec, arrays, where, batch_size, shuffle, class_weight, steps)
    if y is not None or sample_weight is not None:
        raise ValueError(f"{where}(): x is a generator/Sequence of batches, so y and sample_weight must come "
                         "from its batches ((x, y) or (x, y, sample_weight)), not from arguments")
    if hasattr(x, "__next__"):
        return GeneratorAdapter(spec, x, where, None, class_weight, steps, labels)
    if isinstance(x, PyDataset) or hasattr(x, "__getitem__") and hasattr(x, "__len__"):
        return PyDatasetAdapter(spec, x, where, shuffle, class_weight, steps, labels)
    return IterableAdapter(spec, x, where, class_weight, steps, labels)


def get_fit_adapters(spec: data.DataSpec, x: Any, y: Any, sample_weight: Any, *, batch_size: int, shuffle: bool,
                     class_weight: dict | None, steps_per_epoch: int | None, validation_data: Any,
                     validation_split: float, validation_batch_size: int | None, validation_steps: int | None,
                     warn_sorted_split: bool = True) -> tuple[DataAdapter, DataAdapter | None]:
    """``fit``'s training adapter and its validation adapter (None without validation).

    ``validation_data`` wins over ``validation_split``, which cuts the last fraction of array data
    (before shuffling and before class weights, as in Keras).
    """
    val_batch_size = validation_batch_size or batch_size
    if validation_split and is_batch_source(x):
        raise ValueError("fit(): validation_split needs arrays; with a generator/Sequence pass validation_data "
                         "instead")
    if validation_split and validation_data is None:
        arrays, held_out = split_validation(data.prepare_xy(spec, x, y, sample_weight, "fit"), validation_split,
                                            warn_sorted_split)
        return (ArrayAdapter(spec, arrays, "fit", batch_size, shuffle, class_weight, steps_per_epoch),
                ArrayAdapter(spec, held_out, "validation_data", val_batch_size, steps=validation_steps))
    train = get_data_adapter(spec, x, y, sample_weight, where="fit", batch_size=batch_size, shuffle=shuffle,
                             class_weight=class_weight, steps=steps_per_epoch)
    if validation_data is None:
        return train, None
    if is_batch_source(validation_data):
        val_x, val_y, val_sw = validation_data, None, None
    elif isinstance(validation_data, (tuple, list)) and len(validation_data) in (2, 3):
        val_x, val_y, val_sw = split_batch(tuple(validation_data), "validation_data")
    else:
        raise ValueError("validation_data must be a tuple (x_val, y_val) or (x_val, y_val, sample_weight), got "
                         f"{type(validation_data).__name__}"
                         + (f" of length {len(validation_data)}" if hasattr(validation_data, "__len__") else ""))
    return train, get_data_adapter(spec, val_x, val_y, val_sw, where="validation_data", batch_size=val_batch_size,
                                   steps=validation_steps)


__all__ = ["ArrayAdapter", "DataAdapter", "GeneratorAdapter", "IterableAdapter", "PyDatasetAdapter",
           "get_data_adapter", "get_fit_adapters", "is_batch_source", "split_batch"]
