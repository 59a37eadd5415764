"""``keras.ops`` control flow: cond, switch, loops, scan, map and custom_gradient.

glassnet runs eagerly, so each of these is the plain Python loop or branch it stands for; the tape
records the ops inside, so gradients flow through the branch taken and every iteration run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .backend import xp
from .engine.ops import math as _m
from .engine.tensor import Tensor, as_tensor, record

__all__ = ["associative_scan", "cond", "custom_gradient", "fori_loop", "map", "scan", "switch", "vectorize",
           "vectorized_map", "while_loop"]


def _truth(pred: Any) -> bool:
    value = pred.data if isinstance(pred, Tensor) else xp.asarray(pred)
    if value.size != 1:
        raise ValueError(f"cond: pred must be a scalar boolean, got shape {value.shape}")
    return bool(value.reshape(()))


def cond(pred: Any, true_fn: Callable[[], Any], false_fn: Callable[[], Any]) -> Any:
    """``true_fn()`` if ``pred`` else ``false_fn()``."""
    return true_fn() if _truth(pred) else false_fn()


def switch(index: Any, branches: Sequence[Callable[..., Any]], *operands: Any) -> Any:
    """``branches[index](*operands)``, the index clamped into range as Keras does."""
    if not branches:
        raise ValueError("switch: branches must not be empty")
    i = int(index.data if isinstance(index, Tensor) else index)
    return branches[min(max(i, 0), len(branches) - 1)](*operands)


def fori_loop(lower: int, upper: int, body_fun: Callable[[int, Any], Any], init_val: Any) -> Any:
    """``val = body_fun(i, val)`` for i in [lower, upper); returns the final ``val``."""
    val = init_val
    for i in range(int(lower), int(upper)):
        val = body_fun(i, val)
    return val


def while_loop(cond: Callable[..., Any], body: Callable[..., Any], loop_vars: Any,
               maximum_iterations: int | None = None) -> Any:
    """``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)`` (at most ``maximum_iterations`` times)."""
    is_tuple = isinstance(loop_vars, (tuple, list))
    state = tuple(loop_vars) if is_tuple else (loop_vars,)
    steps = 0
    while (maximum_iterations is None or steps < maximum_iterations) and _truth(cond(*state)):
        out = body(*state)
        state = tuple(out) if is_tuple else (out,)
        if len(state) != (len(loop_vars) if is_tuple else 1):
            raise ValueError(f"while_loop: body returned {len(state)} values for {len(loop_vars)} loop_vars")
        steps += 1
    return state if is_tuple else state[0]


def _stack(items: list[Any]) -> Any:
    """Stack a list of per-step outputs (tensors, or tuples/lists of them, or None) along a new axis 0."""
    first = items[0]
    if first is None:
        return None
    if isinstance(first, (tuple, list)):
        return type(first)(_stack([it[k] for it in items]) for k in range(len(first)))
    return _m.stack([as_tensor(it) for it in items], axis=0)


def _unstacked(xs: Any, length: int | None) -> tuple[list[Any], int]:
    """The per-step slices of ``xs`` (a tensor, a tuple/list of them, or None)."""
    if xs is None:
        if length is None:
            raise ValueError("scan: give xs or length")
        return [None] * int(length), int(length)
    if isinstance(xs, (tuple, list)):
        parts = [_unstacked(x, length)[0] for x in xs]
        n = len(parts[0])
        return [type(xs)(p[i] for p in parts) for i in range(n)], n
    xs = as_tensor(xs)
    return [xs[i] for i in range(xs.shape[0])], xs.shape[0]


def scan(f: Callable[[Any, Any], tuple[Any, Any]], init: Any, xs: Any = None, length: int | None = None,
         reverse: bool = False, unroll: int = 1) -> tuple[Any, Any]:
    """``carry, y = f(carry, x)`` over the leading axis of ``xs``; returns ``(carry, stacked ys)``."""
    steps, n = _unstacked(xs, length)
    if length is not None and int(length) != n:
        raise ValueError(f"scan: length={length} does not match the {n} steps of xs")
    carry, ys = init, []
    for x in (reversed(steps) if reverse else steps):
        carry, y = f(carry, x)
        ys.append(y)
    if reverse:
        ys.reverse()
    return carry, (_stack(ys) if ys else None)


def map(f: Callable[[Any], Any], xs: Any) -> Any:  # noqa: A001 - Keras' name
    """``stack([f(x) for x in xs])`` over the leading axis."""
    steps, _ = _unstacked(xs, None)
    return _stack([f(x) for x in steps])


def vectorized_map(function: Callable[[Any], Any], elements: Any) -> Any:
    """Same as :func:`map` (NumPy has no vectorising transform; the loop is the honest version)."""
    return map(function, elements)


def _core_ndims(signature: str | None, n_args: int) -> tuple[list[int], bool]:
    """From a NumPy gufunc signature like ``"(m,n),(n)->(m)"``: each input's number of core axes."""
    if signature is None:
        return [0] * n_args, False
    import re

    parsed = re.fullmatch(r"\s*((?:\([^()]*\)\s*,?\s*)*)->\s*(\([^()]*\)(?:\s*,\s*\([^()]*\))*)\s*", signature)
    if parsed is None:
        raise ValueError(f"vectorize: signature must look like '(m,n),(n)->(m)', got {signature!r}")
    inputs = re.findall(r"\(([^()]*)\)", parsed.group(1))
    if len(inputs) != n_args:
        raise ValueError(f"vectorize: the signature has {len(inputs)} inputs, the call passed {n_args}")
    outputs = re.findall(r"\(([^()]*)\)", parsed.group(2))
    return [len([d for d in core.split(",") if d.strip()]) for core in inputs], len(outputs) > 1


