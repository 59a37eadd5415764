"""Turning what users pass to ``fit``/``evaluate``/``predict`` into checked arrays and batches.

:func:`prepare_xy` is the one door: every batch of every data adapter (or the whole arrays, once)
goes through it and comes out as ``(xs, ys, sws)``, lists of NumPy arrays.  Every check here names
the argument at fault (``x``, ``y``, ``sample_weight``, ``validation_data``), the sample count and
the shapes, before any training starts.  The arrays themselves (other libraries' arrays converted by
duck typing, NaN and infinities refused) come from :mod:`.user_arrays`.

Host-side by design: batching, shuffling and checks run on NumPy arrays; each batch crosses to the
device once, in the trainer (:func:`glassnet.backend.to_device`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..checks import ArgumentTypeError, check_number
from .user_arrays import labels_array_list, sample_weight_list, to_array_list

# One prepared batch: an array per model input, an array per output (None without labels), and
# per-output sample weights (None without).
Batch = tuple[list[np.ndarray], list[np.ndarray] | None, list[np.ndarray] | None]


@dataclass(frozen=True)
class DataSpec:
    """What the checks need to know of the model being fed (``Trainer._data_spec()`` fills it in).

    Parameters
    ----------
    model_name : str
    output_names : list of str
        Keys of a dict of labels, and the number of label arrays expected.
    input_names : list of str, optional
        Keys of a dict of inputs (Functional models).
    num_inputs : int, optional
        How many input arrays the model takes (None: any, for a subclassed model).
    keep_int : list of bool
        Which inputs keep an integer dtype (indices for an Embedding); the others become floatx.
    input_shapes : list of tuple
        The symbolic inputs' shapes (batch axis None), to recognise data missing its batch axis.
    take_strings : list of bool
        Which inputs are strings (a string ``keras.Input``, or a model starting with TextVectorization
        or StringLookup); those let string arrays through.
    dict_keys : list of str, optional
        A subclassed model's record of the keys of a dict ``x`` (its ``call`` gets the dict back):
        :func:`input_arrays` fills it in place, in sorted order, and empties it for other ``x``.

    ``output_names`` is None for a subclassed model whose ``call`` has not run yet: the labels are then
    read as they come (an array, a tuple/list, or a dict in sorted key order, as Keras flattens it) and
    checked against the outputs on the first step.
    """

    model_name: str
    output_names: list[str] | None
    input_names: list[str] | None = None
    num_inputs: int | None = None
    keep_int: list[bool] = field(default_factory=list)
    input_shapes: list[tuple[Any, ...]] = field(default_factory=list)
    take_strings: list[bool] = field(default_factory=list)
    dict_keys: list[str] | None = None


def call_name(where: str) -> str:
    """``"fit"`` -> ``"fit()"`` in messages; other places (``"validation_data"``) stay as they are."""
    return f"{where}()" if where in ("fit", "evaluate", "predict", "train_on_batch", "test_on_batch",
                                     "predict_on_batch") else where


def prepare_xy(spec: DataSpec, x: Any, y: Any, sample_weight: Any, where: str) -> Batch:
    """``x``, ``y`` and ``sample_weight`` as checked lists of arrays, agreeing in sample count.

    ``where`` says who asks (``"fit"``, ``"evaluate"``, ``"validation_data"``, ``"fit batch"``...) and
    prefixes the names in messages (``evaluate x contains NaN ...``); ``fit`` and ``predict`` name
    their arguments plainly (``x``).
    """
    prefix = "" if where in ("fit", "predict") else f"{where} "
    xs = input_arrays(spec, x, f"{prefix}x", where)
    outputs = spec.output_names
    if outputs is None and isinstance(y, dict):
        y = [y[k] for k in sorted(y)]
    ys = None if y is None else labels_array_list(y, f"{prefix}y", outputs, owner=f"model '{spec.model_name}' outputs")
    sws = None if sample_weight is None else sample_weight_list(sample_weight, len(ys or [0]), f"{prefix}sample_weight")
    if ys is not None and outputs is not None and len(ys) != len(outputs):
        raise ValueError(f"y has {len(ys)} arrays but the model has {len(outputs)} output(s) {outputs}")
    check_sample_counts({"x": xs, "y": ys or [], "sample_weight": sws or []})
    check_not_empty(len(xs[0]), call_name(where), xs[0].shape)
    return xs, ys, sws


def input_arrays(spec: DataSpec, x: Any, label: str, where: str) -> list[np.ndarray]:
    """``x`` as checked arrays: one per model input, each with its batch axis."""
    names = spec.input_names
    if spec.dict_keys is not None:  # a subclassed model: a dict x reaches call() as a dict
        spec.dict_keys[:] = sorted(x) if isinstance(x, dict) else []
        names = names or (list(spec.dict_keys) if isinstance(x, dict) else None)
    xs = to_array_list(x, label, names, int_ok=spec.keep_int, owner=f"model '{spec.model_name}' inputs",
                       str_ok=spec.take_strings)
    who = call_name(where)
    expected = spec.num_inputs
    if expected is not None and len(xs) != expected:
        names = spec.input_names
        got = f"{who} got" if who != where else f"{label} holds"
        raise ValueError(f"model '{spec.model_name}' has {expected} input{'s' if expected != 1 else ''}"
                         f"{f' {names}' if names else ''} but {got} {len(xs)} array{'s' if len(xs) != 1 else ''}")
    for i, (takes, shape) in enumerate(zip(spec.take_strings, spec.input_shapes)):
        if takes:
            xs[i] = _text_column(xs[i], shape)
    for arr, shape in zip(xs, spec.input_shapes):
        hint = batch_axis_hint(shape, arr.shape)
        if hint:
            raise ValueError(f"{who}: model '{spec.model_name}' takes batches of shape {shape}, but {label} "
                             f"has shape {arr.shape}.{hint}")
    return xs


def _text_column(arr: np.ndarray, shape: tuple[Any, ...]) -> np.ndarray:
    """A flat list of texts as the column ``(n, 1)`` a ``keras.Input(shape=(1,), dtype="string")`` takes.

    Keras' functional models add such a trailing axis of 1 too; texts usually come as a plain list.
    """
    if len(shape) == 2 and shape[-1] == 1 and arr.ndim == 1:
        return arr[:, None]
    return arr


def with_class_weight(batch: Batch, class_weight: dict | None) -> Batch:
    """``batch`` with ``{class: weight}`` multiplied into the first output's sample weights.

    The one place class weights are applied: data adapters call it for every kind of data, and
    ``train_on_batch`` for its batch.
    """
    xs, ys, sws = batch
    if class_weight is None or ys is None:
        return batch
    weights = class_weights_to_sample_weights(ys[0], class_weight)
    return xs, ys, [weights * (sws[0] if sws else 1.0)] + (sws[1:] if sws else [])


def check_not_empty(n: int, where: str, shape: tuple[int, ...]) -> None:
    """fit, evaluate and predict refuse empty data alike (an average over no samples means nothing)."""
    if n == 0:
        raise ValueError(f"{where} received 0 samples (x has shape {shape}); it needs at least one")


def batch_axis_hint(expected: tuple[Any, ...], shape: tuple[int, ...]) -> str:
    """A sentence for data that has exactly the shape of ONE sample: the batch axis is missing.

    ``expected`` is the model's input shape with ``None`` first; empty when the shapes differ otherwise.
    """
    per_sample = tuple(expected[1:])
    if len(shape) != len(per_sample) or any(e is not None and e != s for e, s in zip(per_sample, shape)):
        return ""
    return (f" The batch axis is missing: {tuple(shape)} is the shape of one sample. Add it with x[None] or "
            f"np.expand_dims(x, 0), giving a batch of one of shape {(1,) + tuple(shape)}.")


def check_sample_counts(groups: dict[str, list[np.ndarray]]) -> int:
    """All arrays must share their first axis; return that count."""
    counts = {label: [len(a) for a in arrays] for label, arrays in groups.items() if arrays}
    flat = {c for cs in counts.values() for c in cs}
    if len(flat) > 1:
        detail = ", ".join(f"{label}: {cs if len(cs) > 1 else cs[0]}" for label, cs in counts.items())
        raise ValueError(f"Data cardinality is ambiguous: the inputs and labels must have the same number "
                         f"of samples. Received sizes {detail}")
    return flat.pop() if flat else 0


def split_for_validation(arrays: list[list[np.ndarray] | None], validation_split: float) -> tuple[list, list]:
    """Keras' ``validation_split``: the LAST fraction, taken before any shuffling.

    ``split_at = floor(N * (1 - validation_split))``; training is ``[:split_at]``.
    """
    if not 0 < validation_split < 1:
        raise ValueError(f"validation_split must be in (0, 1), got {validation_split}")
    n = next(len(a[0]) for a in arrays if a)
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError(
            f"validation_split={validation_split} with {n} samples leaves "
            f"{'no training' if split_at == 0 else 'no validation'} samples"
        )
    train = [None if a is None else [x[:split_at] for x in a] for a in arrays]
    val = [None if a is None else [x[split_at:] for x in a] for a in arrays]
    return train, val


def looks_sorted_by_label(y: np.ndarray, tail_start: int) -> bool:
    """True when the validation tail holds a single class that is rare before it (sorted data)."""
    labels = y.argmax(axis=-1) if y.ndim > 1 and y.shape[-1] > 1 else y.reshape(len(y), -1)[:, 0]
    tail = labels[tail_start:]
    if len(tail) < 10:
        return False
    values, counts = np.unique(tail, return_counts=True)
    dominant = values[counts.argmax()]
    head_share = float(np.mean(labels[:tail_start] == dominant)) if tail_start else 1.0
    return counts.max() == len(tail) and head_share < 0.5


def batch_indices(n: int, batch_size: int, shuffle: bool | str, rng: np.random.Generator) -> Iterator[Any]:
    """Yield index arrays (shuffled) or slices (in order); the last partial batch is kept."""
    if shuffle:
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            yield order[start:start + batch_size]
    else:
        for start in range(0, n, batch_size):
            yield slice(start, start + batch_size)


def class_weights_to_sample_weights(y: np.ndarray, class_weight: dict[int, float]) -> np.ndarray:
    """One weight per sample from ``{class: weight}`` (integer or one-hot labels)."""
    labels = y.argmax(axis=-1) if y.ndim > 1 and y.shape[-1] > 1 else y.reshape(len(y), -1)[:, 0]
    labels = labels.astype(np.int64)
    if not isinstance(class_weight, dict):
        raise ArgumentTypeError(f"class_weight must be a dict {{class: weight}}, got {type(class_weight).__name__}")
    for cls, w in class_weight.items():
        check_number(w, f"class_weight[{cls!r}]", "fit()")
    missing = sorted(set(np.unique(labels).tolist()) - set(class_weight))
    if missing:
        raise ValueError(f"class_weight has no entry for class(es) {missing}; it has {sorted(class_weight)}")
    lookup = np.zeros(int(labels.max()) + 1, dtype=np.float64)
    for cls, w in class_weight.items():
        if 0 <= int(cls) < len(lookup):
            lookup[int(cls)] = w
    return lookup[labels]
