"""glassnet: a glass-box deep-learning library that speaks Keras.

``import glassnet as keras`` and run Keras tutorial code; open any layer to
read its forward and backward equations in NumPy.
"""

from __future__ import annotations

__version__ = "0.1.0"

from . import (
    activations,
    backend,
    callbacks,
    config,
    constraints,
    datasets,  # noqa: E402  (after models: datasets has no dependencies on them, kept last)
    initializers,
    layers,
    losses,
    metrics,
    models,
    ops,
    optimizers,
    random,
    regularizers,
    saving,
    utils,
)
from .backend import floatx, set_floatx
from .engine.tensor import GradientTape, Tensor, Variable
from .glassbox import gradcheck, trace
from .layers.base import Layer
from .layers.naming import clear_session
from .models import Functional, Input, Model, Sequential
from .models.preflight import HintWarning
from .registry import register_keras_serializable

backend.clear_session = clear_session  # type: ignore[attr-defined]

from . import model_selection  # noqa: E402  (light: joblib is imported only when folds run in parallel)


def __getattr__(name: str) -> object:
    # glassnet.plotting imports matplotlib, so it loads on first use, keeping "import glassnet" fast.
    if name in ("plotting", "preprocessing", "wrappers", "onnx", "applications"):  # wrappers imports scikit-learn
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'glassnet' has no attribute {name!r}")

__all__ = [
    "Functional", "GradientTape", "HintWarning", "Input", "Layer", "Model", "Sequential", "Tensor", "Variable", "activations",
    "backend", "callbacks", "clear_session", "constraints", "datasets", "floatx", "initializers", "layers", "losses", "metrics",
    "models", "ops", "optimizers", "register_keras_serializable", "regularizers", "saving", "set_floatx", "utils",
    "model_selection", "plotting", "gradcheck", "trace",
    "wrappers",
]
__all__ += ["random"]
__all__ += ["onnx"]  # model.export(path, format="onnx"); the onnx package loads only when exporting
__all__ += ["applications"]  # VGG16, ResNet50, MobileNetV2 (issue 14); loads on first use
__all__ += ["config"]  # set_num_threads; GLASSNET_NUM_THREADS

config.apply_default()  # no more BLAS threads than the CPUs this process may use (see glassnet/config.py)


def __dir__() -> list[str]:
    # dir() and tab completion show the public API (__all__), not the names it is built from.
    return sorted([*__all__, "__version__"])
