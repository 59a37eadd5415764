"""Symbolic tensors and graph nodes: how the Functional API records a model.

``keras.Input(shape=(784,))`` returns a :class:`SymbolicTensor`: a shape and a
dtype with no values.  Calling a layer on it does not compute anything; it
records a :class:`Node` (layer, inputs, outputs) and returns new symbolic
tensors whose shapes come from running the layer once on a dummy batch.
Plain arithmetic on symbolic tensors (``a + b``, ``x * 2``) records a node of
a small :class:`OperationLayer`, so it works in graphs as in eager code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import backend, serialization
from ..backend import xp
from ..checks import check_integer
from ..engine.allocation import numpy_dtype, zero_sample
from ..engine.ops import math as m
from ..engine.tensor import Tensor
from ..explanation import Equation, Explanation
from ..tree import flatten, map_structure
from .base import Layer, unique_name


class SymbolicTensor:
    """A placeholder in a Functional graph: a shape (batch axis ``None``) and a dtype.

    Attributes
    ----------
    shape : tuple
        The full shape, ``None`` for the batch axis unless a batch size was fixed.
    node : Node
        The node that produces this tensor (an ``InputLayer`` node for inputs).
    _keras_mask : SymbolicTensor or None
        As in Keras: a boolean (batch, ...) tensor of the graph when the layer that made this tensor gives
        its output a mask (Embedding(mask_zero=True), Masking, and the layers that pass a mask on); None
        otherwise.  Made on first use, by a ``keras_mask`` operation node reading the mask at run time, so
        it can be handed to a layer (``mask=x._keras_mask``) like any tensor of the graph.
    """

    __array_ufunc__ = None
    records_layer_calls = True
    """``Layer.__call__`` hands a call on a symbolic input to :meth:`record_call` instead of computing."""

    def __init__(self, shape: tuple[Any, ...], dtype: Any, node: "Node | None" = None,
                 index: int = 0, name: str | None = None) -> None:
        self.shape = tuple(shape)
        self.dtype = numpy_dtype(dtype)
        self.node = node
        self.index = index
        self.name = name
        self._mask_shape: tuple[Any, ...] | None = None  # set by call_symbolic when the layer gives a mask
        self._mask_tensor: SymbolicTensor | None = None

    @property
    def _keras_mask(self) -> "SymbolicTensor | None":
        if self._mask_shape is not None and self._mask_tensor is None:
            self._mask_tensor = _op("keras_mask", keras_mask_of)(self)
        return self._mask_tensor

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        return f"<SymbolicTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    def record_call(self, layer: Layer, inputs: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Record ``layer(inputs, *args, **kwargs)`` as a graph node (see :func:`call_symbolic`)."""
        return call_symbolic(layer, inputs, args, kwargs)

    def __len__(self) -> int:
        raise TypeError(
            "A symbolic tensor (from keras.Input) has no length: its batch size is unknown until "
            "the model is called on data"
        )

    def __bool__(self) -> bool:
        raise TypeError("A symbolic tensor (from keras.Input) has no truth value: it holds no data")

    def __array__(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(
            f"Cannot convert the symbolic tensor {self.name or ''} of shape {self.shape} to a NumPy "
            "array: it holds no data. Use layers (or +, -, *, / on symbolic tensors) to build the "
            "graph, then call the model on real data."
        )

    # Arithmetic records an OperationLayer node, so Functional graphs can use plain operators.
    def __add__(self, o: Any) -> Any:
        return _op("add", m.add)(self, o)

    def __radd__(self, o: Any) -> Any:
        return _op("add", m.add)(o, self)

    def __sub__(self, o: Any) -> Any:
        return _op("subtract", m.subtract)(self, o)

    def __rsub__(self, o: Any) -> Any:
        return _op("subtract", m.subtract)(o, self)

    def __mul__(self, o: Any) -> Any:
        return _op("multiply", m.multiply)(self, o)

    def __rmul__(self, o: Any) -> Any:
        return _op("multiply", m.multiply)(o, self)

    def __truediv__(self, o: Any) -> Any:
        return _op("divide", m.divide)(self, o)

    def __rtruediv__(self, o: Any) -> Any:
        return _op("divide", m.divide)(o, self)

    def __pow__(self, o: Any) -> Any:
        return _op("power", m.power)(self, o)

    def __matmul__(self, o: Any) -> Any:
        return _op("matmul", m.matmul)(self, o)

    def __neg__(self) -> Any:
        return _op("negative", m.negative)(self)

    def __abs__(self) -> Any:
        return _op("abs", m.abs)(self)

    def __getitem__(self, index: Any) -> Any:
        return _op("get_item", lambda x: m.getitem(x, index))(self)

    def reshape(self, *shape: Any) -> Any:
        shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        return _op("reshape", lambda x: m.reshape(x, shape))(self)

    def sum(self, axis: Any = None, keepdims: bool = False) -> Any:
        return _op("sum", lambda x: m.sum(x, axis=axis, keepdims=keepdims))(self)

    def mean(self, axis: Any = None, keepdims: bool = False) -> Any:
        return _op("mean", lambda x: m.mean(x, axis=axis, keepdims=keepdims))(self)


class Node:
    """One use of a layer in a graph: which symbolic tensors went in and which came out."""

    def __init__(self, layer: Layer, call_args: tuple[Any, ...], call_kwargs: dict[str, Any],
                 outputs: Any) -> None:
        self.layer = layer
        self.call_args = call_args
        self.call_kwargs = call_kwargs
        self.outputs_structure = outputs
        self.outputs = flatten(outputs)
        self.parents = [t for t in flatten(call_args) + flatten(call_kwargs) if isinstance(t, SymbolicTensor)]

    @property
    def inputs_structure(self) -> Any:
        return self.call_args[0] if len(self.call_args) == 1 else list(self.call_args)


def keras_mask_of(x: Any) -> Tensor:
    """The mask riding on ``x`` as a boolean tensor (all True when it has none): ``x._keras_mask`` in a graph."""
    mask = getattr(x, "_keras_mask", None)
    return Tensor(xp.ones(x.shape[:-1], dtype=bool) if mask is None else xp.asarray(mask, dtype=bool))


# Operations on symbolic tensors (``a + b``) that a config can name; closures such as x[1:3] cannot be saved.
_OPERATIONS = {"add": m.add, "subtract": m.subtract, "multiply": m.multiply, "divide": m.divide,
               "power": m.power, "matmul": m.matmul, "negative": m.negative, "abs": m.abs,
               "keras_mask": keras_mask_of}


class OperationLayer(Layer):
    """A weightless layer wrapping one engine operation (``a + b`` between symbolic tensors)."""

    serialized_class_name = "__operation__"
    """Configs name operation nodes this way (files written by glassnet 0.1 do too)."""

    def __init__(self, fn: Callable[..., Any], name: str | None = None, **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self.fn = fn
        # summary() shows "add (Add)" for a + b, as Keras 3 does for its operation nodes.
        base = (name or "operation").rstrip("0123456789").rstrip("_")
        self.display_type = "".join(part.capitalize() for part in base.split("_"))
        self.built = True  # no weights to create

    def call(self, *args: Any) -> Any:
        return self.fn(*args)

    def __call__(self, *args: Any, training: Any = None, **kwargs: Any) -> Any:
        if any_symbolic(args):
            return call_symbolic(self, args[0], args[1:], kwargs)
        return self.fn(*args, **kwargs)

    def _explain(self) -> Explanation:
        # The shapes of the graph node that recorded this operation (a + b between symbolic tensors).
        node = self._inbound_nodes[0] if self._inbound_nodes else None
        args = flatten(node.call_args) if node is not None else []
        inputs = {f"x{i + 1}": tuple(t.shape) for i, t in enumerate(t for t in args if isinstance(t, SymbolicTensor))}
        e = Explanation(self.name, self.display_type, dict(inputs), inputs=tuple(inputs))
        op = self.display_type.lower()
        if self._output_shape is not None and isinstance(self._output_shape, tuple):
            e.symbols["a"] = tuple(self._output_shape)
        template = " , ".join(inputs) + " -> a" if "a" in e.symbols and inputs else ""
        names, k = [], 0
        for t in args:  # the symbolic inputs by symbol, constants by value: multiply(x1, 2)
            k += isinstance(t, SymbolicTensor)
            names.append(f"x{k}" if isinstance(t, SymbolicTensor) else (f"{t:g}" if isinstance(t, float) else str(t)))
        e.forward.append(Equation(f"a = {op}({', '.join(names) or 'x'})", rf"a = \mathrm{{{op}}}(x)", template))
        if "a" in e.symbols:
            e.symbols["g"] = e.symbols["a"]
        for name in inputs:
            e.backward.append(Equation(f"dC/d{name}: by the backward of {op} in glassnet.engine.ops.math",
                                       "", f"g -> {name}" if "g" in e.symbols else ""))
        return e

    def get_config(self) -> dict[str, Any]:
        op = next((name for name, fn in _OPERATIONS.items() if self.fn is fn), None)
        if op is None:
            raise ValueError(f"Operation '{self.name}' ({self.display_type}) on symbolic tensors cannot be saved in "
                             "a model config: only + - * / ** @, negation and abs can. Use a layer (layers.Reshape, "
                             "a registered Lambda, ...) instead, or save the weights with save_weights()")
        return {"op": op, "name": self.name}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "OperationLayer":
        op = config.get("op")
        if op not in _OPERATIONS:
            raise ValueError(f"Unknown operation {op!r} in the saved config; known: {sorted(_OPERATIONS)}")
        return cls(_OPERATIONS[op], name=config.get("name"))

    def get_build_config(self) -> None:
        return None


def _op(name: str, fn: Callable[..., Any]) -> OperationLayer:
    return OperationLayer(fn, name=unique_name(name))


class InputLayer(Layer):
    """The layer behind ``keras.Input``: it only declares a shape and a dtype."""

    def __init__(self, shape: Any = None, batch_size: int | None = None, dtype: Any = None,
                 name: str | None = None, batch_shape: Any = None, input_shape: Any = None,
                 sparse: bool | None = None, **kwargs: Any) -> None:
        if batch_shape is not None:
            batch_size, shape = batch_shape[0], tuple(batch_shape[1:])
        if shape is None and input_shape is not None:
            shape = input_shape
        if shape is None:
            raise ValueError("Input: a shape is required, e.g. keras.Input(shape=(784,))")
        if isinstance(shape, int):
            shape = (shape,)
        # Whole floats (x.shape[1] / 2) stay accepted; anything else goes through the shared check.
        shape = tuple(check_integer(int(n) if isinstance(n, float) and n.is_integer() else n,
                                    "every size in shape", "Input", optional=True,
                                    expected=f"positive or None (shape {shape!r})") for n in shape)
        super().__init__(name=name or unique_name("input_layer"), dtype=dtype, **kwargs)
        self.input_shape_ = shape
        self.batch_size = batch_size
        self.tensor = SymbolicTensor((batch_size,) + shape, dtype or backend.floatx(), name=self.name)
        node = Node(self, (), {}, self.tensor)
        self.tensor.node = node
        self._inbound_nodes.append(node)
        self._output_shape = self.tensor.shape
        self.built = True

    def _explain(self) -> Explanation:
        shape = tuple(self.tensor.shape)
        e = Explanation(self.name, "InputLayer", {"x": shape, "a": shape})
        e.forward.append(Equation("a = x: the batch as given (None: N samples)", "a = x", "x -> a"))
        e.notes.append("nothing to learn here; dC/dx is computed only when asked for (GradientTape.watch)")
        return e

    def get_config(self) -> dict[str, Any]:
        return {"batch_shape": (self.batch_size,) + self.input_shape_, "dtype": str(self.tensor.dtype),
                "name": self.name}


def Input(shape: Any = None, batch_size: int | None = None, dtype: Any = None, name: str | None = None,
          batch_shape: Any = None, sparse: bool | None = None, tensor: Any = None) -> SymbolicTensor:
    """A symbolic model input: ``keras.Input(shape=(28, 28))``; the batch axis is implicit.

    Parameters
    ----------
    shape : tuple of int
        The shape of one sample (``None`` for a variable length).
    batch_size : int, optional
        Fix the batch size (rarely needed).
    dtype : str, optional
        ``floatx()`` by default; use an integer type for ``Embedding`` inputs.
    name : str, optional
        Used to match dict inputs in ``fit``.
    """
    return InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, name=name,
                      batch_shape=batch_shape).tensor


# --- tracing ------------------------------------------------------------------------------
def any_symbolic(structure: Any) -> bool:
    """Whether any leaf is a :class:`SymbolicTensor`."""
    if isinstance(structure, SymbolicTensor):
        return True
    if isinstance(structure, (list, tuple)):
        return any(any_symbolic(x) for x in structure)
    if isinstance(structure, dict):
        return any(any_symbolic(x) for x in structure.values())
    return False


# Lengths that stand in for an unknown axis (a time length or image size given as None): a layer
# runs on each, and an output axis whose size differs between the two runs is unknown too.
_PROBE_LENGTHS = (64, 96)  # 32 apart, so five halvings (strides, pooling) still tell them apart


def _dummy(t: Any, unknown: int = 1) -> Any:
    if not isinstance(t, SymbolicTensor):
        return t
    owner = f"input '{t.name}'" if getattr(t, "name", None) else "an input"
    shape = t.shape[:1] + tuple(unknown if n is None else n for n in t.shape[1:])
    dummy = Tensor(zero_sample(shape, t.dtype, owner))
    if t._mask_shape is not None:
        # The probe carries a mask too (every step kept), so the layer shows whether it passes one on.
        mk = t._mask_shape
        dummy._keras_mask = xp.ones(dummy.shape[:1] + tuple(unknown if n is None else n for n in mk[1:]), dtype=bool)
    return dummy


def _run_on_zeros(layer: Layer, inputs: Any, args: tuple[Any, ...], kwargs: dict[str, Any], unknown: int) -> Any:
    dummy_inputs = map_structure(lambda t: _dummy(t, unknown), inputs)
    dummy_args = map_structure(lambda t: _dummy(t, unknown), args)
    # Symbolic keyword arguments (an RNN's initial_state=[h, c]) get probes as well.
    kwargs = {k: map_structure(lambda t: _dummy(t, unknown), v) for k, v in kwargs.items()}
    with backend.errstate(all="ignore"):
        if isinstance(layer, OperationLayer):
            return layer.fn(dummy_inputs, *dummy_args, **kwargs)
        return Layer.__call__(layer, dummy_inputs, *dummy_args, training=False, **kwargs)


def call_symbolic(layer: Layer, inputs: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Record ``layer(inputs, *args, **kwargs)`` as a graph node and return symbolic outputs.

    The output shapes come from running the layer on a batch of one zero
    sample (in inference mode, outside any tape); the batch axis is then
    reported as ``None`` again.
    """
    kwargs = {k: v for k, v in kwargs.items() if k != "training"}
    in_flat = [t for t in flatten((inputs, args)) if isinstance(t, SymbolicTensor)]
    batch = in_flat[0].shape[0] if in_flat else None
    unknown_axes = any(n is None for t in in_flat for n in t.shape[1:])
    had_output_shape = layer._output_shape is not None
    if unknown_axes and not layer.built and not isinstance(layer, OperationLayer):
        _build_for_symbolic(layer, inputs)
    try:
        out = _run_on_zeros(layer, inputs, args, kwargs, _PROBE_LENGTHS[0] if unknown_axes else 1)
        # With an unknown axis, a second run at another length shows which output axes follow it.
        other = flatten(_run_on_zeros(layer, inputs, args, kwargs, _PROBE_LENGTHS[1])) if unknown_axes else None
    except ValueError as err:
        shapes = [t.shape for t in in_flat]
        raise ValueError(f"{err}\n(while connecting layer '{layer.name}' to inputs of shape "
                         f"{shapes[0] if len(shapes) == 1 else shapes})") from None
    others = iter(other or [])

    def to_symbolic(t: Any) -> Any:
        twin = next(others, None)
        if not isinstance(t, Tensor):
            return t
        shape = tuple(t.shape[1:])
        if twin is not None:
            shape = tuple(None if a != b else a for a, b in zip(shape, twin.shape[1:]))
        out = SymbolicTensor((batch,) + shape, t.dtype)
        if t._keras_mask is not None:  # the layer gave its output a mask: the symbolic output has one too
            mk = tuple(getattr(t._keras_mask, "shape", ()))[1:]
            twin_mk = getattr(twin, "_keras_mask", None)
            if twin_mk is not None:
                mk = tuple(None if a != b else a for a, b in zip(mk, tuple(getattr(twin_mk, "shape", ()))[1:]))
            out._mask_shape = (batch,) + tuple(mk)
        return out

    outputs = map_structure(to_symbolic, out)
    if unknown_axes and not had_output_shape:
        layer._output_shape = None  # the probe's lengths are not the layer's: the symbolic shape is set below
    node = Node(layer, (inputs,) + tuple(args), kwargs, outputs)
    for i, t in enumerate(node.outputs):
        if isinstance(t, SymbolicTensor):
            t.node, t.index, t.name = node, i, layer.name
    layer._inbound_nodes.append(node)
    if layer._output_shape is None:
        layer._output_shape = map_structure(lambda t: t.shape if isinstance(t, SymbolicTensor) else t, outputs)
    return outputs


def _build_for_symbolic(layer: Layer, inputs: Any) -> None:
    """Build ``layer`` for its symbolic input shapes, unknown axes kept as ``None`` (not a probe's length)."""
    shapes = map_structure(lambda t: (None,) + tuple(t.shape[1:]) if isinstance(t, SymbolicTensor) else t, inputs)
    try:
        layer._maybe_build(shapes)
    except TypeError:
        # A build that does arithmetic on every axis cannot take None: it builds on the probe's zeros instead.
        layer.built = False
        layer._build_shape = None


serialization.register_builtin(OperationLayer, "__operation__")
