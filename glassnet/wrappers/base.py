"""``BaseWrapper``: a glassnet model as a scikit-learn estimator (the scikeras contract).

``model`` is either a function that builds (and may compile) a model or a model
instance, which is cloned at every ``fit`` so the estimator owns fresh weights.
Parameters reach their destination by prefix: ``model__units`` goes to the
build function, ``fit__shuffle`` to ``Model.fit``, ``optimizer__learning_rate``
to the optimizer's constructor, and so on.  ``get_params``/``set_params`` see
all of them, so ``clone``, ``Pipeline`` and ``GridSearchCV`` work unchanged.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import validate_data

from .. import backend, losses, optimizers
from ..models.cloning import clone_model
from ..models.model import Model
from . import _utils


class BaseWrapper(BaseEstimator):
    """Shared machinery of :class:`KerasClassifier` and :class:`KerasRegressor`.

    Parameters
    ----------
    model : callable or Model
        A function returning a model (compiled or not), or a model instance cloned per fit.
        The function receives the ``model__`` parameters, any wrapper parameter its signature
        names, and, when named, ``meta`` (a dict of what was learnt about the data:
        ``n_features_in_``, ``n_outputs_expected_``, ``n_classes_``...) and ``compile_kwargs``.
    optimizer, loss, metrics
        Compile arguments, used when the built model is not already compiled (or ``loss`` is given).
        ``optimizer__learning_rate=...`` and other ``optimizer__`` parameters build the optimizer.
    epochs, batch_size, verbose, callbacks, validation_split, shuffle
        ``Model.fit`` arguments; ``fit__...`` passes any other.
    random_state : int or RandomState, optional
        Seeds weights, shuffling and dropout: two fits with the same value predict the same.
    warm_start : bool
        Keep training the fitted model on the next ``fit`` instead of rebuilding it.
    **kwargs
        Routed parameters (``model__units``, ``fit__...``) or parameters the build function names.
    """

    _default_loss: Any = None
    _y_numeric = True  # the classifier takes labels of any type (strings too)

    def __init__(self, model: Any = None, *, random_state: Any = None, optimizer: Any = "rmsprop",
                 loss: Any = None, metrics: Any = None, batch_size: int | None = None, verbose: int = 1,
                 callbacks: Any = None, validation_split: float = 0.0, shuffle: bool = True,
                 epochs: int = 1, warm_start: bool = False, **kwargs: Any) -> None:
        self.model = model
        self.random_state = random_state
        self.optimizer = optimizer
        self.loss = loss
        self.metrics = metrics
        self.batch_size = batch_size
        self.verbose = verbose
        self.callbacks = callbacks
        self.validation_split = validation_split
        self.shuffle = shuffle
        self.epochs = epochs
        self.warm_start = warm_start
        # Extra parameters live in a private dict that get_params/set_params/clone read: scikit-learn
        # forbids public attributes other than the signature's.
        self._extra_params = dict(kwargs)

    # -- parameters ---------------------------------------------------------------------------
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        params = super().get_params(deep=deep)
        params.update(sorted(getattr(self, "_extra_params", {}).items()))
        return params

    def set_params(self, **params: Any) -> BaseWrapper:
        own = set(self._get_param_names())
        for key, value in params.items():
            if key in own:
                setattr(self, key, value)
            elif _utils.is_routed(key) or key in self._extra_params:
                self._extra_params[key] = value
            else:
                raise ValueError(f"Invalid parameter {key!r} for estimator {type(self).__name__}. Valid "
                                 f"parameters are: {sorted(self.get_params(deep=False))!r} or a routed "
                                 f"name such as 'model__units' or 'optimizer__learning_rate'.")
        return self

    def __sklearn_clone__(self) -> BaseWrapper:
        # A model instance is shared, not copied: fit never trains it, only clones of it.
        params = {k: v if k == "model" else clone(v, safe=False) for k, v in self.get_params(deep=False).items()}
        return type(self)(**params)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(vars(self))
        for key in ("model", "model_"):
            if isinstance(state.get(key), Model):
                state[key] = ("glassnet-model-bytes", _utils.model_to_bytes(state[key]))
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        for key in ("model", "model_"):
            value = state.get(key)
            if isinstance(value, tuple) and len(value) == 2 and value[0] == "glassnet-model-bytes":
                state[key] = _utils.model_from_bytes(value[1])
        vars(self).update(state)

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "model_")

    # -- data ---------------------------------------------------------------------------------
    def _validate(self, X: Any, y: Any = None, reset: bool = True) -> tuple[np.ndarray, Any]:
        if y is None:
            X = validate_data(self, X, reset=reset, dtype="numeric", ensure_all_finite=True)
        else:
            X, y = validate_data(self, X, y, reset=reset, dtype="numeric", ensure_all_finite=True,
                                 multi_output=True, y_numeric=self._y_numeric)
        return np.asarray(X, dtype=backend.floatx()), y

    def _encode_target(self, y: Any, reset: bool) -> np.ndarray:
        raise NotImplementedError

    def _meta(self) -> dict[str, Any]:
        return {"n_features_in_": self.n_features_in_, "X_shape_": self.X_shape_,
                "n_outputs_expected_": self.n_outputs_expected_}

    # -- building -----------------------------------------------------------------------------
    def _routed(self, destination: str) -> dict[str, Any]:
        return _utils.route(self.get_params(deep=False), destination)

    def _build_optimizer(self) -> Any:
        kwargs = self._routed("optimizer")
        spec = self.optimizer
        if isinstance(spec, optimizers.Optimizer):
            # A fresh copy per fit: an optimizer carries slots bound to one model's weights.
            config = {**spec.get_config(), **kwargs}
            return type(spec).from_config(config)
        if isinstance(spec, str) and kwargs:
            return type(optimizers.get(spec))(**kwargs)
        if isinstance(spec, type):
            return spec(**kwargs)
        return optimizers.get(spec)

    def _build_loss(self, model: Any) -> Any:
        loss = self.loss if self.loss is not None else self._default_loss_for(model)
        kwargs = self._routed("loss")
        if kwargs:
            if isinstance(loss, str):
                return type(losses.get(loss))(**kwargs)
            if isinstance(loss, type):
                return loss(**kwargs)
        return loss

    def _default_loss_for(self, model: Any) -> Any:
        return self._default_loss

    def _compile_kwargs(self, model: Any = None) -> dict[str, Any]:
        return {"optimizer": self._build_optimizer(), "loss": self._build_loss(model), "metrics": self.metrics,
                **self._routed("compile")}

    def _build_model(self) -> Any:
        spec = self.model
        if spec is None:
            raise ValueError(f"{type(self).__name__} needs a model: pass model=<a function returning a "
                             "glassnet model> or model=<a model instance>")
        if isinstance(spec, Model):
            built = clone_model(spec)
            config = spec.get_compile_config() if getattr(spec, "compiled", False) else None
            if config is not None and self.loss is None:
                built.compile_from_config(config)
        elif callable(spec):
            candidates = {k: v for k, v in self._extra_params.items() if not _utils.is_routed(k)}
            candidates.update({k: v for k, v in self._get_own_params().items() if k != "model"})
            kwargs = _utils.accepted(spec, candidates)
            meta = self._meta()
            kwargs.update(_utils.accepted(spec, {**meta, "meta": meta}))
            if "compile_kwargs" in _utils.accepted(spec, {"compile_kwargs": None}):
                # Before the model exists the default loss can only follow the targets.
                kwargs["compile_kwargs"] = self._compile_kwargs(None)
            built = spec(**{**kwargs, **self._routed("model")})
        else:
            raise TypeError(f"model must be a function returning a glassnet model or a model instance, "
                            f"got {type(spec).__name__}")
        if not isinstance(built, Model):
            raise TypeError(f"the model function returned {type(built).__name__}, not a glassnet model")
        self._check_model(built)
        if not getattr(built, "compiled", False) or self.loss is not None:
            built.compile(**self._compile_kwargs(built))
        return built

    def _check_model(self, model: Any) -> None:
        """Refuse a model that cannot fit these targets, before any training."""

    def _model_targets(self, y: Any) -> Any:
        """The encoded targets in the form the compiled model's loss expects."""
        return y

    def _get_own_params(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self._get_param_names()}

    # -- fitting ------------------------------------------------------------------------------
    def fit(self, X: Any, y: Any, sample_weight: Any = None, **kwargs: Any) -> BaseWrapper:
        """Build (or, with ``warm_start``, keep) the model and train it for ``epochs`` epochs.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : array_like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array_like of shape (n_samples,), optional
        **kwargs
            More ``Model.fit`` arguments for this call only (``epochs=...``).
        """
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y is None")
        keep = self.warm_start and self.__sklearn_is_fitted__()
        return self._fit(X, y, sample_weight, reset=not keep, epochs=kwargs.pop("epochs", self.epochs), **kwargs)

    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None, **kwargs: Any) -> BaseWrapper:
        """Train one epoch, building the model on the first call and keeping it afterwards."""
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y is None")
        return self._fit(X, y, sample_weight, reset=not self.__sklearn_is_fitted__(), epochs=1, **kwargs)

    def _fit(self, X: Any, y: Any, sample_weight: Any, reset: bool, epochs: int, **kwargs: Any) -> BaseWrapper:
        X, y = self._validate(X, y, reset=reset)
        targets = self._encode_target(y, reset=reset)
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight, dtype=backend.floatx()).reshape(-1)
            if sample_weight.shape[0] != X.shape[0]:
                raise ValueError(f"sample_weight has {sample_weight.shape[0]} entries but X has {X.shape[0]} samples")
            if not np.any(sample_weight > 0):
                # Keras would divide by a zero weight total; say so instead of training on NaN.
                raise ValueError("sample_weight must have at least one positive entry (all weights are zero)")
        if reset:
            self.X_shape_ = X.shape
        seed = _utils.seed_from(self.random_state)
        with _utils.seeded(seed):
            if reset:
                self.model_ = self._build_model()
                self.history_: dict[str, list[float]] = {}
            targets = self._model_targets(targets)
            fit_kwargs = {"batch_size": self.batch_size, "epochs": epochs, "verbose": self.verbose,
                          "callbacks": self.callbacks, "validation_split": self.validation_split,
                          "shuffle": self.shuffle, **self._routed("fit"), **kwargs}
            if fit_kwargs.get("callbacks") is not None:
                fit_kwargs["callbacks"] = self._fresh_callbacks(fit_kwargs["callbacks"])
            history = self.model_.fit(X, targets, sample_weight=sample_weight, **fit_kwargs)
        for key, values in (getattr(history, "history", None) or {}).items():
            self.history_.setdefault(key, []).extend(float(np.mean(v)) for v in values)
        return self

    def _fresh_callbacks(self, callbacks: Any) -> list[Any]:
        """Copies of the callback objects (classes built with the ``callbacks__`` parameters).

        Training binds a callback to the model; the estimator's own ``callbacks`` stay unbound so
        that ``clone`` (which deep-copies them) still works after ``fit``.
        """
        routed = self._routed("callbacks")
        out = []
        for cb in callbacks if isinstance(callbacks, (list, tuple)) else [callbacks]:
            if isinstance(cb, type):
                out.append(cb(**routed))
                continue
            try:
                out.append(copy.deepcopy(cb))
            except TypeError:  # already bound to a model elsewhere: use it as it is
                out.append(cb)
        return out

    def _raw_predict(self, X: Any) -> np.ndarray:
        if not self.__sklearn_is_fitted__():
            raise NotFittedError(f"This {type(self).__name__} instance is not fitted yet. Call 'fit' with "
                                 "appropriate arguments before using this estimator.")
        X, _ = self._validate(X, reset=False)
        kwargs = {"verbose": 0, "batch_size": self.batch_size, **self._routed("predict")}
        return np.asarray(self.model_.predict(X, **kwargs))
