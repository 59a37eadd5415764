"""Turning what users pass to ``fit``/``evaluate``/``predict`` into checked arrays and batches.

Every check here names the argument at fault (``x``, ``y``, ``sample_weight``,
``validation_data``), the sample count and the shapes, before any training
starts.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from typing import Any

import numpy as np

from .. import backend
from ..checks import ArgumentTypeError, check_number


def _describe(name: str, index: int | str | None) -> str:
    return name if index is None else f"{name}[{index!r}]"


def to_array_list(data: Any, name: str, names: list[str] | None = None,
                  int_ok: list[bool] | bool | None = None, owner: str = "the model's inputs") -> list[np.ndarray]:
    """Flatten ``data`` (an array, a list/tuple of arrays, or a dict keyed by ``names``) to arrays.

    ``int_ok`` says which arrays keep an integer dtype (one flag per array, or one for all);
    ``owner`` says whose ``names`` they are in messages (``"model 'm' inputs"``).
    """
    if data is None:
        raise ValueError(f"{name} is required")
    if isinstance(data, (str, bytes, os.PathLike)):
        # A str has len() and [i], so without this it would be taken for a Sequence of batches.
        raise TypeError(
            f"{name} is a {'path' if isinstance(data, os.PathLike) else 'string'} ({str(data)[:80]!r}), not data: "
            "fit, evaluate and predict take NumPy arrays. If it names a file, load it first, e.g. "
            "np.loadtxt(path, delimiter=',') or pandas.read_csv(path).to_numpy()"
        )
    if hasattr(data, "__next__") or (hasattr(data, "__getitem__") and hasattr(data, "__len__")
                                     and not isinstance(data, (list, tuple, dict)) and not hasattr(data, "shape")):
        raise TypeError(
            f"{name} is a {type(data).__name__} (a generator or Sequence of batches), which only fit, evaluate "
            "and predict accept (as their x, with the labels inside the batches); here pass arrays (or lists/dicts "
            "of arrays)."
        )
    if isinstance(data, dict):
        if names is None:
            raise ValueError(f"{name} was given as a dict, but this model's {name} are not named")
        missing = [n for n in names if n not in data]
        unknown = [k for k in data if k not in names]  # most often a typo, whose data would be dropped silently
        if missing:
            raise ValueError(f"{name} is missing the key(s) {missing}: {owner} are {names}"
                             + (f"; the key(s) {unknown} name none of them" if unknown else ""))
        if unknown:
            raise ValueError(f"{name} has the key(s) {unknown}, which name none of {owner} {names}")
        items = [(n, data[n]) for n in names]
    elif isinstance(data, (list, tuple)) and data and all(_is_array_like(d) for d in data) and \
            not _is_nested_numbers(data):
        items = list(enumerate(data))
    else:
        items = [(None, data)]
    arrays = []
    for i, (key, value) in enumerate(items):
        keep = int_ok if isinstance(int_ok, bool) else bool(int_ok and i < len(int_ok) and int_ok[i])
        arrays.append(_checked_array(value, _describe(name, key), keep_int=keep))
    return arrays


def _is_array_like(value: Any) -> bool:
    return hasattr(value, "shape") or isinstance(value, (list, tuple))


def _is_nested_numbers(data: Any) -> bool:
    """A plain nested list of numbers is one array, not a list of inputs."""
    first = data[0]
    return not hasattr(first, "shape") and isinstance(first, (list, tuple)) and \
        all(isinstance(v, (int, float, np.number)) for v in first)


def _checked_array(value: Any, label: str, keep_int: bool = False) -> np.ndarray:
    data = getattr(value, "data", value)
    if hasattr(value, "numpy") and not isinstance(value, np.ndarray):
        data = value.numpy()
    try:
        arr = np.asarray(data)
    except (ValueError, TypeError) as err:
        raise TypeError(f"{label} could not be converted to an array: {err}") from None
    if arr.dtype == object:
        raise TypeError(f"{label} must be a numeric array; it has dtype object (ragged lists or strings?)")
    if arr.ndim == 0:
        raise ValueError(f"{label} must have a batch axis; got a scalar")
    if arr.dtype.kind == "b":
        arr = arr.astype(backend.floatx())
    if arr.dtype.kind in "iu" and not keep_int:
        arr = arr.astype(backend.floatx())
    elif arr.dtype.kind == "f" and arr.dtype != np.dtype(backend.floatx()):
        arr = arr.astype(backend.floatx())
    elif arr.dtype.kind in "US":
        first = arr.reshape(-1)[0] if arr.size else ""
        raise TypeError(f"{label} must be numeric, but it holds strings (dtype {arr.dtype}, e.g. {str(first)[:40]!r}): "
                        "convert them to numbers first (load the files they name, or encode the categories)")
    elif arr.dtype.kind not in "fiu":
        raise TypeError(f"{label} must be numeric, got dtype {arr.dtype}")
    _refuse_non_finite(arr, label, "clean or impute the data before training")
    return arr


def _refuse_non_finite(arr: np.ndarray, label: str, advice: str) -> None:
    """Raise a ValueError naming ``label`` and the first sample holding NaN or an infinity."""
    # One float64 sum finds any NaN/inf without a full-size boolean temporary; only then locate it.
    if arr.dtype.kind == "f" and not np.isfinite(arr.sum(dtype=np.float64)) and not np.isfinite(arr).all():
        bad = np.argwhere(~np.isfinite(arr))[0]
        kind = "NaN" if np.isnan(arr[tuple(bad)]) else "an infinite value"
        raise ValueError(f"{label} contains {kind} (first at sample {bad[0]}, index {tuple(int(i) for i in bad)}): "
                         f"{advice}")


def sample_weight_list(sample_weight: Any, count: int, label: str = "sample_weight") -> list[np.ndarray]:
    """Per-output sample weights (one array for all outputs, or a list of one per output) as float64.

    NaN or an infinity would turn every weighted loss, and then every weight of the model, into NaN;
    such weights are refused here, naming the first bad sample.  Negative weights are allowed, as in Keras.
    """
    # A list of arrays is one per output; a plain list of numbers is one array.
    per_output = isinstance(sample_weight, (list, tuple)) and any(np.ndim(v) > 0 for v in sample_weight)
    given = list(sample_weight) if per_output else [sample_weight] * max(count, 1)
    out = []
    for i, value in enumerate(given):
        where = f"{label}[{i}]" if per_output else label
        try:
            arr = np.asarray(getattr(value, "data", value))
        except (TypeError, ValueError) as err:
            raise TypeError(f"{where} could not be converted to an array: {err}") from None
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"{where} must hold numbers (one weight per sample), got dtype {arr.dtype}")
        if arr.ndim == 0:
            raise ValueError(f"{where} must hold one weight per sample; got the scalar {arr.item()!r}")
        arr = arr.astype(np.float64)
        _refuse_non_finite(arr, where, "every weight must be a finite number (0 leaves a sample out)")
        out.append(arr)
    return out


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


def labels_array_list(data: Any, name: str, names: list[str] | None,
                      owner: str = "the model's outputs") -> list[np.ndarray]:
    """Like :func:`to_array_list` for labels: integer labels keep their type (sparse losses need them)."""
    return to_array_list(data, name, names, int_ok=True, owner=owner)


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


# --- batch sources: generators and Sequence-like objects -------------------------------------------
def is_batch_source(value: Any) -> bool:
    """A Python iterator/generator of batches, or a Sequence-like object (``len`` and ``[i]``) of batches."""
    if hasattr(value, "__next__"):
        return True
    return (hasattr(value, "__getitem__") and hasattr(value, "__len__") and not hasattr(value, "shape")
            and not isinstance(value, (list, tuple, dict, str, bytes)))


def split_batch(batch: Any, where: str) -> tuple[Any, Any, Any]:
    """A source's batch as (x, y, sample_weight): it may be ``(x, y)``, ``(x, y, sw)`` or ``(x,)``/``x``."""
    if isinstance(batch, tuple):
        if len(batch) == 1:
            return batch[0], None, None
        if len(batch) == 2:
            return batch[0], batch[1], None
        if len(batch) == 3:
            return batch
        raise ValueError(f"{where}: a batch must be (x,), (x, y) or (x, y, sample_weight); got a tuple of {len(batch)}")
    return batch, None, None


