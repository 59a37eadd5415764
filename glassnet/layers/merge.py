"""Merge layers: combine several tensors of compatible shapes into one.

Masks (Keras 3's rules): every merge layer ``supports_masking``.  The element-wise merges pass on the
logical OR of their inputs' masks (a step is kept if any input keeps it), and only when every input has
one; Concatenate joins the masks along its axis (an unmasked input counts as all True) and reduces the
last axis with ``any``.  Maximum, Minimum and Multiply also read the masks in the forward pass: a masked
value of one input is replaced by the other inputs' (Maximum, Minimum) or by 1 (Multiply), so padding
never wins a maximum nor zeroes a product.
"""

from __future__ import annotations

from typing import Any

from ..backend import xp
from ..engine.ops import math as m
from ..engine.tensor import Tensor
from ..explanation import Equation, Explanation, dc, latex_symbol
from .base import Layer
from .explaining import io_shapes, multi_input


def _mask_array(layer: Layer, x: Any, mask: Any) -> Any:
    """``mask`` as a boolean array, checked against its input ``x``: (batch, ...) = x's shape without the
    features axis (as Embedding and Masking make it), or x's full shape."""
    if mask is None:
        return None
    arr = xp.asarray(mask.data if isinstance(mask, Tensor) else mask).astype(bool, copy=False)
    shape = tuple(getattr(x, "shape", ()))
    if arr.shape not in (shape[:-1], shape):
        raise ValueError(f"{type(layer).__name__} layer '{layer.name}': a mask of shape {arr.shape} does not fit "
                         f"its input of shape {shape}: expected {shape[:-1]} (or {shape})")
    return arr


def _checked_masks(layer: Layer, inputs: Any, mask: Any) -> list[Any] | None:
    """Keras' checks on the ``mask`` list of a merge layer, then each mask checked against its input."""
    if mask is None:
        return None
    who = f"{type(layer).__name__} layer '{layer.name}'"
    if not isinstance(mask, (list, tuple)):
        raise ValueError(f"{who}: `mask` should be a list (one mask or None per input), got {type(mask).__name__}")
    if not isinstance(inputs, (list, tuple)) or len(mask) != len(inputs):
        n = len(inputs) if isinstance(inputs, (list, tuple)) else 1
        raise ValueError(f"{who}: the lists `inputs` and `mask` should have the same length, got {n} inputs "
                         f"and {len(mask)} masks")
    return [_mask_array(layer, x, mk) for x, mk in zip(inputs, mask)]


def _full_mask(layer: Layer, x: Any) -> Any:
    """The mask riding on input ``x`` broadcast to x's shape (mask[..., None] along the features), or None."""
    mk = _mask_array(layer, x, getattr(x, "_keras_mask", None))
    if mk is None:
        return None
    return xp.broadcast_to(mk[..., None] if mk.ndim < x.ndim else mk, x.shape)


def _set_mask(out: Tensor, full: Any) -> Tensor:
    """Attach the OR of the masks, reduced over the features axis (any), as Keras does in the call."""
    out._keras_mask = xp.any(full, axis=-1)
    return out


