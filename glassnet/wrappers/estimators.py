"""``KerasClassifier`` and ``KerasRegressor``: glassnet models as scikit-learn estimators.

>>> import numpy as np, glassnet as keras
>>> from glassnet.wrappers import KerasClassifier
>>> def build(meta, units=8):
...     return keras.Sequential([keras.Input((meta["n_features_in_"],)),
...                              keras.layers.Dense(units, activation="relu"),
...                              keras.layers.Dense(meta["n_classes_"], activation="softmax")])
>>> clf = KerasClassifier(build, model__units=4, epochs=2, verbose=0, random_state=0)
>>> x = np.random.default_rng(0).normal(size=(30, 3)); y = np.array(["cat", "dog", "fox"] * 10)
>>> clf.fit(x, y).predict(x[:2]).tolist() in [[a, b] for a in clf.classes_ for b in clf.classes_]
True
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, r2_score
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import column_or_1d

from .. import backend
from .base import BaseWrapper


def _output_units(model: Any) -> int | None:
    shape = getattr(model, "output_shape", None)
    if isinstance(shape, tuple) and shape and isinstance(shape[-1], int):
        return shape[-1]
    return None


def _loss_name(loss: Any) -> str:
    name = loss if isinstance(loss, str) else getattr(loss, "name", None) or getattr(loss, "__name__", "")
    return str(name).lower()


class KerasClassifier(BaseWrapper):
    """A glassnet model as a scikit-learn classifier (any class labels, strings included).

    Labels are encoded as ``0..n_classes-1`` in the order of ``classes_``.  Without a ``loss``
    the wrapper picks the one that matches the model's output: one unit -> binary cross-entropy
    (two classes, sigmoid output), several units -> sparse categorical cross-entropy (softmax).
    A ``categorical_crossentropy`` loss gets one-hot targets.  ``predict_proba`` returns one
    column per class; ``score`` is the accuracy.  See :class:`BaseWrapper` for the parameters.
    """

    _y_numeric = False

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.estimator_type = "classifier"
        from sklearn.utils import ClassifierTags

        tags.classifier_tags = ClassifierTags(multi_class=True, multi_label=False, poor_score=False)
        tags.target_tags.required = True
        tags.non_deterministic = self.random_state is None
        return tags

    def _encode_target(self, y: Any, reset: bool) -> np.ndarray:
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)  # scikit-learn's DataConversionWarning for a column vector
        if y.ndim != 1:
            raise ValueError(f"KerasClassifier takes one label per sample (y of shape (n_samples,)), got y of "
                             f"shape {y.shape}; multi-output and multi-label targets are not supported")
        check_classification_targets(y)
        if reset:
            given = vars(self).pop("_partial_classes", None)
            self.classes_ = np.unique(y) if given is None else np.union1d(given, y)
            codes = np.searchsorted(self.classes_, y)
            self.n_classes_ = len(self.classes_)
            self.target_type_ = type_of_target(y)
            self.n_outputs_expected_ = 1
        else:
            unseen = np.setdiff1d(y, self.classes_)
            if unseen.size:
                raise ValueError(f"y contains labels not seen in the first fit: {unseen.tolist()!r}")
            codes = np.searchsorted(self.classes_, y)
        return codes.astype(np.int64)

    def _model_targets(self, y: Any) -> Any:
        name = _loss_name(getattr(self.model_, "loss", None))
        if "categorical_crossentropy" in name and "sparse" not in name:
            return np.eye(self.n_classes_, dtype=backend.floatx())[y]  # one-hot for categorical cross-entropy
        return y.reshape(-1, 1) if self.n_classes_ <= 2 else y

    def _meta(self) -> dict[str, Any]:
        return {**super()._meta(), "n_classes_": self.n_classes_, "classes_": self.classes_,
                "target_type_": self.target_type_}

    def _default_loss_for(self, model: Any) -> Any:
        units = _output_units(model) if model is not None else None
        if units is None:
            return "binary_crossentropy" if self.n_classes_ <= 2 else "sparse_categorical_crossentropy"
        if units == 1:
            if self.n_classes_ > 2:
                raise ValueError(f"the model has one output unit but y has {self.n_classes_} classes: end the "
                                 f"model with Dense({self.n_classes_}, activation='softmax')")
            return "binary_crossentropy"
        if units < self.n_classes_:
            raise ValueError(f"the model has {units} output units but y has {self.n_classes_} classes")
        return "sparse_categorical_crossentropy"

    def _check_model(self, model: Any) -> None:
        units = _output_units(model)
        if units not in (None, 1) and units < self.n_classes_:
            raise ValueError(f"the model has {units} output units but y has {self.n_classes_} classes: end it "
                             f"with Dense({self.n_classes_}, activation='softmax')")

    def partial_fit(self, X: Any, y: Any, classes: Any = None, sample_weight: Any = None,
                    **kwargs: Any) -> BaseWrapper:
        """Train one epoch; ``classes`` (all labels, first call) lets later batches miss some."""
        if classes is not None and not self.__sklearn_is_fitted__():
            # Encode with every class from the start, as scikit-learn's incremental learners do.
            self._partial_classes = np.unique(np.asarray(classes))
        return super().partial_fit(X, y, sample_weight=sample_weight, **kwargs)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, one column per entry of ``classes_``."""
        raw = self._raw_predict(X).astype(np.float64)
        raw = raw.reshape(raw.shape[0], -1)
        if raw.shape[1] == 1:
            p = np.clip(raw[:, 0], 0.0, 1.0)
            if self.n_classes_ == 1:
                return np.ones((raw.shape[0], 1))
            return np.column_stack([1.0 - p, p])
        return raw[:, : self.n_classes_]

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each sample, as a label from ``classes_``."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Accuracy of ``predict(X)`` against ``y``."""
        return float(accuracy_score(y, self.predict(X), sample_weight=sample_weight))


class KerasRegressor(BaseWrapper):
    """A glassnet model as a scikit-learn regressor (``loss="mse"`` unless given; ``score`` is R^2).

    ``y`` of shape ``(n_samples,)`` gives 1-D predictions; ``(n_samples, n_outputs)`` gives 2-D ones.
    See :class:`BaseWrapper` for the parameters.
    """

    _default_loss = "mean_squared_error"

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.estimator_type = "regressor"
        from sklearn.utils import RegressorTags

        tags.regressor_tags = RegressorTags(poor_score=False)
        tags.target_tags.required = True
        tags.target_tags.multi_output = True
        tags.non_deterministic = self.random_state is None
        return tags

    def _encode_target(self, y: Any, reset: bool) -> np.ndarray:
        y = np.asarray(y, dtype=backend.floatx())
        if reset:
            self.y_ndim_ = y.ndim
            self.n_outputs_expected_ = 1 if y.ndim == 1 else y.shape[1]
        return y.reshape(len(y), -1)

    def predict(self, X: Any) -> np.ndarray:
        """Predicted targets, 1-D when the model was fitted on a 1-D ``y``."""
        raw = self._raw_predict(X).astype(np.float64)  # scikit-learn expects float64 predictions
        raw = raw.reshape(raw.shape[0], -1)
        return raw[:, 0] if self.y_ndim_ == 1 and raw.shape[1] == 1 else raw

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """R^2 of ``predict(X)`` against ``y``."""
        return float(r2_score(y, self.predict(X), sample_weight=sample_weight))
