"""Finite-difference gradient checking: is the backward of an op (or a layer, or a loss) right?

The analytic gradient that :class:`~glassnet.GradientTape` returns is compared
with the central difference

    dF/dx_i  ~  (F(x + eps e_i) - F(x - eps e_i)) / (2 eps)

for every element ``x_i`` of every input, all in float64 (in float32 the
rounding error of the difference swamps the signal).  A non-scalar output
``y`` is first reduced to ``F = sum(y * r)`` with a fixed random ``r``: a
plain ``sum`` would hide bugs, e.g. the gradient of ``sum(softmax(z))`` is
zero whatever the softmax backward does.

Examples
--------
>>> import numpy as np
>>> from glassnet.engine.gradcheck import check_gradients
>>> from glassnet.engine.ops import nn
>>> errors = check_gradients(nn.tanh, [np.array([0.5, -1.0, 2.0])])
>>> errors[0] < 1e-6
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .tensor import GradientTape, Tensor, Variable


class GradientCheckError(AssertionError):
    """Raised by :func:`check_gradients` when an analytic gradient disagrees with finite differences."""


def _scalar(out: Any, weights: dict[tuple[int, ...], np.ndarray]) -> Tensor:
    """Reduce ``out`` to a scalar tensor as sum(out * r), with one fixed random ``r`` per shape."""
    from .ops import math as m

    if not isinstance(out, Tensor):
        raise TypeError(f"check_gradients: fn must return a Tensor, got {type(out).__name__}")
    if out.ndim == 0:
        return out
    r = weights.get(out.shape)
    if r is None:
        # Fixed, well-spread weights in [0.5, 1.5] with random signs, so no contribution cancels.
        gen = np.random.default_rng(len(weights) + 12345)
        r = gen.uniform(0.5, 1.5, out.shape) * gen.choice([-1.0, 1.0], out.shape)
        weights[out.shape] = r
    return m.sum(m.multiply(out, Tensor(r.astype(out.dtype))))


def _as_input(value: Any) -> Tensor:
    """A float64 tensor that requires gradients (Variables are used as they are, perturbed in place)."""
    if isinstance(value, Variable):
        if value.dtype != np.float64:
            raise TypeError(
                f"check_gradients: variable '{value.path}' is {value.dtype}; gradient checks need float64 "
                "(call glassnet.set_floatx('float64') before building the layer)"
            )
        return value
    data = value.data if isinstance(value, Tensor) else value
    arr = np.array(data, dtype=np.float64, copy=True)
    return Tensor(arr, requires_grad=True)


def numeric_gradient(fn: Callable[..., Any], tensors: Sequence[Tensor], index: int, eps: float = 1e-6,
                     weights: dict[tuple[int, ...], np.ndarray] | None = None) -> np.ndarray:
    """Central-difference gradient of the scalar ``sum(fn(*tensors) * r)`` with respect to ``tensors[index]``.

    The input's array is perturbed in place one element at a time and restored afterwards.
    """
    weights = {} if weights is None else weights
    data = tensors[index].data
    grad = np.zeros_like(data)
    flat, gflat = data.reshape(-1), grad.reshape(-1)  # views: writing flat[i] perturbs the input
    for i in range(flat.size):  # a test tool on small arrays: one element per step is clear and fine
        original = flat[i]
        flat[i] = original + eps
        plus = float(_scalar(fn(*tensors), weights).data)
        flat[i] = original - eps
        minus = float(_scalar(fn(*tensors), weights).data)
        flat[i] = original
        gflat[i] = (plus - minus) / (2 * eps)
    return grad


def check_gradients(fn: Callable[..., Any], inputs: Sequence[Any], eps: float = 1e-6, rtol: float = 1e-5,
                    atol: float = 1e-7, wrt: Sequence[int] | None = None,
                    raise_on_failure: bool = True) -> list[float]:
    """Compare the tape's gradient of ``fn(*inputs)`` with central differences, input by input.

    Parameters
    ----------
    fn : callable
        Takes one tensor per entry of ``inputs`` and returns a tensor (reduced to a scalar as
        ``sum(out * r)`` with fixed random weights ``r`` when it is not one already).  It must be
        deterministic: reseed any randomness (dropout) inside ``fn``.
    inputs : sequence of array_like, Tensor or Variable
        Arrays and tensors are copied to float64 tensors.  Variables (a layer's weights, which
        ``fn`` may use through a closure) must already be float64 and are perturbed in place.
    eps : float
        Half-width of the central difference.
    rtol, atol : float
        An element passes when ``|analytic - numeric| <= max(rtol * max(|analytic|, |numeric|), atol)``.
    wrt : sequence of int, optional
        Indices of the inputs to check (all by default); the others are passed as constants.
    raise_on_failure : bool
        Raise :class:`GradientCheckError` naming each failing input (default) instead of only
        returning the errors.

    Returns
    -------
    list of float
        For each checked input, the largest relative error
        ``|a - n| / max(|a|, |n|, atol / rtol)`` over its elements (0 is perfect; it is at most
        ``rtol`` when the check passes).
    """
    tensors = [_as_input(x) for x in inputs]
    wrt = list(range(len(tensors))) if wrt is None else list(wrt)
    constant = set(range(len(tensors))) - set(wrt)
    saved = {i: tensors[i].requires_grad for i in constant}
    for i in constant:
        tensors[i].requires_grad = False
    weights: dict[tuple[int, ...], np.ndarray] = {}
    try:
        with GradientTape() as tape:
            target = _scalar(fn(*tensors), weights)
        analytic = tape.gradient(target, [tensors[i] for i in wrt])
        errors, failures = [], []
        for i, grad in zip(wrt, analytic):
            numeric = numeric_gradient(fn, tensors, i, eps, weights)
            grad = np.zeros_like(numeric) if grad is None else np.asarray(grad, dtype=np.float64)
            if grad.shape != numeric.shape:
                raise GradientCheckError(
                    f"input {i}: analytic gradient has shape {grad.shape}, the input has shape {numeric.shape}"
                )
            diff = np.abs(grad - numeric)
            scale = np.maximum(np.maximum(np.abs(grad), np.abs(numeric)), atol / rtol)
            rel = float((diff / scale).max()) if diff.size else 0.0
            errors.append(rel)
            if not np.isfinite(rel) or rel > rtol:
                worst = np.unravel_index(int(np.argmax(diff / scale)), diff.shape) if diff.size else ()
                failures.append(
                    f"input {i} (shape {numeric.shape}): max relative error {rel:.3g} > rtol {rtol:g}; "
                    f"worst element {tuple(int(k) for k in worst)}: analytic {float(grad[worst]):.6g}, "
                    f"numeric {float(numeric[worst]):.6g}"
                )
    finally:
        for i, flag in saved.items():
            tensors[i].requires_grad = flag
    if failures and raise_on_failure:
        raise GradientCheckError("gradient check failed:\n  " + "\n  ".join(failures))
    return errors


__all__ = ["GradientCheckError", "check_gradients", "numeric_gradient"]
