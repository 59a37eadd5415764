"""The ``Layer`` base class: weights, build-on-first-call, symbolic (Functional) calls.

A layer separates ``build(input_shape)`` (create the weights once the input
shape is known) from ``call(inputs, training)`` (compute the output by composing
engine operations).  ``__call__`` ties them together, checks the input shape
against what the layer was built for, and, when the inputs are symbolic
(``keras.Input``), records a node of the Functional graph instead of computing.
"""

from __future__ import annotations

import inspect
import math
import re
from collections.abc import Iterable
from typing import Any

import numpy as np

from .. import backend
from .. import constraints as _constraints
from .. import initializers as _initializers
from .. import regularizers as _regularizers
from ..engine.allocation import readable_memory, reserve_weight
from ..engine.tensor import Tensor, Variable, as_tensor

_NAME_COUNTS: dict[str, int] = {}


def unique_name(base: str) -> str:
    """``dense``, then ``dense_1``, ``dense_2``... (Keras' automatic names)."""
    count = _NAME_COUNTS.get(base, 0)
    _NAME_COUNTS[base] = count + 1
    return base if count == 0 else f"{base}_{count}"


def clear_session() -> None:
    """Reset automatic layer and model names (Keras' ``clear_session``)."""
    _NAME_COUNTS.clear()


def _checked_shape(shape: Iterable[Any], owner: str) -> tuple[int, ...]:
    """``shape`` as a tuple of non-negative ints, or a ValueError naming the weight."""
    try:
        dims = tuple(shape)
    except TypeError:
        raise ValueError(f"{owner}: the shape {shape!r} is not a sequence of sizes") from None
    out = []
    for n in dims:
        if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) and not (
                isinstance(n, (float, np.floating)) and float(n).is_integer()):
            raise ValueError(f"{owner}: the shape {dims} holds {n!r}; every size must be a whole number")
        if n < 0:
            raise ValueError(f"{owner}: the shape {dims} has a negative size")
        out.append(int(n))
    return tuple(out)


def snake_case(name: str) -> str:
    """``Conv2D`` -> ``conv2d``, ``BatchNormalization`` -> ``batch_normalization``."""
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()


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


