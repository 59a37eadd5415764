"""Saving and loading models: ``.keras`` (zip) and ``.h5`` (HDF5) files, weights, JSON configs.

Loading never runs code from a file (no pickle, no eval, no imports): classes and
functions are found only by the names glassnet defines, the ones registered with
:func:`register_keras_serializable` and the ``custom_objects`` given to the loader.
Writes are atomic, and every damaged or foreign file gives a :class:`SavedModelError`.
"""

from ..registry import get_registered_object, register_keras_serializable
from ..serialization import custom_object_scope, get_custom_objects
from ..serialization import deserialize as deserialize_keras_object
from ..serialization import serialize as serialize_keras_object
from .api import load_model, load_weights, model_config, model_from_json, model_to_json, save_model, save_weights
from .atomic import atomic_write
from .errors import SavedModelError
from .formats import FORMAT_VERSION

# glassnet 0.1's names for the same two functions.
serialize_layer = serialize_keras_object
deserialize_layer = deserialize_keras_object

__all__ = [
    "FORMAT_VERSION", "SavedModelError", "atomic_write", "custom_object_scope", "deserialize_keras_object",
    "deserialize_layer", "get_custom_objects", "get_registered_object", "load_model", "load_weights", "model_config",
    "model_from_json", "model_to_json", "register_keras_serializable", "save_model", "save_weights",
    "serialize_keras_object", "serialize_layer",
]


def __dir__() -> list[str]:
    # dir() and tab completion show the public API (__all__), not the names it is built from.
    return sorted(__all__)
