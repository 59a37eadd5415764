"""What the recurrent ops share: activations with derivatives from their outputs, the time-major layout,
masks (steps skipped as Keras does), recurrent dropout, the outputs and final states, and the weight
gradients of back-propagation through time taken in one matmul each.

:mod:`glassnet.engine.ops.recurrent` holds the three cells that use them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...backend import xp
from ..tensor import Tensor, as_tensor, record
from .parallel import split_matmul


# --- activations with their derivative written from the output y = f(z) (no z need be kept) ---------
def _sigmoid(z: Any) -> Any:
    # 1 / (1 + e^-z) = (tanh(z/2) + 1) / 2, in place: no overflow, one transcendental call.
    z *= 0.5
    xp.tanh(z, out=z)
    z *= 0.5
    z += 0.5
    return z


_SELU_ALPHA, _SELU_SCALE = 1.6732632423543772, 1.0507009873554805

# name -> (f applied in place to z, f'(z) written from y = f(z))
ACTIVATIONS: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "tanh": (lambda z: xp.tanh(z, out=z), lambda y: 1 - y * y),
    "sigmoid": (_sigmoid, lambda y: y * (1 - y)),
    "hard_sigmoid": (lambda z: xp.clip((z + 3) / 6, 0, 1), lambda y: ((y > 0) & (y < 1)) / 6),
    "relu": (lambda z: xp.maximum(z, 0, out=z), lambda y: (y > 0).astype(y.dtype)),
    "linear": (lambda z: z, lambda y: xp.ones_like(y)),
    "softsign": (lambda z: z / (1 + xp.abs(z)), lambda y: (1 - xp.abs(y)) ** 2),
    "elu": (lambda z: xp.where(z > 0, z, xp.expm1(xp.minimum(z, 0))), lambda y: xp.where(y > 0, 1, y + 1)),
    "selu": (lambda z: _SELU_SCALE * xp.where(z > 0, z, _SELU_ALPHA * xp.expm1(xp.minimum(z, 0))),
             lambda y: xp.where(y > 0, _SELU_SCALE, y + _SELU_SCALE * _SELU_ALPHA)),
    "softplus": (lambda z: xp.maximum(z, 0) + xp.log1p(xp.exp(-xp.abs(z))), lambda y: -xp.expm1(-y)),
    "exponential": (lambda z: xp.exp(z, out=z), lambda y: y),
}


def act(name: str, owner: str) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    """The activation ``name`` applied in place, and its derivative written from its output."""
    if name not in ACTIVATIONS:
        raise ValueError(f"{owner}: activation {name!r} is not available in a recurrent cell; "
                         f"choose one of {', '.join(sorted(ACTIVATIONS))}")
    f, d = ACTIVATIONS[name]

    def in_place(z: Any) -> Any:
        # writes f(z) into z (a view of the gate buffer); the in-place activations need no copy back
        y = f(z)
        if y is not z:
            z[...] = y
        return z

    return in_place, d


# --- what the three ops share: the time-major layout, the mask, outputs and final states --------------
def time_major(x: Any, go_backwards: bool) -> Any:
    xt = x.transpose(1, 0, 2)  # (T, batch, in): each step's rows contiguous
    return xp.ascontiguousarray(xt[::-1] if go_backwards else xt)


def mask_steps(mask: Any, shape: tuple[int, ...], go_backwards: bool, owner: str) -> Any:
    if mask is None:
        return None
    m = xp.asarray(mask.data if isinstance(mask, Tensor) else mask)
    if m.shape != shape[:2]:
        raise ValueError(f"{owner}: mask must have shape (batch, timesteps) = {shape[:2]}, got {m.shape}")
    m = m.astype(bool).T[:, :, None]  # (T, batch, 1)
    return m[::-1] if go_backwards else m


def check(x: Tensor, owner: str) -> None:
    if x.ndim != 3:
        raise ValueError(f"{owner}: expects inputs of shape (batch, timesteps, features), got {x.shape}")
    if x.shape[1] == 0:
        raise ValueError(f"{owner}: the sequence has no time steps (shape {x.shape})")


def initial(state: Any, batch: int, units: int, dtype: Any, name: str, owner: str) -> Tensor | None:
    if state is None:
        return None
    state = as_tensor(state)
    if state.shape != (batch, units):
        raise ValueError(f"{owner}: initial state {name} must have shape {(batch, units)}, got {state.shape}")
    return state


def outputs(H: Any, mask: Any) -> Any:
    """The outputs o_t: h_t where the step is kept, else the previous output (zeros at first), as Keras."""
    if mask is None:
        return H[1:]
    out = xp.empty_like(H[1:])
    prev = xp.zeros_like(H[0])
    for t in range(out.shape[0]):
        prev = out[t] = xp.where(mask[t], H[t + 1], prev)
    return out


def finish(node_inputs: tuple[Tensor, ...], H: Any, extra_states: list[Any], mask: Any, return_sequences: bool,
           backward: Callable[[Any, list[Any]], tuple[Any, ...]],
           differentiable_states: bool = True) -> tuple[Tensor, list[Tensor]]:
    """Record the op's output and its final states (as constants unless ``differentiable_states``).

    The tape holds one output per node, so each final state is a node of its own whose backward only
    stores dC/d(state) for the op's backward to pick up (they run first: the tape walks in reverse) and
    passes a zero gradient to the output so that the op's backward runs even when only a state is used.
    """
    outs = outputs(H, mask)
    data = xp.ascontiguousarray(outs.transpose(1, 0, 2)) if return_sequences else outs[-1].copy()
    state_grads: list[Any] = [None] * (1 + len(extra_states))

    def op_backward(g: Any) -> tuple[Any, ...]:
        grads = backward(g.transpose(1, 0, 2) if return_sequences else g, list(state_grads))
        state_grads[:] = [None] * len(state_grads)  # consumed: a persistent tape's next walk starts afresh
        return grads

    # glassnet.trace names an op after the function its backward is defined in: the cell, not finish
    cell = backward.__qualname__.split(".<locals>")[0]
    op_backward.__qualname__ = f"{cell}.<locals>.backward"
    out = record(data, node_inputs, op_backward)
    states = []
    for k, s in enumerate([H[-1]] + extra_states):
        def final_state(g: Any, k: int = k) -> tuple[Any]:
            state_grads[k] = g if state_grads[k] is None else state_grads[k] + g
            return (xp.broadcast_to(xp.zeros((), dtype=data.dtype), data.shape),)

        final_state.__qualname__ = f"{cell}_final_state.<locals>.backward"
        keep = out.requires_grad and differentiable_states
        states.append(record(s.copy(), (out,), final_state) if keep else Tensor(s.copy()))
    return out, states


def output_grads(g: Any, return_sequences: bool, mask: Any, T: int, batch: int, units: int, dtype: Any) -> Any:
    """dC/dh_t coming from the outputs, step by step (T, batch, u): the mask routes a held output's
    gradient back to the step that produced it."""
    if return_sequences:
        gs = g.astype(dtype, copy=True)
    else:
        gs = xp.zeros((T, batch, units), dtype=dtype)
        gs[-1] = g
    if mask is not None:
        acc = xp.zeros((batch, units), dtype=dtype)
        for t in range(T - 1, -1, -1):
            acc += gs[t]
            gs[t] = xp.where(mask[t], acc, 0)
            acc = xp.where(mask[t], 0, acc)
    return gs


def start_grads(g: Any, state_grad: Any, return_sequences: bool, mask: Any, T: int, batch: int, units: int,
                dtype: Any) -> tuple[Any, Any]:
    """(dC/dh_t from the outputs for every step, or None; dh carried into step T-1, a fresh array).

    With only the last output and no mask, the outputs' gradient all enters at t = T-1: the loop then
    need not add T - 1 zero arrays."""
    if return_sequences or mask is not None:
        dh = xp.zeros((batch, units), dtype=dtype) if state_grad is None else state_grad.astype(dtype, copy=True)
        return output_grads(g, return_sequences, mask, T, batch, units, dtype), dh
    dh = g.astype(dtype, copy=True)
    if state_grad is not None:
        dh += state_grad
    return None, dh


def column_sums(dZ: Any) -> Any:
    """1^T dZ over all steps and rows (a bias gradient); ones @ dZ is 2-3x faster than dZ.sum(axis=0) here
    (design/speed-notes.md)."""
    dZ2 = dZ.reshape(dZ.shape[0] * dZ.shape[1], -1) if dZ.ndim > 2 else dZ
    return (xp.ones((1, dZ2.shape[0]), dtype=dZ2.dtype) @ dZ2)[0]


def weight_grads(xt: Any, H: Any, dZ: Any, dZ_rec: Any, x: Tensor, kernel: Tensor, recurrent: Tensor,
                  go_backwards: bool, W: Any = None, rm: Any = None) -> tuple[Any, Any, Any]:
    """dx = dZ W^T, dW = X^T dZ, dU = H_prev^T dZ_rec: all steps in one matmul each (H_prev * rm under
    recurrent dropout)."""
    T, batch = dZ.shape[:2]
    # With threads over the batch, each product is dealt over them too (parallel.split_matmul).
    dZ2 = dZ.reshape(T * batch, -1)
    dx = None
    if x.requires_grad:
        dxt = split_matmul(dZ2, (kernel.data if W is None else W).T).reshape(T, batch, -1)
        dx = xp.ascontiguousarray((dxt[::-1] if go_backwards else dxt).transpose(1, 0, 2))
    dw = split_matmul(xt.reshape(T * batch, -1).T, dZ2) if kernel.requires_grad else None
    du = None
    if recurrent.requires_grad:
        hp = H[:-1] if rm is None else H[:-1] * rm
        du = split_matmul(hp.reshape(T * batch, -1).T, dZ_rec.reshape(T * batch, -1))
    return dx, dw, du


def recurrent_mask(mask: Any, batch: int, units: int, owner: str) -> Any:
    """Recurrent dropout: one mask (batch, u), already scaled by 1/(1 - rate), on h_{t-1} at every step."""
    if mask is None:
        return None
    rm = xp.asarray(mask.data if isinstance(mask, Tensor) else mask)
    if rm.shape != (batch, units):
        raise ValueError(f"{owner}: recurrent_mask must have shape {(batch, units)}, got {rm.shape}")
    return rm


def times(a: Any, rm: Any) -> Any:
    # dC/dh_{t-1} through (h_{t-1} * rm) U is (dz U^T) * rm
    if rm is not None:
        a *= rm
    return a


def tensors(*values: Any) -> list[Any]:
    return [None if v is None else as_tensor(v) for v in values]


def parents(*tensors: Tensor | None) -> tuple[Tensor, ...]:
    return tuple(t for t in tensors if t is not None)


def grads_for(parents: tuple[Tensor, ...], named: dict[int, Any]) -> tuple[Any, ...]:
    return tuple(named.get(id(p)) for p in parents)
