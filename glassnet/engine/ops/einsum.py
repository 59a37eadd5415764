"""``einsum``: Einstein summation over any number of operands, with its gradient.

The gradient of one operand is again an einsum: the output gradient contracted with all the
other operands, written back to that operand's subscripts.  Letters of an operand that appear
nowhere else were summed away in the forward pass, so their gradient is the same everywhere
along them (a broadcast).  Ellipses (``...``) and repeated letters inside one operand (diagonals)
are refused with a clear message rather than differentiated wrongly.
"""

from __future__ import annotations

from typing import Any

from ...backend import xp
from ..tensor import Tensor, as_tensor, record


def _parse(subscripts: str, count: int) -> tuple[list[str], str]:
    spec = subscripts.replace(" ", "")
    if "." in spec:
        raise NotImplementedError("einsum: ellipsis ('...') subscripts are not supported; name every axis")
    inputs, arrow, output = spec.partition("->")
    parts = inputs.split(",")
    if len(parts) != count:
        raise ValueError(f"einsum: {subscripts!r} names {len(parts)} operand(s) but {count} were given")
    if not arrow:  # implicit output: the letters seen once, in alphabetical order (NumPy's rule)
        letters = "".join(parts)
        output = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    for p in parts:
        if len(set(p)) != len(p):
            raise NotImplementedError(f"einsum: the repeated letter in {p!r} (a diagonal) is not supported")
    return parts, output


def einsum(subscripts: str, *operands: Any) -> Tensor:
    """``np.einsum(subscripts, *operands)``, e.g. ``einsum("bij,ijkl->bkl", x, w)``.

    Parameters
    ----------
    subscripts : str
        One group of letters per operand, comma-separated, then ``->`` and the output's letters.
    *operands : array_like or Tensor
    """
    tensors = [as_tensor(t) for t in operands]
    parts, output = _parse(subscripts, len(tensors))
    out = xp.einsum(f"{','.join(parts)}->{output}", *[t.data for t in tensors])

    def backward(g: Any) -> list[Any]:
        grads = []
        for k, (sub, t) in enumerate(zip(parts, tensors)):
            others = [(p, o.data) for i, (p, o) in enumerate(zip(parts, tensors)) if i != k]
            seen = set(output).union(*[set(p) for p, _ in others])
            kept = "".join(c for c in sub if c in seen)
            grad = xp.einsum(f"{','.join([output] + [p for p, _ in others])}->{kept}", g, *[d for _, d in others])
            # Letters summed away in the forward pass: the gradient is constant along them.
            grad = grad.reshape([t.shape[i] if c in seen else 1 for i, c in enumerate(sub)])
            grads.append(xp.broadcast_to(grad, t.shape).astype(t.dtype, copy=True))
        return grads

    return record(out, tuple(tensors), backward)