class Layer:
    """Base class of every layer (and of ``Model``).

    Parameters
    ----------
    name : str, optional
        Unique by default (``dense``, ``dense_1``...).
    trainable : bool
        Whether the layer's weights are updated by ``fit``.
    dtype : str, optional
        Weight dtype; ``backend.floatx()`` by default.
    input_shape, input_dim, batch_size :
        Keras 2 style declaration of the model input on a first layer.
    """

    # Integer inputs are cast to floatx unless a layer consumes indices (Embedding).
    _keeps_integer_input = False

    def __init__(self, name: str | None = None, trainable: bool = True, dtype: Any = None,
                 input_shape: Iterable[int] | None = None, input_dim: int | None = None,
                 batch_size: int | None = None, **kwargs: Any) -> None:
        kwargs.pop("autocast", None)
        batch_input_shape = kwargs.pop("batch_input_shape", None)
        if kwargs:
            raise TypeError(
                f"{type(self).__name__}: unexpected keyword argument(s) {', '.join(sorted(kwargs))}"
            )
        if "_tracked_layers" not in self.__dict__:
            object.__setattr__(self, "_tracked_layers", [])
            object.__setattr__(self, "_variables", [])
        self.name = name or unique_name(snake_case(type(self).__name__))
        self._trainable = trainable
        self.dtype = dtype or backend.floatx()
        self.built = False
        self.input_spec: InputSpec | None = None
        self._inbound_nodes: list[Any] = []
        self._output_shape: Any = None
        self._build_shape: Any = None
        self._activity_losses: list[Any] = []
        # Keras 2 lets the first layer declare the model input.
        if batch_input_shape is not None:
            self._declared_input_shape: tuple[Any, ...] | None = tuple(batch_input_shape)[1:]
        elif input_shape is not None:
            self._declared_input_shape = tuple(input_shape)
        elif input_dim is not None:
            self._declared_input_shape = (int(input_dim),)
        else:
            self._declared_input_shape = None
        self._declared_batch_size = batch_size

    # -- attribute tracking: sublayers and variables assigned as attributes -------------------
    def __setattr__(self, key: str, value: Any) -> None:
        if "_tracked_layers" not in self.__dict__:
            # A subclass assigned an attribute before calling super().__init__(): start tracking now.
            object.__setattr__(self, "_tracked_layers", [])
            object.__setattr__(self, "_variables", [])
        if not key.startswith("__"):
            self._track(value)
        object.__setattr__(self, key, value)

    def _track(self, value: Any) -> None:
        if isinstance(value, Layer):
            if value is not self and all(value is not t for t in self._tracked_layers):
                self._tracked_layers.append(value)
        elif isinstance(value, Variable):
            if all(value is not v for v in self._variables):
                self._variables.append(value)
        elif isinstance(value, (list, tuple)):
            for item in value:
                if isinstance(item, (Layer, Variable)):
                    self._track(item)
        elif isinstance(value, dict):
            for item in value.values():
                if isinstance(item, (Layer, Variable)):
                    self._track(item)

    # -- weights ------------------------------------------------------------------------------
    def add_weight(self, shape: Iterable[int] = (), initializer: Any = "glorot_uniform", dtype: Any = None,
                   trainable: bool = True, regularizer: Any = None, name: str | None = None,
                   constraint: Any = None) -> Variable:
        """Create, initialise and track a weight of this layer."""
        owner = f"layer '{self.name}', weight '{name or '?'}'"
        shape = _checked_shape(shape, owner)
        init = _initializers.get(initializer)
        dtype = dtype or self.dtype
        # Sized before it is allocated: an absurd shape (or one a loaded file cannot fill) is refused by name.
        reserve_weight(shape, dtype, owner)
        try:
            value = init(shape, dtype=dtype)
        except MemoryError as err:
            raise MemoryError(f"{owner}: not enough memory for a weight of shape {shape} "
                              f"({readable_memory(math.prod(shape) * np.dtype(dtype).itemsize)})") from err
        var = Variable(value, trainable=trainable, name=name, dtype=dtype)
        var.path = f"{self.name}/{name}" if name else self.name
        var.regularizer = _regularizers.get(regularizer)
        var.constraint = _constraints.get(constraint)
        self._variables.append(var)
        return var

    @property
    def trainable(self) -> bool:
        """Whether ``fit`` updates this layer's weights (setting it freezes every sublayer too)."""
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)
        for layer in self._flatten_layers():
            layer._trainable = bool(value)

    def _flatten_layers(self) -> list["Layer"]:
        """This layer's sublayers, depth-first, each once."""
        seen: list[Layer] = []
        stack = list(reversed(self._tracked_layers))
        while stack:
            layer = stack.pop()
            if any(layer is s for s in seen):
                continue
            seen.append(layer)
            stack.extend(reversed(layer._tracked_layers))
        return seen

    def _all_variables(self) -> list[Variable]:
        out: list[Variable] = []
        for var in self._variables + [v for layer in self._flatten_layers() for v in layer._variables]:
            if all(var is not o for o in out):
                out.append(var)
        return out

    @property
    def weights(self) -> list[Variable]:
        """All variables: this layer's trainable then non-trainable ones, then its sublayers'."""
        own_t = [v for v in self._variables if v.trainable]
        own_n = [v for v in self._variables if not v.trainable]
        out = own_t + own_n
        for layer in self._tracked_layers:
            for v in layer.weights:
                if all(v is not o for o in out):
                    out.append(v)
        return out

    @property
    def variables(self) -> list[Variable]:
        """Same as :attr:`weights`."""
        return self.weights

    @property
    def trainable_weights(self) -> list[Variable]:
        """Variables updated by training (empty when ``trainable`` is False)."""
        if not self.trainable:
            return []
        out = [v for v in self._variables if v.trainable]
        for layer in self._tracked_layers:
            out.extend(v for v in layer.trainable_weights if all(v is not o for o in out))
        return out

    trainable_variables = trainable_weights

    @property
    def non_trainable_weights(self) -> list[Variable]:
        """Variables not updated by gradients (moving averages, frozen layers)."""
        trainable = self.trainable_weights
        return [v for v in self.weights if all(v is not t for t in trainable)]

    non_trainable_variables = non_trainable_weights

    def get_weights(self) -> list[Any]:
        """Copies of the weights as NumPy arrays, in Keras' order."""
        return [backend.to_numpy(v.data).copy() for v in self.weights]

    def set_weights(self, weights: list[Any]) -> None:
        """Overwrite the weights from a list of arrays in :meth:`get_weights` order."""
        own = self.weights
        weights = list(weights)
        if len(weights) != len(own):
            raise ValueError(
                f"Layer '{self.name}' expects {len(own)} weight arrays "
                f"({', '.join(v.path or '?' for v in own) or 'none'}), but received {len(weights)}"
            )
        # Every array is checked before any is assigned: a bad one leaves the layer exactly as it was.
        arrays = [_checked_weight_array(value, var, self.name) for var, value in zip(own, weights)]
        for var, value in zip(own, arrays):
            var.assign(value)

    def count_params(self) -> int:
        """The number of scalars in all weights."""
        if not self.built and not self.weights:
            raise ValueError(
                f"Layer '{self.name}' is not built yet, so its parameters are not known: "
                "call it on data or give it an input shape first"
            )
        return int(sum(v.data.size for v in self.weights))

    @property
    def losses(self) -> list[Tensor]:
        """Regularization penalties of this layer and its sublayers (scalar tensors)."""
        out = []
        for var in self._all_variables():
            if var.regularizer is not None:
                out.append(var.regularizer(var))
        for layer in [self] + self._flatten_layers():
            out.extend(layer._activity_losses)
        return out

    def add_loss(self, loss: Any) -> None:
        """Add a scalar tensor to the training loss of the current step."""
        self._activity_losses.append(loss)

    # -- build and call -----------------------------------------------------------------------
    def build(self, input_shape: Any) -> None:
        """Create the weights for inputs of ``input_shape`` (batch axis ``None``)."""
        self.built = True

    def call(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        """Compute the output from ``inputs``; subclasses override this."""
        return inputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        """The output shape for ``input_shape``, found by running ``call`` on a dummy batch."""
        from ..models.symbolic import infer_output_shape

        return infer_output_shape(self, input_shape)

    @classmethod
    def _call_accepts(cls, argument: str) -> bool:
        cache = cls.__dict__.get("_call_signature_cache")
        if cache is None:
            params = inspect.signature(cls.call).parameters
            cache = {
                "training": "training" in params or any(p.kind is p.VAR_KEYWORD for p in params.values()),
            }
            cls._call_signature_cache = cache
        return cache.get(argument, False)

    def _maybe_build(self, shapes: Any) -> None:
        if not self.built:
            self._build_shape = shapes
            self.build(shapes)
            self.built = True

    def __call__(self, inputs: Any, *args: Any, training: Any = None, **kwargs: Any) -> Any:
        from ..models import symbolic

        if symbolic.any_symbolic(inputs) or symbolic.any_symbolic(args):
            return symbolic.call_symbolic(self, inputs, args, kwargs)
        inputs = _to_tensors(inputs, self._keeps_integer_input)
        shapes = _shapes_of(inputs)
        if not self.built:
            if self.input_spec is not None and isinstance(inputs, Tensor):
                self.input_spec.check(self.name, shapes)
            self._maybe_build(_batchless(shapes))
        if self.input_spec is not None and isinstance(inputs, Tensor):
            self.input_spec.check(self.name, shapes)
        self._activity_losses = []
        if self._call_accepts("training"):
            kwargs["training"] = training
        outputs = self.call(inputs, *args, **kwargs)
        if self._output_shape is None:  # remembered for summary() of subclassed models
            self._output_shape = _batchless(_shapes_of(outputs))
        return outputs

    # -- shapes shown by summary ---------------------------------------------------------------
    @property
    def output_shape(self) -> Any:
        """The output shape of the layer's (first) use in a model, batch axis ``None``."""
        if self._output_shape is None:
            raise AttributeError(f"Layer '{self.name}' has not been called yet, so it has no output shape")
        return self._output_shape

    @property
    def input_shape(self) -> Any:
        """The input shape the layer was built for, batch axis ``None`` (Keras 2's attribute)."""
        if self._build_shape is None:
            raise AttributeError(f"Layer '{self.name}' has not been built yet, so it has no input shape")
        return self._build_shape

    @property
    def input(self) -> Any:
        """The symbolic input of the layer's first use in a Functional graph."""
        if not self._inbound_nodes:
            raise AttributeError(f"Layer '{self.name}' is not connected to any Input yet")
        return self._inbound_nodes[0].inputs_structure

    @property
    def output(self) -> Any:
        """The symbolic output of the layer's first use in a Functional graph."""
        if not self._inbound_nodes:
            raise AttributeError(f"Layer '{self.name}' is not connected to any Input yet")
        return self._inbound_nodes[0].outputs_structure

    # -- configuration ------------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this layer (without its weights)."""
        config: dict[str, Any] = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        if self._declared_input_shape is not None:
            config["batch_input_shape"] = (self._declared_batch_size,) + tuple(self._declared_input_shape)
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Layer":
        """Rebuild a layer from :meth:`get_config` output."""
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def _checked_weight_array(value: Any, var: Variable, layer_name: str) -> np.ndarray:
    """``value`` as an array that can overwrite ``var``, or a ValueError naming the layer and weight."""
    where = f"Layer '{layer_name}': weight '{var.path}'"
    try:
        arr = np.asarray(getattr(value, "data", value))
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
