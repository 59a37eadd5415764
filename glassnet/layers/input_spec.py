"""What a layer accepts, checked before anything is computed or assigned.

:class:`InputSpec` checks the shape of a call's input; the helpers below turn
arrays into tensors and check weight shapes and arrays, so a mistake is reported
with the layer's name instead of a NumPy error deep inside.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any

from .. import backend
from ..engine.tensor import Tensor, Variable, as_tensor


def _checked_shape(shape: Iterable[Any], owner: str) -> tuple[int, ...]:
    """``shape`` as a tuple of non-negative ints, or a ValueError naming the weight."""
    try:
        dims = tuple(shape)
    except TypeError:
        raise ValueError(f"{owner}: the shape {shape!r} is not a sequence of sizes") from None
    out = []
    for n in dims:
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) and not (  # NumPy bools are not Integral
                isinstance(n, numbers.Real) and float(n).is_integer()):
            raise ValueError(f"{owner}: the shape {dims} holds {n!r}; every size must be a whole number")
        if n < 0:
            raise ValueError(f"{owner}: the shape {dims} has a negative size")
        out.append(int(n))
    return tuple(out)


class InputSpec:
    """What a layer accepts: a number of axes and fixed sizes on some axes.

    Checked on every call, so a mismatch is reported with the layer's name and
    both shapes instead of a NumPy broadcasting error deep inside.
    """

    def __init__(self, ndim: int | None = None, min_ndim: int | None = None,
                 axes: dict[int, int] | None = None) -> None:
        self.ndim, self.min_ndim, self.axes = ndim, min_ndim, axes or {}

    def check(self, layer_name: str, shape: tuple[Any, ...]) -> None:
        """Raise a ``ValueError`` naming the layer when ``shape`` does not fit."""
        shown = tuple(None if i == 0 else n for i, n in enumerate(shape))
        if self.ndim is not None and len(shape) != self.ndim:
            raise ValueError(
                f"Input of layer '{layer_name}' is incompatible with the layer: expected ndim="
                f"{self.ndim}, found ndim={len(shape)}. Full shape received: {shown}"
            )
        if self.min_ndim is not None and len(shape) < self.min_ndim:
            raise ValueError(
                f"Input of layer '{layer_name}' is incompatible with the layer: expected min_ndim="
                f"{self.min_ndim}, found ndim={len(shape)}. Full shape received: {shown}"
            )
        for axis, size in self.axes.items():
            if shape[axis] is not None and shape[axis] != size:
                raise ValueError(
                    f"Input of layer '{layer_name}' is incompatible with the layer: expected axis "
                    f"{axis} of input shape to have value {size}, but received input with shape {shown}"
                )


def _checked_weight_array(value: Any, var: Variable, layer_name: str) -> Any:
    """``value`` as an array that can overwrite ``var``, or a ValueError naming the layer and weight."""
    where = f"Layer '{layer_name}': weight '{var.path}'"
    try:
        arr = backend.to_numpy(value)  # checked on the host; Variable.assign copies it to the device
    except (TypeError, ValueError) as err:  # ragged nested lists
        raise ValueError(f"{where} could not be read as an array: {err}") from None
    if arr.dtype.kind not in "biuf":
        # Strings, objects and complex numbers would be cast (or half-cast) silently by assignment.
        kind = {"U": "strings", "S": "bytes", "O": "Python objects", "c": "complex numbers"}.get(arr.dtype.kind,
                                                                                                 "non-numbers")
        raise ValueError(f"{where} needs a real-valued numeric array, but the array given holds {kind} "
                         f"(dtype {arr.dtype})")
    if arr.shape != tuple(var.shape):
        raise ValueError(f"{where} has shape {var.shape}, but the array given has shape {arr.shape}")
    return arr


def _to_tensors(inputs: Any, keep_int: bool = False) -> Any:
    """Wrap arrays as tensors; floats become floatx, integers too unless ``keep_int``."""
    if isinstance(inputs, Tensor):
        if not keep_int and inputs.dtype.kind in "biu":
            return as_tensor(inputs.data.astype(backend.floatx()))
        return inputs
    if isinstance(inputs, (list, tuple)):
        return type(inputs)(_to_tensors(x, keep_int) for x in inputs)
    if isinstance(inputs, dict):
        return {k: _to_tensors(v, keep_int) for k, v in inputs.items()}
    if inputs is None:
        return None
    arr = backend.to_array(inputs)
    if arr.dtype.kind == "f" and arr.dtype != backend.floatx():
        arr = arr.astype(backend.floatx())
    elif arr.dtype.kind in "biu" and not keep_int:
        arr = arr.astype(backend.floatx())
    return as_tensor(arr)


def _shapes_of(inputs: Any) -> Any:
    if isinstance(inputs, Tensor):
        return inputs.shape
    if isinstance(inputs, (list, tuple)):
        return [_shapes_of(x) for x in inputs]
    if isinstance(inputs, dict):
        return {k: _shapes_of(v) for k, v in inputs.items()}
    return None


def _batchless(shapes: Any) -> Any:
    """Replace the batch size with None, so weights never depend on it."""
    if isinstance(shapes, tuple):
        return (None,) + tuple(shapes[1:]) if shapes else shapes
    if isinstance(shapes, list):
        return [_batchless(s) for s in shapes]
    if isinstance(shapes, dict):
        return {k: _batchless(v) for k, v in shapes.items()}
    return shapes