class _Merge(Layer):
    """Base: checks that a list of at least two inputs arrives; passes on the OR of the input masks."""

    supports_masking = True

    def build(self, input_shape: Any) -> None:
        if not isinstance(input_shape, list) or len(input_shape) < 2:
            raise ValueError(
                f"{type(self).__name__} layer '{self.name}' must be called on a list of at least 2 "
                f"inputs, got {input_shape}"
            )
        self._check_shapes(input_shape)
        self.built = True

    def _check_shapes(self, shapes: list[Any]) -> None:
        first = shapes[0][1:]
        for s in shapes[1:]:
            if len(s[1:]) != len(first) or any(a is not None and b is not None and a != b and 1 not in (a, b)
                                                for a, b in zip(first, s[1:])):
                raise ValueError(
                    f"{type(self).__name__} layer '{self.name}': inputs must have the same shape, got "
                    f"{[(None,) + tuple(x[1:]) for x in shapes]}"
                )

    def _merge_explanation(self, forward: str, forward_latex: str, grads: list[tuple[str, str]],
                           template: str) -> Explanation:
        """The entry of an element-wise merge: ``forward`` over inputs x1, x2...; ``grads[k]`` is dC/dx_k."""
        shapes, a = io_shapes(self, None, (None, "K"))
        inputs = multi_input(self, shapes, (None, "K"))
        names = list(inputs)
        e = Explanation(self.name, type(self).__name__, {**inputs, "a": a, "g": a}, inputs=tuple(names))
        e.forward.append(Equation(forward, forward_latex, f" {template} ".join(names) + " -> a"))
        for k, name in enumerate(names):
            text, latex = grads[min(k, len(grads) - 1)]
            others = [n for n in names if n != name]  # "{others}": the other inputs, for the product rule
            text = text.replace("x_k", name).replace("{others}", " * ".join(others))
            latex = latex.replace("x_k", latex_symbol(name)).replace(
                "{others}", r" \odot ".join(latex_symbol(n) for n in others))
            e.backward.append(Equation(f"dC/d{name} = {text}", dc(name) + " = " + latex, f"g -> {name}"))
        if len(names) > 1 and any(inputs[n] != a for n in names):
            e.notes.append("an input broadcast along an axis gets its gradient summed over that axis")
        return e

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        # Keras' Merge: the OR of the masks (kept where any input keeps the step), None unless all have one.
        masks = _checked_masks(self, inputs, mask)
        if masks is None or any(mk is None for mk in masks):
            return None
        out = masks[0]
        for mk in masks[1:]:
            out = out | mk
        return out

    @staticmethod
    def _masked_note(e: Explanation) -> Explanation:
        e.notes.append("with masks: a masked value of x_k is replaced by the running result (and the other way "
                       "round), so padding never wins; its gradient goes to the value that replaced it")
        return e

    def _masked_pairwise(self, op: Any, inputs: list[Any]) -> Any:
        """Keras' Maximum/Minimum with masks: a masked value takes the other operand's, so it never wins.

        Folding left to right: x <- where(mask_x, x, out); out <- where(mask_out, out, x); out <- op(out, x).
        The running mask is the OR of the masks while every input has one (then None).
        """
        out, out_mask = inputs[0], _full_mask(self, inputs[0])
        for x in inputs[1:]:
            mk = _full_mask(self, x)
            if mk is not None:
                x = m.where(mk, x, out)
            if out_mask is not None:
                out = m.where(out_mask, out, x)
            out_mask = out_mask | mk if out_mask is not None and mk is not None else None
            out = op(out, x)
        return out if out_mask is None else _set_mask(out, out_mask)


class Add(_Merge):
    """Element-wise sum of the inputs (a residual connection)."""

    def call(self, inputs: list[Any]) -> Any:
        out = inputs[0]
        for x in inputs[1:]:
            out = m.add(out, x)
        return out

    def _explain(self) -> Explanation:
        return self._merge_explanation("a = x1 + x2 + ...", "a = x_1 + x_2 + \\dots", [("g", "g")], "+")


class Subtract(_Merge):
    """inputs[0] - inputs[1] (exactly two inputs)."""

    def call(self, inputs: list[Any]) -> Any:
        if len(inputs) != 2:
            raise ValueError(f"Subtract layer '{self.name}' needs exactly 2 inputs, got {len(inputs)}")
        return m.subtract(inputs[0], inputs[1])

    def _explain(self) -> Explanation:
        return self._merge_explanation("a = x1 - x2", "a = x_1 - x_2", [("g", "g"), ("-g", "-g")], "-")


class Multiply(_Merge):
    """Element-wise product of the inputs."""

    def call(self, inputs: list[Any]) -> Any:
        # Keras: a masked value counts as 1 (it leaves the product alone); when every input has a mask, the
        # product is 0 where all of them are masked, and the output carries their OR.
        full = [_full_mask(self, x) for x in inputs]
        out = None
        for x, mk in zip(inputs, full):
            if mk is not None:
                x = m.where(mk, x, 1.0)
            out = x if out is None else m.multiply(out, x)
        if all(mk is not None for mk in full):
            union = full[0]
            for mk in full[1:]:
                union = union | mk
            return _set_mask(m.where(union, out, 0.0), union)
        return out

    def _explain(self) -> Explanation:
        e = self._merge_explanation("a = x1 * x2 * ...", "a = x_1 \\odot x_2 \\odot \\dots",
                                    [("g * {others}", "g \\odot {others}")],
                                    "*")
        e.notes.append("with masks: a masked value counts as 1 (x_k <- where(mask_k, x_k, 1)); when every input "
                       "has a mask, a = 0 where all are masked, and dC/dx_k = 0 at x_k's masked values")
        return e


