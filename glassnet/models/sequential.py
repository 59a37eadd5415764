"""``Sequential``: a plain stack of layers, each feeding the next."""

from __future__ import annotations

from typing import Any

from ..layers.base import Layer, unique_name
from ..layers.tracing import InputLayer, SymbolicTensor
from ..serialization import SavedModelError, custom_object_scope, deserialize, serialize
from . import data, fusion
from .model import Model, numbered_children


class Sequential(Model):
    """A linear stack of layers: ``keras.Sequential([layers.Dense(64, activation="relu"), ...])``.

    The input shape can come from a leading ``keras.Input(shape=...)``, from
    ``input_shape=``/``input_dim=`` on the first layer (Keras 2), or from the
    first batch of data; until then the model is unbuilt and ``summary()``
    shows ``?`` as Keras does.

    Parameters
    ----------
    layers : list of Layer, optional
    name : str, optional
        ``"sequential"``, ``"sequential_1"``... by default.
    """

    def __init__(self, layers: list[Any] | None = None, name: str | None = None, trainable: bool = True) -> None:
        super().__init__(name=name or unique_name("sequential"), trainable=trainable)
        self._stack: list[Layer] = []
        self._input_layer: InputLayer | None = None
        self._symbolic_output: SymbolicTensor | None = None
        self.output_names = ["output"]
        self._num_inputs = 1
        self.fuse_layers = True  # run Conv2D(relu) + MaxPooling2D(2) as one op (models/fusion.py)
        for layer in layers or []:
            self.add(layer)

    # -- building the stack -------------------------------------------------------------------
    def add(self, layer: Any) -> None:
        """Append a layer (or a ``keras.Input``) to the stack, connecting it if shapes are known."""
        if isinstance(layer, SymbolicTensor) and isinstance(layer.node.layer, InputLayer):
            layer = layer.node.layer
        if not isinstance(layer, Layer):
            raise TypeError(f"Only instances of keras.layers.Layer can be added to a Sequential model. "
                            f"Received: {layer!r} (of type {type(layer).__name__})")
        if isinstance(layer, InputLayer):
            if self._stack or self._input_layer is not None:
                raise ValueError(f"Sequential '{self.name}': an Input can only be the first element")
            self._input_layer = layer
            self._symbolic_output = layer.tensor
            self._inputs_keep_int = [layer.tensor.dtype.kind in "iu"]
            self._inputs_take_strings = [layer.tensor.dtype.kind in "OUS"]
            return
        if any(layer is existing for existing in self._stack):
            raise ValueError(f"Sequential '{self.name}': layer '{layer.name}' was already added")
        if not self._stack and self._input_layer is None and layer._declared_input_shape is not None:
            self._input_layer = InputLayer(shape=layer._declared_input_shape, batch_size=layer._declared_batch_size,
                                           name=unique_name("input_layer"))
            self._symbolic_output = self._input_layer.tensor
        self._stack.append(layer)
        self._track(layer)
        if layer._keeps_integer_input and len(self._stack) == 1:
            self._inputs_keep_int = [True]
        if layer._accepts_string_input and len(self._stack) == 1:
            self._inputs_take_strings = [True]
        if self._symbolic_output is not None:
            self._symbolic_output = layer(self._symbolic_output)
            self._output_shape = self._symbolic_output.shape
            self.built = True
            self.output_names = [self._stack[-1].name]

    def pop(self) -> Layer:
        """Remove and return the last layer."""
        if not self._stack:
            raise TypeError(f"Sequential '{self.name}' has no layers to pop")
        layer = self._stack.pop()
        self._tracked_layers.remove(layer)
        if self._input_layer is not None:
            self._rebuild_symbolic()
        return layer

    def _rebuild_symbolic(self) -> None:
        assert self._input_layer is not None
        out: Any = self._input_layer.tensor
        for layer in self._stack:
            out = layer(out)
        self._symbolic_output = out
        self._output_shape = out.shape
        if self._stack:
            self.output_names = [self._stack[-1].name]

    def build(self, input_shape: Any = None) -> None:
        """Create every layer's weights for inputs of ``input_shape`` (batch axis first)."""
        if self._input_layer is None:
            if input_shape is None:
                raise ValueError(f"Sequential '{self.name}': build() needs an input shape")
            shape = tuple(input_shape)[1:]
            self._input_layer = InputLayer(shape=shape, name=unique_name("input_layer"))
            self._rebuild_symbolic()
        self.built = True

    def _maybe_build(self, shapes: Any) -> None:
        if self._input_layer is None and isinstance(shapes, tuple):
            self.build(shapes)
        self.built = True

    @property
    def layers(self) -> list[Layer]:
        """The stacked layers (the Input is not counted, as in Keras)."""
        return list(self._stack)

    @property
    def inputs(self) -> list[SymbolicTensor]:
        return [self._input_layer.tensor] if self._input_layer is not None else []

    @property
    def input_shape(self) -> Any:
        if self._input_layer is None:
            raise AttributeError(f"Sequential '{self.name}' has no defined input shape yet")
        return self._input_layer.tensor.shape

    @property
    def outputs(self) -> list[SymbolicTensor]:
        return [self._symbolic_output] if self._symbolic_output is not None and self._stack else []

    # -- forward ------------------------------------------------------------------------------
    def call(self, inputs: Any, training: Any = None, mask: Any = None) -> Any:
        # ``mask`` is accepted because Keras passes it to a nested model (its saved configs say
        # ``"kwargs": {"mask": null}``); masks travel with the tensors themselves (``_keras_mask``).
        if self._input_layer is not None:
            expected = self._input_layer.tensor.shape[1:]
            got = inputs.shape[1:]
            if len(got) != len(expected) or any(e is not None and e != a for e, a in zip(expected, got)):
                hint = data.batch_axis_hint(self._input_layer.tensor.shape, inputs.shape)
                shown = tuple(inputs.shape) if hint else (None,) + tuple(got)
                raise ValueError(f"Input of model '{self.name}' is incompatible: expected shape "
                                 f"{(None,) + tuple(expected)}, but received input with shape {shown}.{hint}")
        x = inputs
        for step in self._forward_plan():  # each layer, or a fused Conv2D(relu) + MaxPooling2D(2) pair
            x = step(x, training=training)
        return x

    def _forward_plan(self) -> list[Any]:
        """The steps ``call`` runs: the layers in order, fusable pairs joined (built once, models/fusion.py)."""
        return fusion.plan(self, self._stack, lambda fuse: fusion.layer_steps(self._stack, fuse))

    def get_config(self) -> dict[str, Any]:
        layers = [] if self._input_layer is None else [serialize(self._input_layer)]
        layers += [serialize(layer) for layer in self._stack]
        return {"name": self.name, "trainable": self.trainable, "layers": layers}

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> "Sequential":
        """Rebuild (fresh weights) from :meth:`get_config` output: each layer is deserialized and added."""
        if not isinstance(config.get("layers"), list):
            raise SavedModelError("The Sequential model config has no 'layers' list: the config is damaged")
        with custom_object_scope(custom_objects):
            model = cls(name=config.get("name"), trainable=config.get("trainable", True))
            for entry in config["layers"]:
                model.add(deserialize(entry))
        return model

    def get_build_config(self) -> None:
        return None  # the layers carry their own shapes

    def _weight_children(self) -> list[tuple[str, Layer]]:
        return numbered_children(self.layers)