class BatchSource:
    """Batches drawn from a generator (consumed across epochs) or a Sequence (re-read every epoch)."""

    def __init__(self, source: Any, where: str) -> None:
        self.source, self.where = source, where
        self.sized = not hasattr(source, "__next__")
        self._pending: list[Any] = []

    def __len__(self) -> int:
        return len(self.source) if self.sized else 0

    def peek(self) -> Any:
        """The first batch, without losing it for training."""
        if self.sized:
            if len(self.source) == 0:
                raise ValueError(f"{self.where}: the Sequence holds no batches")
            return self.source[0]
        if not self._pending:
            try:
                self._pending.append(next(self.source))
            except StopIteration:
                raise ValueError(f"{self.where}: the generator yielded no batches") from None
        return self._pending[0]

    def epoch(self, shuffle: bool, rng: Any) -> Any:
        """Iterate the batches of one epoch (all of a Sequence, shuffled in order if asked)."""
        if self.sized:
            order = rng.permutation(len(self.source)) if shuffle else range(len(self.source))
            for i in order:
                yield self.source[int(i)]
            if hasattr(self.source, "on_epoch_end"):
                self.source.on_epoch_end()
            return
        while self._pending:
            yield self._pending.pop(0)
        while True:  # not "yield from": closing this epoch's iterator must not close the user's generator
            try:
                batch = next(self.source)
            except StopIteration:
                return
            yield batch
