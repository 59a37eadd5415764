"""Tensors, variables and the gradient tape: reverse-mode automatic differentiation.

How back-propagation works here, in three sentences:

1. Every primitive operation computes its output array and, while a
   :class:`GradientTape` records, appends one *node* to the tape: the output,
   the inputs, and a ``backward`` function that turns dC/d(output) into
   dC/d(input) for each input (the vector-Jacobian product).
2. Nodes are appended in the order they run, which is already a topological
   order of the graph, so no sort is needed.
3. :meth:`GradientTape.gradient` seeds dC/dC = 1 and walks the nodes in
   reverse, adding up the gradient reaching each tensor (a tensor used twice
   receives the sum of both contributions: the multivariable chain rule).

The walk is a plain loop, not recursion, so deep graphs (long RNNs) cannot hit
Python's recursion limit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from .. import backend
from ..backend import xp

BackwardFn = Callable[[Any], Sequence[Any]]

# The tapes now recording, innermost last.  Ops only record when this is non-empty.
_ACTIVE_TAPES: list["GradientTape"] = []


class Tensor:
    """An array that remembers how it was computed, so gradients can flow back through it.

    Parameters
    ----------
    data : array_like
        The values.  Python floats and lists become arrays of ``backend.floatx()``.
    requires_grad : bool
        Whether gradients should be computed with respect to this tensor.
    name : str, optional
        A label shown in ``repr`` and error messages.

    Notes
    -----
    Tensors support the arithmetic operators (``+ - * / ** @``, unary ``-``),
    indexing, ``reshape``, ``T``, ``sum``, ``mean`` and ``max``, all
    differentiable, so plain Python arithmetic inside a subclassed
    ``Model.call`` or a custom loss is differentiated like any layer.

    Attributes
    ----------
    pre_activation : (str, Tensor) or (str, Tensor, tuple) or None
        Set only on the output of ``softmax`` and ``sigmoid``: the activation's
        name and its input z (the logits), so a cross-entropy applied to these
        probabilities can use the numerically stable logits form instead.
        Read it with :func:`glassnet.engine.ops.nn.logits_of`, which explains why.
        Softmax adds what it computed on the way (read by :func:`~glassnet.engine.ops.nn.sparse_softmax_cross_entropy`).
    """

    __slots__ = ("data", "requires_grad", "name", "pre_activation", "_keras_mask", "__weakref__")
    # Make NumPy hand `ndarray + tensor` to Tensor.__radd__ instead of broadcasting element-wise.
    __array_ufunc__ = None

    def __init__(self, data: Any, requires_grad: bool = False, name: str | None = None) -> None:
        if isinstance(data, Tensor):
            data = data.data
        elif not hasattr(data, "dtype"):
            data = xp.asarray(data, dtype=backend.floatx())
        self.data = data
        self.requires_grad = requires_grad
        self.name = name
        # Only softmax/sigmoid set it (see engine.ops.nn.logits_of); every other tensor has none.
        self.pre_activation: tuple[Any, ...] | None = None
        # A layer's output mask (bool (batch, timesteps)), as Keras sets it; see Layer.compute_mask.
        self._keras_mask: Any = None

    # -- array facts --------------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        """The array shape."""
        return self.data.shape

    @property
    def dtype(self) -> Any:
        """The array dtype."""
        return self.data.dtype

    @property
    def ndim(self) -> int:
        """The number of axes."""
        return self.data.ndim

    def numpy(self) -> Any:
        """Return the values as a NumPy array (shares memory where possible)."""
        return backend.to_numpy(self.data)

    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        arr = backend.to_numpy(self.data)
        return arr.astype(dtype) if dtype is not None else arr

    def __len__(self) -> int:
        return len(self.data)

    def __float__(self) -> float:
        if self.data.size != 1:
            raise TypeError(f"only a tensor with one element can be converted to a float, got shape {self.shape}")
        # NumPy 2 refuses float() on a (1,)-shaped array; a one-element tensor is a number here, as in TF.
        return float(self.data.reshape(()))

    def __repr__(self) -> str:
        label = f", name={self.name!r}" if self.name else ""
        return f"<Tensor shape={self.shape} dtype={self.dtype}{label}>\n{self.data!r}"

    # -- operators (the ops live in ops.math; imported lazily to avoid a cycle) ---------------
    def __add__(self, other: Any) -> "Tensor":
        return _math().add(self, other)

    def __radd__(self, other: Any) -> "Tensor":
        return _math().add(other, self)

    def __sub__(self, other: Any) -> "Tensor":
        return _math().subtract(self, other)

    def __rsub__(self, other: Any) -> "Tensor":
        return _math().subtract(other, self)

    def __mul__(self, other: Any) -> "Tensor":
        return _math().multiply(self, other)

    def __rmul__(self, other: Any) -> "Tensor":
        return _math().multiply(other, self)

    def __truediv__(self, other: Any) -> "Tensor":
        return _math().divide(self, other)

    def __rtruediv__(self, other: Any) -> "Tensor":
        return _math().divide(other, self)

    def __pow__(self, other: Any) -> "Tensor":
        return _math().power(self, other)

    def __rpow__(self, other: Any) -> "Tensor":
        return _math().power(other, self)

    def __matmul__(self, other: Any) -> "Tensor":
        return _math().matmul(self, other)

    def __rmatmul__(self, other: Any) -> "Tensor":
        return _math().matmul(other, self)

    def __neg__(self) -> "Tensor":
        return _math().negative(self)

    def __pos__(self) -> "Tensor":
        return self

    def __abs__(self) -> "Tensor":
        return _math().abs(self)

    def __getitem__(self, index: Any) -> "Tensor":
        return _math().getitem(self, index)

    # Comparisons give plain boolean arrays: they have no gradient.
    def __lt__(self, other: Any) -> Any:
        return self.data < _raw(other)

    def __le__(self, other: Any) -> Any:
        return self.data <= _raw(other)

    def __gt__(self, other: Any) -> Any:
        return self.data > _raw(other)

    def __ge__(self, other: Any) -> Any:
        return self.data >= _raw(other)

    __hash__ = object.__hash__

    @property
    def T(self) -> "Tensor":
        """The transpose (axes reversed)."""
        return _math().transpose(self)

    def reshape(self, *shape: Any) -> "Tensor":
        """Return the same values in a new shape (differentiable)."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return _math().reshape(self, shape)

    def sum(self, axis: Any = None, keepdims: bool = False) -> "Tensor":
        """Sum over ``axis`` (all axes by default)."""
        return _math().sum(self, axis=axis, keepdims=keepdims)

    def mean(self, axis: Any = None, keepdims: bool = False) -> "Tensor":
        """Mean over ``axis`` (all axes by default)."""
        return _math().mean(self, axis=axis, keepdims=keepdims)

    def max(self, axis: Any = None, keepdims: bool = False) -> "Tensor":
        """Maximum over ``axis`` (gradient goes to the arg-max entries)."""
        return _math().max(self, axis=axis, keepdims=keepdims)


