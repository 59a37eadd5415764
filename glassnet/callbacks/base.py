"""The ``Callback`` base class and the list that dispatches hooks to many callbacks."""

from __future__ import annotations

from typing import Any


class Callback:
    """Base class of callbacks: override any ``on_*`` hook.

    Attributes
    ----------
    model : Model
        The model being trained (set by ``fit``/``evaluate``/``predict``).
    params : dict
        ``{'verbose', 'epochs', 'steps'}`` as in Keras.
    """

    def __init__(self) -> None:
        self.model: Any = None
        self.params: dict[str, Any] = {}

    def set_model(self, model: Any) -> None:
        self.model = model

    def set_params(self, params: dict[str, Any]) -> None:
        self.params = params

    def on_train_begin(self, logs: dict | None = None) -> None: ...
    def on_train_end(self, logs: dict | None = None) -> None: ...
    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None: ...
    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None: ...
    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None: ...
    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None: ...
    def on_test_begin(self, logs: dict | None = None) -> None: ...
    def on_test_end(self, logs: dict | None = None) -> None: ...
    def on_test_batch_begin(self, batch: int, logs: dict | None = None) -> None: ...
    def on_test_batch_end(self, batch: int, logs: dict | None = None) -> None: ...
    def on_predict_begin(self, logs: dict | None = None) -> None: ...
    def on_predict_end(self, logs: dict | None = None) -> None: ...
    def on_predict_batch_begin(self, batch: int, logs: dict | None = None) -> None: ...
    def on_predict_batch_end(self, batch: int, logs: dict | None = None) -> None: ...

    # Keras 2 names of the training-batch hooks.
    def on_batch_begin(self, batch: int, logs: dict | None = None) -> None: ...
    def on_batch_end(self, batch: int, logs: dict | None = None) -> None: ...


_HOOKS = [name for name in vars(Callback) if name.startswith("on_")]


class CallbackList:
    """Calls a hook on every callback in order.  Hooks a callback does not override are skipped,
    so an idle callback costs nothing per batch."""

    def __init__(self, callbacks: list[Callback] | None, model: Any, params: dict[str, Any]) -> None:
        self.callbacks = list(callbacks or [])
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(f"callbacks must be Callback instances, got {type(cb).__name__}")
            cb.set_model(model)
            cb.set_params(params)
        self._active = {hook: [getattr(cb, hook) for cb in self.callbacks
                               if getattr(type(cb), hook, None) is not getattr(Callback, hook)]
                        for hook in _HOOKS}
        # Keras 2 callbacks override on_batch_*; they run with the train-batch hooks.
        self._active["on_train_batch_begin"] += self._active.pop("on_batch_begin")
        self._active["on_train_batch_end"] += self._active.pop("on_batch_end")

    def wants(self, hook: str) -> bool:
        """Whether any callback overrides ``hook`` (so per-batch logs need computing)."""
        return bool(self._active.get(hook))

    def call(self, hook: str, *args: Any) -> None:
        for fn in self._active.get(hook, ()):
            fn(*args)
