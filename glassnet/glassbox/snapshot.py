"""Take a model's whole training state and put it back exactly: weights, optimizer, random generator.

:func:`glassnet.trace` really runs the compiled optimizer to show the step it would take, then
undoes it, so a trace leaves no mark.  "Exactly" means bit for bit and object for object:

* every variable of the model (trainable weights *and* moving averages, which a forward pass in
  training mode updates) gets its values back, in the very array object it had: an optimizer that
  has packed the weights into one flat buffer keeps reading them through its views;
* the optimizer gets back its attributes (``iterations``, its packed groups or none at all, the
  "missing gradient" warning flag) and the contents of every buffer (parameters, gradients, slots
  such as momentum or Adam's moments);
* glassnet's random generator gets its state back, so the dropout masks drawn during the trace
  do not shift the masks of the training that follows.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import backend


def _array_attributes(obj: Any) -> dict[str, np.ndarray]:
    """Copies of the array attributes of ``obj`` (and of its ``slots`` dict, if it has one)."""
    saved = {k: v.copy() for k, v in vars(obj).items() if isinstance(v, np.ndarray)}
    for name, value in getattr(obj, "slots", {}).items():
        saved[f"slots/{name}"] = value.copy()
    return saved


def _write_back(obj: Any, saved: dict[str, np.ndarray]) -> None:
    for key, value in saved.items():
        if key.startswith("slots/"):
            target = obj.slots[key[len("slots/"):]]
        else:
            target = getattr(obj, key)
        target[...] = value  # in place: variables may be views into these buffers


class Snapshot:
    """The training state of ``model`` (and its compiled optimizer) at one moment.

    Parameters
    ----------
    model : Model
        Its variables (``model.weights``, trainable or not) and ``model.optimizer`` are saved.

    Examples
    --------
    >>> snap = Snapshot(model)          # doctest: +SKIP
    >>> model.train_on_batch(x, y)      # doctest: +SKIP
    >>> snap.restore()                  # as if the step never ran  # doctest: +SKIP
    """

    def __init__(self, model: Any) -> None:
        # The array object each variable holds, and a copy of its values.
        self._variables = [(v, v.data, v.data.copy()) for v in model.weights]  # a copy on the same device
        self._optimizer = model.optimizer
        self._optimizer_dict: dict[str, Any] = {}
        self._groups: list[tuple[Any, dict[str, np.ndarray]]] = []
        if self._optimizer is not None:
            self._optimizer_dict = dict(vars(self._optimizer))
            self._groups = [(g, _array_attributes(g)) for g in getattr(self._optimizer, "_groups", [])]
        self._rng_state = backend.rng().bit_generator.state

    def restore(self) -> None:
        """Put everything back as it was when the snapshot was taken."""
        for group, saved in self._groups:
            _write_back(group, saved)
        if self._optimizer is not None:
            # Attributes, not just values: a first step creates the packed groups, undoing it removes them.
            state = vars(self._optimizer)
            state.clear()
            state.update(self._optimizer_dict)
        for var, array, values in self._variables:
            var.data = array
            array[...] = values
        backend.rng().bit_generator.state = self._rng_state


__all__ = ["Snapshot"]