class Variable(Tensor):
    """A named, mutable tensor: a weight, a bias, a moving average.

    ``trainable`` variables receive gradients.  :meth:`assign` writes in
    place, so views kept by an optimizer stay valid.
    """

    __slots__ = ("trainable", "regularizer", "constraint", "path")

    def __init__(
        self,
        value: Any,
        trainable: bool = True,
        name: str | None = None,
        dtype: Any = None,
    ) -> None:
        # Row-major always: optimizers re-point variables at views of one flat buffer, and a gradient
        # check perturbs .data in place; a Fortran-ordered copy would break both silently.
        arr = xp.array(_raw(value), dtype=dtype or backend.floatx(), copy=True, order="C")
        super().__init__(arr, requires_grad=trainable, name=name)
        self.trainable = trainable
        self.regularizer = None
        self.constraint = None  # applied by the optimizer after each update (glassnet.constraints)
        self.path = name

    def assign(self, value: Any) -> None:
        """Overwrite the values in place; the shape must match."""
        value = _raw(value)
        if tuple(xp.shape(value)) != self.data.shape:
            raise ValueError(
                f"Variable '{self.path}': cannot assign a value of shape {tuple(xp.shape(value))} "
                f"to a variable of shape {self.data.shape}"
            )
        self.data[...] = value

    def assign_add(self, value: Any) -> "Variable":
        """Add ``value`` in place (``value`` may broadcast to the variable's shape); returns the variable."""
        return self._update(value, "assign_add", xp.add)

    def assign_sub(self, value: Any) -> "Variable":
        """Subtract ``value`` in place (``value`` may broadcast to the variable's shape); returns the variable."""
        return self._update(value, "assign_sub", xp.subtract)

    def _update(self, value: Any, fn: str, ufunc: Any) -> "Variable":
        value = xp.asarray(_raw(value))
        try:
            fits = backend.broadcast_shapes(value.shape, self.data.shape) == self.data.shape
        except ValueError:
            fits = False
        if not fits:
            raise ValueError(f"Variable '{self.path}': {fn} got a value of shape {value.shape}, which does not "
                             f"broadcast to the variable's shape {self.data.shape}")
        # In place (out=), so optimizer views of this buffer stay valid; casting keeps the variable's dtype.
        ufunc(self.data, value, out=self.data, casting="unsafe")
        return self

    @property
    def value(self) -> Any:
        """The current array."""
        return self.data

    def __repr__(self) -> str:
        return f"<Variable path={self.path!r} shape={self.shape} dtype={self.dtype}>\n{self.data!r}"


def _raw(value: Any) -> Any:
    return value.data if isinstance(value, Tensor) else value


def as_tensor(value: Any) -> Tensor:
    """Wrap ``value`` in a constant :class:`Tensor` unless it already is one.

    Python scalars and lists become ``floatx`` arrays; NumPy arrays keep their dtype.
    """
    if isinstance(value, Tensor):
        return value
    return Tensor(value)


