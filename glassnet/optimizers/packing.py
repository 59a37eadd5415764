"""The flat buffers an optimizer trains: variables of one dtype packed into one array.

On its first step an optimizer packs the variables it trains into one contiguous buffer per dtype and
re-points each variable at its slice of that buffer (a view).  Slot variables (momentum, Adam's m and
v) are flat buffers of the same layout, so an update rule runs over all weights at once.
"""

from __future__ import annotations

from typing import Any

from ..backend import xp
from ..engine.tensor import Variable


class _Group:
    """Variables of one dtype packed into one buffer, with their gradient and slot buffers."""

    def __init__(self, variables: list[Variable]) -> None:
        self.variables = variables
        dtype = variables[0].dtype
        sizes = [v.data.size for v in variables]
        self.offsets = [0]
        for n in sizes:
            self.offsets.append(self.offsets[-1] + n)
        self.params = xp.empty(self.offsets[-1], dtype=dtype)
        self.grads = xp.zeros_like(self.params)
        self.tmp = xp.empty_like(self.params)
        for i, var in enumerate(variables):
            view = self.params[self.offsets[i]:self.offsets[i + 1]].reshape(var.shape)
            view[...] = var.data
            var.data = view  # the variable now lives inside the flat buffer
        self.grad_views = [self.grads[self.offsets[i]:self.offsets[i + 1]].reshape(v.shape)
                           for i, v in enumerate(variables)]
        self.slots: dict[str, Any] = {}
        # What the last step used as each variable's gradient: the views above, or the tape's own
        # arrays when the fused kernels read them directly (see Optimizer.apply).
        self.grad_arrays: list[Any] = self.grad_views
        # Per-variable slices of params, slots and tmp for the fused kernels, by the kernel's slot names.
        self.segments: dict[tuple[str | None, ...], list[tuple[Any, ...]]] = {}

    def slot_views(self, name: str) -> list[Any]:
        flat = self.slots[name]
        return [flat[self.offsets[i]:self.offsets[i + 1]].reshape(v.shape) for i, v in enumerate(self.variables)]

    def still_packed(self) -> bool:
        return all(v.data.base is self.params for v in self.variables)