def vectorize(pyfunc: Callable[..., Any], *, excluded: Any = None, signature: str | None = None) -> Callable[..., Any]:
    """``pyfunc`` applied over the broadcast leading (loop) axes of its inputs, the results stacked back.

    ``signature`` (NumPy's gufunc notation) says how many trailing axes each input hands ``pyfunc`` whole;
    without one, ``pyfunc`` gets one entry at a time.  ``excluded`` names positions passed through unchanged.
    A Python loop, so it is slow on big inputs, but it is differentiable like ``pyfunc``.
    """
    skip = set(excluded or ())

    def vectorized(*args: Any) -> Any:
        live = [i for i in range(len(args)) if i not in skip]
        tensors = {i: as_tensor(args[i]) for i in live}
        cores, multi = _core_ndims(signature, len(live))
        loops = [tensors[i].shape[:tensors[i].ndim - c] for i, c in zip(live, cores)]
        batch = xp.broadcast_shapes(*loops) if loops else ()
        results = []
        for index in xp.ndindex(*batch):
            call = list(args)
            for i, loop in zip(live, loops):
                local = index[len(index) - len(loop):]  # right-aligned, as broadcasting
                call[i] = tensors[i][tuple(0 if n == 1 else k for k, n in zip(local, loop))] if loop else tensors[i]
            results.append(pyfunc(*call))
        if not results:
            raise ValueError("vectorize: the loop axes are empty, so there is nothing to stack")
        if multi:
            return tuple(_m.reshape(_stack([r[k] for r in results]), batch + as_tensor(results[0][k]).shape)
                         for k in range(len(results[0])))
        return _m.reshape(_stack(results), batch + as_tensor(results[0]).shape)

    return vectorized


def associative_scan(f: Callable[[Any, Any], Any], elems: Any, reverse: bool = False, axis: int = 0) -> Any:
    """Running ``f``-combination along ``axis``: out[i] = f(out[i - 1], elems[i]) (cumsum for ``add``)."""
    from .ops_arrays import moveaxis

    def to_front(x: Any) -> Any:
        return moveaxis(x, axis, 0) if axis != 0 else as_tensor(x)

    moved = type(elems)(to_front(e) for e in elems) if isinstance(elems, (tuple, list)) else to_front(elems)
    steps, _ = _unstacked(moved, None)
    order = list(reversed(steps)) if reverse else steps
    out = [order[0]]
    for x in order[1:]:
        out.append(f(out[-1], x))
    if reverse:
        out.reverse()
    stacked = _stack(out)

    def back(x: Any) -> Any:
        return moveaxis(x, 0, axis) if axis != 0 else x

    return type(stacked)(back(s) for s in stacked) if isinstance(stacked, (tuple, list)) else back(stacked)


def custom_gradient(f: Callable[..., tuple[Any, Callable[..., Any]]]) -> Callable[..., Tensor]:
    """Decorate ``f(*x) -> (y, grad_fn)`` so the tape uses ``grad_fn(upstream)`` as y's gradient.

    ``grad_fn`` receives the upstream gradient (a tensor shaped like y) and returns one gradient
    per input (a single value for a single input).  The forward's own ops are not recorded.
    """
    def wrapped(*args: Any) -> Tensor:
        inputs = tuple(as_tensor(a) for a in args)
        y, grad_fn = f(*(Tensor(t.data) for t in inputs))  # constants: the inner ops stay off the tape
        y = as_tensor(y)

        def backward(g: Any) -> tuple[Any, ...]:
            grads = grad_fn(Tensor(g))
            grads = grads if isinstance(grads, (tuple, list)) else (grads,)
            if len(grads) != len(inputs):
                raise ValueError(f"custom_gradient: grad_fn returned {len(grads)} gradients for {len(inputs)} inputs")
            return tuple(None if gr is None else xp.broadcast_to(as_tensor(gr).data, t.shape).astype(t.dtype)
                         for gr, t in zip(grads, inputs))

        return record(y.data, inputs, backward)

    wrapped.__name__ = getattr(f, "__name__", "custom_gradient")
    wrapped.__doc__ = f.__doc__
    return wrapped
