"""``Model``: a layer that can be trained.  ``Model(inputs, outputs)`` builds a Functional model;
subclassing ``Model`` and writing ``call`` gives a subclassed model."""

from __future__ import annotations

from typing import Any

from ..layers.base import Layer
from .trainer import Trainer


class Model(Trainer, Layer):
    """Group layers into an object with training and inference features.

    Three ways to build one, as in Keras:

    * ``keras.Sequential([...])``: a plain stack of layers;
    * ``keras.Model(inputs, outputs)``: the Functional API on ``keras.Input`` tensors;
    * a subclass of ``keras.Model`` that creates layers in ``__init__`` and uses them in
      ``call(self, inputs, training=None)``, with any Python arithmetic in between.
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> "Model":
        from .functional import Functional

        functional_args = "inputs" in kwargs or "outputs" in kwargs or (args and _looks_symbolic(args[0]))
        if cls is Model and (args or functional_args):
            return object.__new__(Functional)
        if functional_args and not issubclass(cls, Functional) and cls.__name__ != "Sequential":
            # Keras: a subclass of Model called with (inputs, outputs) is a Functional model that keeps the
            # subclass's own methods.
            return object.__new__(_functional_subclass(cls))
        return object.__new__(cls)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args or "inputs" in kwargs:
            raise TypeError("Model(inputs, outputs) is only available on keras.Model itself; a subclass "
                            "defines call() instead")
        Layer.__init__(self, **kwargs)
        self.compiled = False
        self.optimizer = None
        self.stop_training = False
        self.history = None

    @property
    def layers(self) -> list[Layer]:
        """The model's direct sublayers, in the order they were added."""
        return list(self._tracked_layers)

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """Find a layer by name or by index."""
        layers = self.layers
        if index is not None:
            if not -len(layers) <= index < len(layers):
                raise ValueError(f"get_layer: index {index} is out of range; the model has {len(layers)} layers")
            return layers[index]
        for layer in layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name!r}. Existing layers are: {[layer.name for layer in layers]}")

    def __call__(self, inputs: Any, *args: Any, training: Any = None, **kwargs: Any) -> Any:
        out = Layer.__call__(self, inputs, *args, training=training, **kwargs)
        return out

    def _maybe_build(self, shapes: Any) -> None:
        # A subclassed model builds its sublayers by running call(); nothing to create up front.
        if not self.built:
            self._build_shape = shapes
            self.build(shapes)
            self.built = True

    def build(self, input_shape: Any) -> None:
        """Subclassed models may override this; by default weights are created on the first call."""
        self.built = True

    def summary(self, line_length: int | None = None, positions: Any = None, print_fn: Any = None,
                expand_nested: bool = False, show_trainable: bool = False, layer_range: Any = None,
                optimizer_in_total: bool = True) -> None:
        """Print a Keras-style table of layers, output shapes and parameter counts.

        After training, the optimizer state is listed and, as in Keras, counted in
        "Total params"; pass ``optimizer_in_total=False`` to count only the model's weights.
        """
        from .summary import print_summary

        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                      show_trainable=show_trainable, optimizer_in_total=optimizer_in_total)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "trainable": self.trainable}

    # -- saving (thin wrappers over glassnet.saving) ---------------------------------------------
    def save(self, filepath: Any, overwrite: bool = True, include_optimizer: bool = True, **kwargs: Any) -> None:
        """Save the whole model to ``.keras`` or ``.h5`` atomically (see :func:`glassnet.saving.save_model`)."""
        from ..saving import save_model

        save_model(self, filepath, overwrite=overwrite, include_optimizer=include_optimizer, **kwargs)

    def save_weights(self, filepath: Any, overwrite: bool = True) -> None:
        """Save only the weights to ``name.weights.h5`` (see :func:`glassnet.saving.save_weights`)."""
        from ..saving import save_weights

        save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath: Any, skip_mismatch: bool = False, by_name: bool = False) -> None:
        """Load weights from ``.weights.h5``, ``.h5`` or ``.keras``; all or nothing."""
        from ..saving import load_weights

        load_weights(self, filepath, skip_mismatch=skip_mismatch, by_name=by_name)

    def to_json(self, **kwargs: Any) -> str:
        """The architecture as JSON (no weights); rebuild with ``models.model_from_json``."""
        from ..saving import model_to_json

        return model_to_json(self, **kwargs)

    def get_compile_config(self) -> dict[str, Any] | None:
        """The arguments given to ``compile`` as a JSON-able dict (None before compile)."""
        from ..saving import get_compile_config

        return get_compile_config(self)

    def compile_from_config(self, config: dict[str, Any]) -> None:
        """Compile with :meth:`get_compile_config` output."""
        from ..saving.objects import compile_from_config

        compile_from_config(self, config)

    def get_build_config(self) -> dict[str, Any] | None:
        """The input shape the model was built for (used to rebuild a subclassed model)."""
        shape = getattr(self, "_build_shape", None)
        return None if shape is None else {"input_shape": shape}

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> Any:
        """Rebuild from :meth:`get_config` (graph models replay their layer calls)."""
        from ..saving.objects import custom_object_scope
        from .functional import Functional
        from .sequential import Sequential

        with custom_object_scope(custom_objects):
            return cls._from_config(config, Functional, Sequential)

    @classmethod
    def _from_config(cls, config: dict[str, Any], Functional: type, Sequential: type) -> Any:  # noqa: N803
        if cls is Functional or cls is Model and "layers" in config and "input_layers" in config:
            from .serialization_graph import functional_from_config

            return functional_from_config(config)
        if cls is Sequential:
            from .serialization_graph import sequential_from_config

            return sequential_from_config(config)
        return cls(**config)

    def __reduce__(self) -> Any:
        raise TypeError("glassnet models are not pickled (a pickle can run code when loaded); use "
                        "model.save('model.keras') or model.save_weights(...)")


_FUNCTIONAL_SUBCLASSES: dict[type, type] = {}


def _looks_symbolic(value: Any) -> bool:
    from .symbolic import SymbolicTensor, flatten

    return any(isinstance(t, SymbolicTensor) for t in flatten(value))


def _functional_subclass(cls: type) -> type:
    """``cls`` with Functional's graph behaviour mixed in (cached per class)."""
    from .functional import Functional

    made = _FUNCTIONAL_SUBCLASSES.get(cls)
    if made is None:
        made = _FUNCTIONAL_SUBCLASSES[cls] = type(cls.__name__, (cls, Functional), {"__module__": cls.__module__})
    return made
