"""``keras.models.clone_model``: the same architecture with freshly initialised weights."""

from __future__ import annotations

from typing import Any

from ..serialization import deserialize, serialize


def clone_model(model: Any, input_tensors: Any = None, clone_function: Any = None) -> Any:
    """A new Sequential or Functional model with ``model``'s layers and connections, new weights.

    Layers are rebuilt from their configs, so their initializers draw new values (copy the weights
    with ``clone.set_weights(model.get_weights())`` to duplicate them); the clone is not compiled.
    """
    if input_tensors is not None or clone_function is not None:
        raise NotImplementedError("clone_model: input_tensors and clone_function are not supported")
    try:
        return deserialize(serialize(model))
    except (TypeError, ValueError, NotImplementedError) as err:
        raise ValueError(f"clone_model: cannot rebuild model '{model.name}' from its config ({err}); "
                         "subclassed models are cloned by constructing a new instance") from None
