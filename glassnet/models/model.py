"""``Model``: a layer that can be trained.  ``Model(inputs, outputs)`` builds a Functional model;
subclassing ``Model`` and writing ``call`` gives a subclassed model."""

from __future__ import annotations

from typing import Any

from .. import backend
from ..engine.allocation import zero_sample
from ..explanation import ModelExplanation
from ..layers.base import Layer, as_shape
from ..layers.naming import snake_case
from ..layers.tracing import InputLayer, SymbolicTensor
from ..serialization import custom_object_scope, serialize, to_json
from ..tree import flatten, map_shapes
from . import compile_config
from .explain import explain_model
from .summary import print_summary, summary_html
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

    def build(self, input_shape: Any) -> None:
        """Subclassed models may override this; by default the sublayers create their weights when ``call``
        first runs, so there is nothing to create up front."""
        self.built = True

    def summary(self, line_length: int | None = None, positions: Any = None, print_fn: Any = None,
                expand_nested: bool = False, show_trainable: bool = False, layer_range: Any = None,
                optimizer_in_total: bool = True) -> None:
        """Print a Keras-style table of layers, output shapes and parameter counts.

        After training, the optimizer state is listed and, as in Keras, counted in
        "Total params"; pass ``optimizer_in_total=False`` to count only the model's weights.
        """
        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                      show_trainable=show_trainable, optimizer_in_total=optimizer_in_total,
                      expand_nested=expand_nested)

    def _repr_html_(self) -> str | None:
        """Jupyter shows a model as its summary table (the one ``summary()`` prints), in HTML."""
        try:
            return summary_html(self)
        except Exception:  # noqa: BLE001  (a display hook must not raise: Jupyter then shows repr())
            return None

    def explain(self) -> ModelExplanation:  # type: ignore[override]
        """Every layer's forward and backward equations with this model's shapes, then the loss and the optimizer.

        ``print(model.explain())`` in a terminal, a table with LaTeX in Jupyter, ``.to_dict()`` as data.
        See :mod:`glassnet.models.explain`.
        """
        return explain_model(self)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "trainable": self.trainable}

    # -- configs (see glassnet.serialization) -------------------------------------------------
    def get_compile_config(self) -> dict[str, Any] | None:
        """The arguments given to ``compile`` as a JSON-able dict (None before compile)."""
        return compile_config.get_compile_config(self)

    def compile_from_config(self, config: dict[str, Any]) -> None:
        """Compile with :meth:`get_compile_config` output."""
        compile_config.compile_from_config(self, config)

    def build_from_config(self, config: dict[str, Any]) -> None:
        """Create the weights for the saved input shape: a subclassed model runs one zero sample."""
        shape = config.get("input_shape")
        if shape is None or self.built and self.weights:
            return
        self(map_shapes(lambda s: zero_sample(s, backend.floatx(), "the saved build_config"), as_shape(shape)),
             training=False)

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> Any:
        """Rebuild from :meth:`get_config`; a Functional config given to ``Model`` builds a Functional model."""
        with custom_object_scope(custom_objects):
            if cls is Model and "layers" in config and "input_layers" in config:
                from .functional import Functional  # functional.py imports this module

                return Functional.from_config(config)
            return cls(**config)

    # -- saving: thin calls up into glassnet.saving, which sits above models -----------------------
    def save(self, filepath: Any, overwrite: bool = True, include_optimizer: bool = True, **kwargs: Any) -> None:
        """Save the whole model to ``.keras`` or ``.h5`` atomically (see :func:`glassnet.saving.save_model`)."""
        from ..saving import save_model  # the one upward call: saving imports models, not the reverse

        save_model(self, filepath, overwrite=overwrite, include_optimizer=include_optimizer, **kwargs)

    def save_weights(self, filepath: Any, overwrite: bool = True) -> None:
        """Save only the weights to ``name.weights.h5`` (see :func:`glassnet.saving.save_weights`)."""
        from ..saving import save_weights  # the one upward call, as in save()

        save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath: Any, skip_mismatch: bool = False, by_name: bool = False) -> None:
        """Load weights from ``.weights.h5``, ``.h5`` or ``.keras``; all or nothing."""
        from ..saving import load_weights  # the one upward call, as in save()

        load_weights(self, filepath, skip_mismatch=skip_mismatch, by_name=by_name)

    def export(self, filepath: Any, format: str = "onnx",  # noqa: A002  (Keras 3's argument name)
               verbose: bool = True, input_signature: Any = None,
               **kwargs: Any) -> None:
        """Export the inference graph for serving (Keras 3's signature); ``format="onnx"`` is the one here.

        ``opset=`` (default 17) passes on to :func:`glassnet.onnx.export`.  Keras' other formats need
        TensorFlow or OpenVINO and are refused with a clear error.
        """
        if format != "onnx":
            raise ValueError(f"Model.export: format={format!r} is not available in glassnet; use format='onnx' "
                             "(TensorFlow SavedModel, LiteRT and OpenVINO need their own frameworks)")
        if input_signature is not None:
            raise ValueError("Model.export: input_signature is not used by the ONNX exporter; the model's own "
                             "input shapes (batch size left free) are exported")
        from ..onnx import export  # an upward call, as in save()

        export(self, filepath, verbose=verbose, **kwargs)

    def to_json(self, **kwargs: Any) -> str:
        """The architecture as JSON (no weights); rebuild with ``models.model_from_json``."""
        return to_json(serialize(self), **kwargs)

    def __reduce__(self) -> Any:
        raise TypeError("glassnet models are not pickled (a pickle can run code when loaded); use "
                        "model.save('model.keras') or model.save_weights(...)")


_FUNCTIONAL_SUBCLASSES: dict[type, type] = {}


def _looks_symbolic(value: Any) -> bool:
    return any(isinstance(t, SymbolicTensor) for t in flatten(value))


def _functional_subclass(cls: type) -> type:
    """``cls`` with Functional's graph behaviour mixed in (cached per class)."""
    from .functional import Functional

    made = _FUNCTIONAL_SUBCLASSES.get(cls)
    if made is None:
        made = _FUNCTIONAL_SUBCLASSES[cls] = type(cls.__name__, (cls, Functional), {"__module__": cls.__module__})
    return made


def numbered_children(layers: list[Layer]) -> list[tuple[str, Layer]]:
    """Keras 3's keys for an ordered layer list: class name in snake case, numbered (dense, dense_1...).

    Saved weights are grouped under these keys, so they load into a rebuilt model whose automatic
    layer names (dense_7...) differ.
    """
    used: dict[str, int] = {}
    out = []
    for sub in layers:
        if isinstance(sub, InputLayer):
            continue
        base = snake_case(type(sub).__name__)
        count = used.get(base, 0)
        used[base] = count + 1
        out.append((base if count == 0 else f"{base}_{count}", sub))
    return out
