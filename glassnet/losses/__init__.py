"""Loss functions with Keras' names, arguments and reduction semantics.

Each loss is a per-sample formula written as it reads on a slide
(``((y_pred - y_true) ** 2).mean(axis=-1)``), with its Keras class beside it:

* :mod:`.regression`: mean squared/absolute (percentage/logarithmic) error, Huber, log-cosh, cosine similarity;
* :mod:`.probabilistic`: binary, categorical and sparse categorical cross-entropy, KL divergence, Poisson;
* :mod:`.hinge`: hinge, squared hinge, categorical hinge;
* :mod:`.focal`: binary and categorical focal cross-entropy, generalized cross-entropy;
* :mod:`.overlap`: Dice and Tversky (segmentation); :mod:`.circle`: Circle (metric learning);
* :mod:`.ctc`: connectionist temporal classification (sequences without an alignment);
* :mod:`.base`: the :class:`Loss` object, Keras' reductions and the label helper every loss shares.

Device-side: losses run on the gradient tape, so every module here reaches arrays through
``backend.xp`` and imports no NumPy (``tests/test_backend_seam_training.py`` checks it; see
docs/gpu.md).

Every name is importable from here, as ``keras.losses.X``; :func:`get` resolves
strings, configs, classes and functions.
"""

from __future__ import annotations

from typing import Any

from ..engine.tensor import as_tensor
from .base import REDUCTIONS, Loss, LossFunctionWrapper, reduce_weighted
from .base import REGISTRY as _REGISTRY
from .circle import Circle, circle
from .ctc import CTC, ctc
from .focal import (
    BinaryFocalCrossentropy,
    CategoricalFocalCrossentropy,
    CategoricalGeneralizedCrossEntropy,
    binary_focal_crossentropy,
    categorical_focal_crossentropy,
    categorical_generalized_cross_entropy,
)
from .hinge import CategoricalHinge, Hinge, SquaredHinge, categorical_hinge, hinge, squared_hinge
from .overlap import Dice, Tversky, dice, tversky
from .probabilistic import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    KLDivergence,
    Poisson,
    SparseCategoricalCrossentropy,
    binary_crossentropy,
    categorical_crossentropy,
    kl_divergence,
    poisson,
    sparse_categorical_crossentropy,
)
from .regression import (
    CosineSimilarity,
    Huber,
    LogCosh,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    cosine_similarity,
    huber,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
)

__all__ = [
    "REDUCTIONS", "BinaryCrossentropy", "CategoricalCrossentropy", "CategoricalHinge", "CosineSimilarity", "Hinge",
    "Huber", "KLDivergence", "LogCosh", "Loss", "LossFunctionWrapper", "MeanAbsoluteError",
    "MeanAbsolutePercentageError", "MeanSquaredError", "MeanSquaredLogarithmicError", "Poisson",
    "SparseCategoricalCrossentropy", "SquaredHinge", "as_tensor", "binary_crossentropy", "categorical_crossentropy",
    "categorical_hinge", "cosine_similarity", "get", "hinge", "huber", "kl_divergence", "log_cosh",
    "mean_absolute_error", "mean_absolute_percentage_error", "mean_squared_error", "mean_squared_logarithmic_error",
    "names", "poisson", "reduce_weighted", "serialize", "sparse_categorical_crossentropy", "squared_hinge",
    "mse", "MSE", "mae", "MAE", "mape", "MAPE", "kld", "KLD", "msle", "MSLE",
    # Focal, generalized, overlap and metric-learning losses (Keras 3)
    "BinaryFocalCrossentropy", "CategoricalFocalCrossentropy", "CategoricalGeneralizedCrossEntropy", "Circle",
    "Dice", "Tversky", "binary_focal_crossentropy", "categorical_focal_crossentropy",
    "categorical_generalized_cross_entropy", "circle", "deserialize", "dice", "tversky", "CTC", "ctc",
]

for _cls, _fn, _aliases in [
    (MeanSquaredError, mean_squared_error, ("mse", "MSE")),
    (MeanAbsoluteError, mean_absolute_error, ("mae", "MAE")),
    (MeanAbsolutePercentageError, mean_absolute_percentage_error, ("mape", "MAPE")),
    (Huber, huber, ("huber_loss",)),
    (LogCosh, log_cosh, ("logcosh",)),
    (BinaryCrossentropy, binary_crossentropy, ("bce", "BCE")),
    (CategoricalCrossentropy, categorical_crossentropy, ()),
    (SparseCategoricalCrossentropy, sparse_categorical_crossentropy, ()),
    (Hinge, hinge, ()),
    (KLDivergence, kl_divergence, ("kld", "KLD", "kullback_leibler_divergence")),
    (Poisson, poisson, ()),
    (MeanSquaredLogarithmicError, mean_squared_logarithmic_error, ("msle", "MSLE")),
    (SquaredHinge, squared_hinge, ()),
    (CategoricalHinge, categorical_hinge, ()),
    (CosineSimilarity, cosine_similarity, ()),
    (BinaryFocalCrossentropy, binary_focal_crossentropy, ()),
    (CategoricalFocalCrossentropy, categorical_focal_crossentropy, ()),
    (CategoricalGeneralizedCrossEntropy, categorical_generalized_cross_entropy, ()),
    (Dice, dice, ()),
    (Tversky, tversky, ()),
    (Circle, circle, ()),
    (CTC, ctc, ()),
]:
    _REGISTRY.add(_cls, _cls.__name__, _fn.__name__, *_aliases)

# Keras' short function aliases.
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
kld = KLD = kl_divergence
msle = MSLE = mean_squared_logarithmic_error


def get(identifier: Any) -> Loss:
    """Resolve a name, class, config dict, loss object or function to a :class:`Loss` object.

    A plain function ``f(y_true, y_pred)`` (a custom loss) is wrapped so it is
    reduced like the built-in losses.
    """
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, (list, tuple)) and len(identifier) == 1:
        return get(identifier[0])
    if isinstance(identifier, str):
        return _REGISTRY.get(identifier, "loss")()
    if isinstance(identifier, dict):
        cls = _REGISTRY.get(identifier["class_name"], "loss")
        return cls.from_config(identifier.get("config", {}))
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if callable(identifier):
        return LossFunctionWrapper(identifier)
    raise TypeError(f"Could not interpret loss {identifier!r}: expected a name, a Loss or a function")


def serialize(loss: Loss) -> dict[str, Any]:
    """A config dict that :func:`get` turns back into an equal loss."""
    name = getattr(type(loss), "_registered_name", None) or type(loss).__name__
    if type(loss) is LossFunctionWrapper:
        name = getattr(loss.fn, "_registered_name", None) or loss.fn.__name__
        return {"class_name": name, "config": {}}
    return {"class_name": name, "config": loss.get_config()}


def deserialize(config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> Loss:
    """The loss a :func:`serialize` config describes (Keras' ``keras.losses.deserialize``)."""
    if custom_objects:
        from ..serialization import custom_object_scope

        with custom_object_scope(custom_objects):
            return get(config)
    return get(config)


def names() -> list[str]:
    """Every loss name :func:`get` understands."""
    return _REGISTRY.names()


def __dir__() -> list[str]:
    # dir() and tab completion show the public API (__all__), not the names it is built from.
    return sorted(__all__)