class Average(_Merge):
    """Element-wise mean of the inputs."""

    def call(self, inputs: list[Any]) -> Any:
        out = inputs[0]
        for x in inputs[1:]:
            out = m.add(out, x)
        return m.divide(out, float(len(inputs)))

    def _explain(self) -> Explanation:
        return self._merge_explanation("a = (x1 + x2 + ...) / K, K inputs", "a = \\tfrac{1}{K} \\sum_k x_k",
                                       [("g / K", "g / K")], "+")


class Maximum(_Merge):
    """Element-wise maximum of the inputs."""

    def call(self, inputs: list[Any]) -> Any:
        return self._masked_pairwise(m.maximum, inputs)

    def _explain(self) -> Explanation:
        e = self._merge_explanation("a = max(x1, x2, ...) element-wise", "a = \\max_k x_k",
                                    [("g where x_k is the largest, else 0", "g \\odot \\mathbb{1}[x_k = a]")], ",")
        return self._masked_note(e)


class Minimum(_Merge):
    """Element-wise minimum of the inputs."""

    def call(self, inputs: list[Any]) -> Any:
        return self._masked_pairwise(m.minimum, inputs)

    def _explain(self) -> Explanation:
        e = self._merge_explanation("a = min(x1, x2, ...) element-wise", "a = \\min_k x_k",
                                    [("g where x_k is the smallest, else 0", "g \\odot \\mathbb{1}[x_k = a]")], ",")
        return self._masked_note(e)


class Concatenate(_Merge):
    """Join the inputs along ``axis`` (default -1, the features)."""

    def __init__(self, axis: int = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = axis

    def _check_shapes(self, shapes: list[Any]) -> None:
        rank = len(shapes[0])
        ax = self.axis % rank
        for s in shapes[1:]:
            if len(s) != rank or any(i != ax and i != 0 and a is not None and b is not None and a != b
                                     for i, (a, b) in enumerate(zip(shapes[0], s))):
                raise ValueError(
                    f"Concatenate layer '{self.name}' requires inputs with matching shapes except for "
                    f"the concatenation axis {self.axis}. Received: input_shape={shapes}"
                )

    def call(self, inputs: list[Any]) -> Any:
        return m.concatenate(list(inputs), axis=self.axis)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        # Keras' Concatenate: each mask spread over its input's shape (all True for an unmasked input),
        # joined along the axis, then any() over the last axis: (batch, T) when joining features.
        masks = _checked_masks(self, inputs, mask)
        if masks is None or all(mk is None for mk in masks):
            return None
        full = [xp.ones(x.shape, dtype=bool) if mk is None else
                xp.broadcast_to(mk[..., None] if mk.ndim < x.ndim else mk, x.shape) for x, mk in zip(inputs, masks)]
        return xp.any(xp.concatenate(full, axis=self.axis), axis=-1)

    def _explain(self) -> Explanation:
        # Each input fills a slice of a along the axis; its gradient is the same slice of g.
        shapes, a = io_shapes(self, None, (None, "K"))
        inputs = multi_input(self, shapes, (None, "K"))
        e = Explanation(self.name, "Concatenate", {**inputs, "a": a, "g": a}, inputs=tuple(inputs))
        e.forward.append(Equation(f"a = [{', '.join(inputs)}] joined along axis {self.axis}",
                                  rf"a = [{', '.join(latex_symbol(n) for n in inputs)}]", " , ".join(inputs) + " -> a"))
        start: Any = 0
        for name, shape in inputs.items():
            size = shape[self.axis]
            stop = start + size if isinstance(start, int) and isinstance(size, int) else "..."
            e.backward.append(Equation(f"dC/d{name} = g[{start}:{stop}] along axis {self.axis}",
                                       dc(name) + rf" = g_{{[{start}:{stop}]}}", f"g -> {name}"))
            start = stop
        return e

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis}


def add(inputs: list[Any], **kwargs: Any) -> Any:
    """Functional form of :class:`Add`."""
    return Add(**kwargs)(inputs)


def concatenate(inputs: list[Any], axis: int = -1, **kwargs: Any) -> Any:
    """Functional form of :class:`Concatenate`."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def multiply(inputs: list[Any], **kwargs: Any) -> Any:
    """Functional form of :class:`Multiply`."""
    return Multiply(**kwargs)(inputs)


def subtract(inputs: list[Any], **kwargs: Any) -> Any:
    """Functional form of :class:`Subtract`."""
    return Subtract(**kwargs)(inputs)


def average(inputs: list[Any], **kwargs: Any) -> Any:
    """Functional form of :class:`Average`."""
    return Average(**kwargs)(inputs)
