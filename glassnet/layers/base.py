"""The ``Layer`` base class: weights, build-on-first-call, symbolic (Functional) calls.

A layer separates ``build(input_shape)`` (create the weights once the input
shape is known) from ``call(inputs, training)`` (compute the output by composing
engine operations).  ``__call__`` ties them together, checks the input shape
against what the layer was built for, and, when the inputs are symbolic
(``keras.Input``), records a node of the Functional graph instead of computing.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from typing import Any

from .. import backend, serialization, tree
from ..engine.allocation import zero_sample
from ..engine.tensor import Tensor, Variable
from ..explanation import Explanation
from . import mask_propagation
from .explaining import no_entry
from .input_spec import InputSpec, _batchless, _checked_weight_array, _shapes_of, _to_tensors
from .naming import snake_case, unique_name
from .weight_arguments import new_weight, weight_arguments

# Attributes that hold bookkeeping, not sublayers whose weights are saved.
_NOT_CHILDREN = {"_tracked_layers", "_variables", "_inbound_nodes", "_operations", "_stack", "_input_layer"}


def as_shape(shape: Any) -> Any:
    """A shape from a config (lists) as tuples, keeping dicts and lists of shapes."""
    return tree.map_shapes(tuple, shape)


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
    # Whether the layer reads raw strings (TextVectorization, StringLookup): fit/evaluate/predict
    # then let string arrays through to a model that starts with it.
    _accepts_string_input = False
    # Whether the mask of the input passes on (through compute_mask) rather than being dropped, as in Keras.
    supports_masking = False

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
        self._added_metrics: list[tuple[str, Any]] = []  # add_metric (Keras 2) values of the last call
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
    def add_weight(self, *args: Any, shape: Iterable[int] | None = None, initializer: Any = None, dtype: Any = None,
                   trainable: bool | None = True, autocast: bool = True, regularizer: Any = None,
                   constraint: Any = None, aggregation: str | None = "none", overwrite_with_gradient: bool = False,
                   name: str | None = None, **legacy: Any) -> Variable:
        """Create, initialise and track a weight of this layer.

        Keras 3's signature (``shape, initializer, dtype`` by position); Keras 2's ``add_weight(name, shape,
        dtype, initializer, ...)`` (a string first) works too (see :mod:`glassnet.layers.weight_arguments`).
        ``initializer`` defaults to ``"glorot_uniform"`` (``"zeros"`` for an integer or boolean dtype);
        ``autocast`` and ``aggregation`` are accepted for Keras code and have no effect here.
        """
        kw = weight_arguments(f"layer '{self.name}'", args, {
            "shape": shape, "initializer": initializer, "dtype": dtype, "trainable": trainable,
            "regularizer": regularizer, "constraint": constraint, "aggregation": aggregation,
            "overwrite_with_gradient": overwrite_with_gradient, "name": name}, legacy)
        var = new_weight(self.name, kw["dtype"] or self.dtype, kw)
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

    def add_metric(self, value: Any, name: str | None = None, aggregation: str | None = "mean") -> None:
        """Keras 2's ``add_metric`` (Keras 3 removed it): log the mean of ``value`` over the epoch as ``name``.

        Called in ``call``; ``fit``/``evaluate`` average every element of ``value`` over the batches.
        """
        if not name:
            raise ValueError(f"layer '{self.name}': add_metric() needs a name=..., the key of the value in the logs")
        if aggregation not in ("mean", None):
            raise ValueError(f"layer '{self.name}': add_metric(aggregation={aggregation!r}) is not supported; "
                             "only 'mean' (Keras 3 removed add_metric: a compiled Metric is the Keras 3 way)")
        self._added_metrics.append((name, value))

    def add_activity_loss(self, outputs: Any) -> None:
        """Add ``activity_regularizer(output)`` for each output, divided by the batch size as Keras 3 does
        (so that the penalty's strength does not depend on the batch size)."""
        regularizer = getattr(self, "activity_regularizer", None)
        if regularizer is None:
            return
        for out in tree.flatten(outputs):
            loss = regularizer(out)
            self.add_loss(loss / float(out.shape[0]) if out.ndim > 0 and out.shape[0] else loss)

    # -- build and call -----------------------------------------------------------------------
    def build(self, input_shape: Any) -> None:
        """Create the weights for inputs of ``input_shape`` (batch axis ``None``)."""
        self.built = True

    def call(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        """Compute the output from ``inputs``; subclasses override this."""
        return inputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        """The output shape for ``input_shape``, found by running the layer on one zero sample.

        The batch axis of the answer is the one given (``None`` stays ``None``).
        """
        single = isinstance(input_shape, tuple)
        shapes = [input_shape] if single else input_shape
        first = next(iter(shapes.values())) if isinstance(shapes, dict) else (shapes[0] if shapes else ())
        batch = first[0] if len(first) else None
        owner = f"layer '{self.name}'"
        dummy = tree.map_shapes(lambda s: Tensor(zero_sample(s, self.dtype, owner)), shapes)
        with backend.errstate(all="ignore"):
            out = Layer.__call__(self, dummy[0] if single else dummy, training=False)
        return tree.map_structure(lambda t: (batch,) + tuple(t.shape[1:]), out)

    @classmethod
    def _call_accepts(cls, argument: str) -> bool:
        cache = cls.__dict__.get("_call_signature_cache")
        if cache is None:
            params = inspect.signature(cls.call).parameters
            cache = {
                "training": "training" in params or any(p.kind is p.VAR_KEYWORD for p in params.values()),
                "mask": "mask" in params,
            }
            cls._call_signature_cache = cache
        return cache.get(argument, False)

    def _maybe_build(self, shapes: Any) -> None:
        if not self.built:
            self._build_shape = shapes
            self.build(shapes)
            self.built = True

    def __call__(self, inputs: Any, *args: Any, training: Any = None, **kwargs: Any) -> Any:
        # A symbolic input (keras.Input) records this call as a graph node instead of computing.
        symbolic = None if type(inputs) is Tensor and not args else next(  # one plain Tensor: eager
            (t for t in tree.flatten((inputs, args)) if getattr(t, "records_layer_calls", False)), None)
        if symbolic is not None:
            return symbolic.record_call(self, inputs, args, kwargs)
        inputs = _to_tensors(inputs, self._keeps_integer_input)
        shapes = _shapes_of(inputs)
        if not self.built:
            if self.input_spec is not None and isinstance(inputs, Tensor):
                self.input_spec.check(self.name, shapes)
            self._maybe_build(_batchless(shapes))
        if self.input_spec is not None and isinstance(inputs, Tensor):
            self.input_spec.check(self.name, shapes)
        object.__setattr__(self, "_activity_losses", [])  # past __setattr__: nothing to track in []
        object.__setattr__(self, "_added_metrics", [])
        if self._call_accepts("training"):
            kwargs["training"] = training
        # The mask riding on the input (or given as mask=) goes to call and on to the outputs.
        previous_mask = mask_propagation.as_mask(kwargs.get("mask")) if "mask" in kwargs else None
        if previous_mask is None:
            previous_mask = mask_propagation.mask_of(inputs)
            if previous_mask is not None and self._call_accepts("mask"):
                kwargs["mask"] = previous_mask
        outputs = self.call(inputs, *args, **kwargs)
        # As Keras 3, a layer that overrides compute_mask supports masking without having to say so.
        own_mask = type(self).compute_mask is not Layer.compute_mask
        if own_mask or (self.supports_masking and previous_mask is not None):  # else no mask to pass on
            mask_propagation.attach(self, inputs, outputs, previous_mask)
        elif previous_mask is not None:
            mask_propagation.dropped(self)
        if self._output_shape is None:  # remembered for summary() of subclassed models
            self._output_shape = _batchless(_shapes_of(outputs))
        return outputs

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """The output mask: the input's when ``supports_masking``, else ``None`` (Keras' default)."""
        return mask if self.supports_masking else None

    # -- equations with this layer's shapes (glassnet.explanation) -----------------------------
    def explain(self) -> Explanation:
        """The forward and backward equations of this layer with its own shapes, and its parameter count.

        ``print(layer.explain())`` in a terminal; in Jupyter it shows as a table.  A layer states
        them in ``_explain``, next to its ``call``; before it is built, sizes are symbols.
        """
        return self._explain()

    _explain = no_entry  # the default for a layer without an entry of its own: its weights, and how to add one

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

    def get_build_config(self) -> dict[str, Any] | None:
        """The input shape the layer was built for (None before it is built)."""
        shape = getattr(self, "_build_shape", None)
        return None if shape is None else {"input_shape": shape}

    def build_from_config(self, config: dict[str, Any]) -> None:
        """Create the weights for :meth:`get_build_config` output, so saved weights can be loaded."""
        shape = config.get("input_shape")
        if shape is not None and not self.built:
            self._maybe_build(as_shape(shape))

    def _weight_children(self) -> list[tuple[str, "Layer"]]:
        """``(key, sublayer)`` pairs under which saved weights are grouped: attribute names, as in Keras 3.

        ``self.dense1`` is stored under ``dense1``, a list ``self.blocks`` under ``blocks_0``...
        Containers with an ordered layer list (Sequential, Functional) override this.
        """
        found: list[tuple[str, Layer]] = []

        def add(key: str, sub: Any) -> None:
            if isinstance(sub, Layer) and sub is not self and all(sub is not s for _, s in found):
                found.append((key, sub))

        for attr, value in vars(self).items():
            if attr in _NOT_CHILDREN:
                continue
            if isinstance(value, (list, tuple)):
                for i, item in enumerate(value):
                    add(f"{attr}_{i}", item)
            elif isinstance(value, dict):
                for k, item in value.items():
                    add(f"{attr}_{k}", item)
            else:
                add(attr, value)
        for sub in self._tracked_layers:  # tracked some other way: fall back on the layer name
            add(sub.name, sub)
        return found

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # glassnet's own layers are found by class name in configs; a user's class must be registered.
        if cls.__module__.startswith("glassnet."):
            serialization.register_builtin(cls)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


serialization.register_builtin(Layer)
