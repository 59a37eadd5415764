"""``DataAdapter``: the one interface between ``fit``/``evaluate``/``predict`` and their data.

Each kind of data (arrays, generators, ``PyDataset``, other iterables) gives its batches through the
same methods, so the training loop never asks what ``x`` was.  The subclasses say where the
batches come from; this class does what is common to all: turning a raw batch into checked arrays,
multiplying in ``class_weight``, capping an epoch at ``steps`` and noticing when the data ran out.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterator
from typing import Any

from .. import data
from ..data import Batch


class DataAdapter:
    """Batches of one data source, epoch after epoch, as ``(xs, ys, sws)`` lists of NumPy arrays.

    Parameters
    ----------
    spec : DataSpec
        What the checks know of the model (input names, integer inputs, output names...).
    where : str
        ``"fit"``, ``"evaluate"``, ``"predict"`` or ``"validation_data"``: names the data in messages.
    size : int or None
        Batches in one pass over the data; ``None`` when only reading it tells (a generator).
    class_weight : dict, optional
        ``{class: weight}``; each sample's weight is multiplied by its class's (see :meth:`weighted`).
    steps : int, optional
        The most batches an epoch takes (``steps_per_epoch``, ``validation_steps`` or ``steps``).
    labels : bool, default True
        False for ``predict``: labels and sample weights in the batches are ignored.
    """

    def __init__(self, spec: data.DataSpec, where: str, size: int | None, class_weight: dict | None = None,
                 steps: int | None = None, labels: bool = True) -> None:
        self.spec = spec
        self.where = where
        self.size = size
        self.class_weight = class_weight
        self.steps = steps
        self.labels = labels
        self.ran_out = False  # set when a source stopped before an epoch had its batches (training must end)
        self.num_batches: int | None = size if steps is None else steps if size is None else min(size, steps)
        if steps is not None and size is not None and steps > size:
            warn(f"{data.call_name(where)}: {_steps_name(where)}={steps} is more than the {size} "
                 f"batch{'es' if size != 1 else ''} the data holds, so each epoch stops after {size}. "
                 "Pass fewer steps (or none), or more data.")

    # -- what each kind of data provides ---------------------------------------------------------
    def first_batch(self) -> Batch:
        """The first batch, prepared (to build the model and run the pre-flight checks on)."""
        raise NotImplementedError

    def _batches(self) -> Iterator[Batch]:
        """The prepared batches of one pass over the data (``epoch`` caps them at ``num_batches``)."""
        raise NotImplementedError

    def ready_for_epoch(self) -> bool:
        """Whether another epoch can start; a used-up generator says no (and warns, as Keras does)."""
        return True

    def _begin_epoch(self) -> None:
        """Hook run before an epoch's first batch (``PyDataset.on_epoch_begin``)."""

    def _end_epoch(self) -> None:
        """Hook run after an epoch's last batch (``PyDataset.on_epoch_end``)."""

    # -- the same for every kind -----------------------------------------------------------------
    def epoch(self) -> Iterator[tuple[int, Batch]]:
        """``(step, batch)`` for the batches of one epoch, at most ``num_batches`` of them.

        The next batch is only read once the previous one was used, so a generator shared between
        epochs loses none.  If the data ends before ``steps`` batches, :attr:`ran_out` is set and a
        warning says so.
        """
        self._begin_epoch()
        batches = self._batches()
        step = 0
        while self.num_batches is None or step < self.num_batches:
            batch = next(batches, None)
            if batch is None:
                break
            yield step, batch
            step += 1
        if self.steps is not None and step < self.steps and self.size is None:
            self.warn_ran_out()
        self._end_epoch()

    def warn_ran_out(self) -> None:
        """Record that the data ran out and say so (Keras' warning, with what to do about it)."""
        self.ran_out = True
        steps = _steps_name(self.where)
        if self.steps is None:  # a generator without steps: its first pass took every batch it had
            why = (f"a generator is read once, to its end; to use it for several epochs, make it loop forever "
                   f"(while True: ...) and pass {steps}")
        elif self.where == "fit":
            why = ("make sure that your dataset or generator can generate at least `steps_per_epoch * epochs` "
                   f"batches (steps_per_epoch={self.steps})")
        else:
            why = f"it gave fewer than {steps}={self.steps} batches, and only those were used"
        if self.where == "fit":
            message = f"Your input ran out of data; interrupting training: {why}."
        else:
            message = f"{data.call_name(self.where)}: the input ran out of data; {why}."
        warn(message)

    def prepare(self, raw: Any) -> Batch:
        """One raw batch ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)`` as checked arrays.

        Tensors of other libraries (a PyTorch DataLoader's) become NumPy arrays here, once per batch.
        """
        x, y, sample_weight = split_batch(raw, self.where)
        if not self.labels:
            y = sample_weight = None
        return self.weighted(data.prepare_xy(self.spec, x, y, sample_weight, f"{self.where} batch"))

    def weighted(self, batch: Batch) -> Batch:
        """``batch`` with ``class_weight`` multiplied into its sample weights (see ``data.with_class_weight``)."""
        return data.with_class_weight(batch, self.class_weight)


def split_batch(batch: Any, where: str) -> tuple[Any, Any, Any]:
    """A batch as ``(x, y, sample_weight)``: a tuple of 1 to 3 parts, or ``x`` alone.

    A list of 1 to 3 parts counts as a tuple, as in Keras: a PyTorch DataLoader's batches are ``[x, y]``.
    """
    if isinstance(batch, list) and len(batch) in (1, 2, 3):
        batch = tuple(batch)
    if isinstance(batch, tuple):
        if len(batch) == 1:
            return batch[0], None, None
        if len(batch) == 2:
            return batch[0], batch[1], None
        if len(batch) == 3:
            return batch
        raise ValueError(f"{where}: a batch must be (x,), (x, y) or (x, y, sample_weight); got a tuple of "
                         f"{len(batch)}")
    return batch, None, None


def warn(message: str) -> None:
    """``warnings.warn`` pointing at the user's line (the first caller outside glassnet), not at ours."""
    level, frame = 2, sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__", "").startswith("glassnet."):
        level, frame = level + 1, frame.f_back
    warnings.warn(message, stacklevel=level)


def _steps_name(where: str) -> str:
    return {"fit": "steps_per_epoch", "validation_data": "validation_steps"}.get(where, "steps")


