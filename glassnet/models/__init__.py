"""Models: Sequential, Functional (``Model(inputs, outputs)``) and subclassed ``Model``.

``keras.models.load_model``, ``save_model`` and ``model_from_json`` are the file
formats' functions, which sit above models (``glassnet.saving``); they are looked
up there when first used, so importing models never imports saving.
"""

from typing import Any

from ..layers.tracing import Input, InputLayer, SymbolicTensor
from .cloning import clone_model
from .functional import Functional
from .model import Model
from .perceptron import Perceptron, PerceptronHistory, xor_network
from .sequential import Sequential

_FROM_SAVING = ("load_model", "model_from_json", "save_model")

__all__ = ["clone_model", "Functional", "Input", "InputLayer", "Model", "Sequential", "SymbolicTensor", "load_model",
           "model_from_json", "save_model", "Perceptron", "PerceptronHistory", "xor_network"]


def __getattr__(name: str) -> Any:
    if name in _FROM_SAVING:
        from .. import saving  # the upward call (see the module docstring)

        return getattr(saving, name)
    raise AttributeError(f"module 'glassnet.models' has no attribute {name!r}")


def __dir__() -> list[str]:
    # dir() and tab completion show the public API (__all__), not the names it is built from.
    return sorted(__all__)
