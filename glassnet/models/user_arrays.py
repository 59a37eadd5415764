"""The user's data as checked NumPy arrays: the conversions and checks behind :mod:`.data`.

An array, a list or tuple of arrays, or a dict keyed by the model's input (or output) names becomes a
list of NumPy arrays, one per input.  Other libraries' arrays are converted by duck typing, so none of
them is imported: pandas through ``.to_numpy()``, PyTorch/TensorFlow tensors through ``.numpy()``, CuPy
arrays through :func:`glassnet.backend.to_numpy`, anything else through ``__array__``.  Every refusal
names the argument at fault (``x``, ``y``, ``sample_weight``, ``validation_data``) and, for NaN or an
infinity, the first sample holding it.  Host-side by design, as :mod:`.data`.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from .. import backend


def _describe(name: str, index: int | str | None) -> str:
    return name if index is None else f"{name}[{index!r}]"


def to_array_list(data: Any, name: str, names: list[str] | None = None,
                  int_ok: list[bool] | bool | None = None, owner: str = "the model's inputs",
                  str_ok: list[bool] | None = None) -> list[np.ndarray]:
    """Flatten ``data`` (an array, a list/tuple of arrays, or a dict keyed by ``names``) to arrays.

    ``int_ok`` says which arrays keep an integer dtype (one flag per array, or one for all);
    ``str_ok`` which may hold strings (string inputs); ``owner`` says whose ``names`` they are in
    messages (``"model 'm' inputs"``).
    """
    if data is None:
        raise ValueError(f"{name} is required")
    if isinstance(data, (str, bytes)) and str_ok and any(str_ok):
        raise TypeError(f"{name} is a single string ({str(data)[:80]!r}); the model takes a batch of texts: "
                        "pass a list (or array) of strings, e.g. [text]")
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
        if str_ok and i < len(str_ok) and str_ok[i]:
            arrays.append(_checked_strings(value, _describe(name, key)))
            continue
        arrays.append(_checked_array(value, _describe(name, key), keep_int=keep))
    return arrays


def _is_array_like(value: Any) -> bool:
    return hasattr(value, "shape") or isinstance(value, (list, tuple))


def _is_nested_numbers(data: Any) -> bool:
    """A plain nested list of numbers is one array, not a list of inputs."""
    first = data[0]
    return not hasattr(first, "shape") and isinstance(first, (list, tuple)) and \
        all(isinstance(v, (int, float, np.number)) for v in first)


def as_numpy(value: Any) -> Any:
    """Other libraries' arrays as NumPy arrays, by duck typing (none of those libraries is imported).

    pandas DataFrames/Series through ``.to_numpy()``; PyTorch, TensorFlow and glassnet tensors
    through ``.numpy()`` (a PyTorch tensor is first detached and moved to the CPU); anything else is
    left to ``np.asarray`` (``__array__``, nested lists).
    """
    if isinstance(value, np.ndarray):
        return value
    if hasattr(value, "__cuda_array_interface__"):  # a CuPy array: np.asarray refuses it, .get() copies it
        return backend.to_numpy(value)
    if hasattr(value, "to_numpy"):  # pandas
        return value.to_numpy()
    if hasattr(value, "numpy"):
        for step in ("detach", "cpu"):  # a torch tensor that needs a gradient, or one on a GPU
            if callable(getattr(value, step, None)):
                value = getattr(value, step)()
        return value.numpy()
    return value


def _checked_array(value: Any, label: str, keep_int: bool = False) -> np.ndarray:
    try:
        arr = np.asarray(as_numpy(value))
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
                        "convert them to numbers first (load the files they name, or encode the categories), or "
                        "start the model with keras.Input(shape=(1,), dtype='string') and a TextVectorization "
                        "or StringLookup layer")
    elif arr.dtype.kind not in "fiu":
        raise TypeError(f"{label} must be numeric, got dtype {arr.dtype}")
    refuse_non_finite(arr, label, "clean or impute the data before training")
    return arr


_ALL_TEXT = object()  # what the scan for a non-string finds when there is none (None is a value it may find)


def _checked_strings(value: Any, label: str) -> np.ndarray:
    """``value`` for a string input: an array of ``str`` (or ``bytes``) with a batch axis.

    A list of Python strings becomes a ``<U`` array; an object array must hold only ``str``/``bytes``
    (a stray number or None would otherwise reach TextVectorization as a token ``'nan'``/``'None'``).
    """
    try:
        arr = np.asarray(as_numpy(value))
    except (ValueError, TypeError) as err:
        raise TypeError(f"{label} could not be converted to an array: {err}") from None
    if arr.ndim == 0:
        raise ValueError(f"{label} must have a batch axis: a list or array of strings, got the single value "
                         f"{str(arr.item())[:40]!r}; wrap it as [text]")
    if arr.dtype.kind == "O":
        bad = next((v for v in arr.reshape(-1) if not isinstance(v, (str, bytes))), _ALL_TEXT)
        if bad is not _ALL_TEXT:
            raise TypeError(f"{label} feeds a string input, but it holds {type(bad).__name__} values "
                            f"(e.g. {bad!r}) among its strings")
    elif arr.dtype.kind not in "US":
        raise TypeError(f"{label} feeds a string input (the model starts with text layers), but it holds "
                        f"dtype {arr.dtype}: pass the raw strings")
    return arr


def refuse_non_finite(arr: np.ndarray, label: str, advice: str) -> None:
    """Raise a ValueError naming ``label`` and the first sample holding NaN or an infinity."""
    # One sum finds any NaN/inf without a full-size boolean temporary (NaN and inf reach the total);
    # only a non-finite total (that, or an overflow of the sum) is checked element by element.  The
    # sum stays in the array's dtype: a float64 total would convert every element first (2x slower).
    if arr.dtype.kind != "f":
        return
    with np.errstate(over="ignore", invalid="ignore"):  # an overflowing total is no news for the user
        total = arr.sum()
    if not np.isfinite(total) and not np.isfinite(arr).all():
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
            arr = np.asarray(as_numpy(value))
        except (TypeError, ValueError) as err:
            raise TypeError(f"{where} could not be converted to an array: {err}") from None
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"{where} must hold numbers (one weight per sample), got dtype {arr.dtype}")
        if arr.ndim == 0:
            raise ValueError(f"{where} must hold one weight per sample; got the scalar {arr.item()!r}")
        arr = arr.astype(np.float64)
        refuse_non_finite(arr, where, "every weight must be a finite number (0 leaves a sample out)")
        out.append(arr)
    return out


def labels_array_list(data: Any, name: str, names: list[str] | None,
                      owner: str = "the model's outputs") -> list[np.ndarray]:
    """Like :func:`to_array_list` for labels: integer labels keep their type (sparse losses need them)."""
    return to_array_list(data, name, names, int_ok=True, owner=owner)