def record(data: Any, parents: tuple[Tensor, ...], backward: BackwardFn) -> Tensor:
    """Wrap an op's output ``data`` and, if a tape records, remember how to differentiate it.

    ``backward(g)`` must return one gradient (or ``None``) per parent, each the
    shape of that parent.
    """
    out = Tensor(data)
    if _ACTIVE_TAPES:
        for p in parents:
            if p.requires_grad:
                out.requires_grad = True
                node = (out, parents, backward)
                for tape in _ACTIVE_TAPES:
                    tape._nodes.append(node)
                break
    return out


def is_recording(*tensors: Tensor | None) -> bool:
    """Whether a :class:`GradientTape` is recording now; given ``tensors``, also whether one needs a gradient.

    Ops ask this before doing work that only the backward pass needs (keeping a column matrix,
    the winners of a max-pool), so inference and ``predict`` skip it.

    Parameters
    ----------
    *tensors : Tensor or None
        The op's differentiable inputs; ``None`` entries (an absent bias) are ignored.  With no
        tensors, only whether some tape records.

    Returns
    -------
    bool
        True when a tape records and (if tensors are given) one of them requires a gradient,
        i.e. exactly when :func:`record` would put the op's node on the tape.
    """
    if not _ACTIVE_TAPES:
        return False
    return not tensors or any(t is not None and t.requires_grad for t in tensors)


class GradientTape:
    """Record operations so their gradients can be computed, as ``tf.GradientTape`` does.

    Examples
    --------
    >>> import glassnet as gn
    >>> w = gn.Variable([2.0, -1.0])
    >>> with gn.GradientTape() as tape:
    ...     loss = (w * w).sum()
    >>> tape.gradient(loss, w)   # d/dw sum(w^2) = 2w
    array([ 4., -2.], dtype=float32)
    """

    def __init__(self, persistent: bool = False) -> None:
        self.persistent = persistent
        self._nodes: list[tuple[Tensor, tuple[Tensor, ...], BackwardFn]] = []
        self._used = False

    def __enter__(self) -> "GradientTape":
        _ACTIVE_TAPES.append(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        _ACTIVE_TAPES.remove(self)

    def watch(self, tensor: Tensor | Iterable[Tensor]) -> None:
        """Ask for gradients with respect to a constant tensor too."""
        items = tensor if isinstance(tensor, (list, tuple)) else [tensor]
        for t in items:
            if not isinstance(t, Tensor):
                raise TypeError(f"GradientTape.watch expects Tensors, got {type(t).__name__}")
            t.requires_grad = True

    def gradient(self, target: Tensor, sources: Any) -> Any:
        """Return d(target)/d(source) for each source, shaped like the source.

        ``target`` is summed first if it is not a scalar (as TensorFlow does).
        A source the target does not depend on gets ``None``.
        """
        if self._used and not self.persistent:
            raise RuntimeError(
                "GradientTape.gradient can only be called once on a non-persistent tape; "
                "use GradientTape(persistent=True) to call it several times"
            )
        self._used = True
        single = isinstance(sources, Tensor)
        source_list = [sources] if single else list(sources)
        grads = backpropagate(target, self._nodes, keep={id(s) for s in source_list})
        result = [grads.get(id(s)) for s in source_list]
        # Reductions hand back read-only broadcast views; give the caller arrays it may update in place.
        result = [g if g is None or backend.writeable(g) else g.copy() for g in result]
        if not self.persistent:
            self._nodes = []
        return result[0] if single else result


def backpropagate(
    target: Tensor,
    nodes: list[tuple[Tensor, tuple[Tensor, ...], BackwardFn]],
    keep: set[int],
    seed: Any = None,
) -> dict[int, Any]:
    """Walk ``nodes`` backwards from ``target``; return gradients keyed by ``id(tensor)``.

    ``keep`` names the tensors whose gradients must survive the walk (the
    sources); every other gradient is dropped as soon as it has been passed on,
    which keeps peak memory at one layer's worth of activations.
    """
    if not isinstance(target, Tensor):
        raise TypeError(f"gradient target must be a Tensor, got {type(target).__name__}")
    if seed is None:
        seed = xp.ones_like(target.data)
    grads: dict[int, Any] = {id(target): seed}
    for out, parents, backward in reversed(nodes):
        key = id(out)
        g = grads.get(key) if key in keep else grads.pop(key, None)
        if g is None:
            continue
        for parent, pg in zip(parents, backward(g)):
            if pg is None or not parent.requires_grad:
                continue
            pk = id(parent)
            if pk in grads:
                grads[pk] = grads[pk] + pg
            else:
                grads[pk] = pg
    return grads


_MATH_OPS: Any = None


def _math() -> Any:
    global _MATH_OPS
    if _MATH_OPS is None:
        from .ops import math as math_ops

        _MATH_OPS = math_ops
    return _MATH_OPS
