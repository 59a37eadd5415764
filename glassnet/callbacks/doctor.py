"""The training doctor: after ``fit``, a few plain lines on what went wrong and what to try.

``fit`` attaches a :class:`TrainingDoctor` by itself when ``verbose >= 1`` (``fit(..., doctor=False)``
turns it off).  It watches training through an :class:`~glassnet.callbacks.Inspector` that looks at one
batch per epoch, checks each batch's loss for NaN, keeps the epoch logs and a look at the first batch,
and at the end runs the rules of :mod:`glassnet.callbacks.doctor_rules`.  A healthy run has no finding
and prints nothing.  :func:`diagnose_training` runs the same rules on a history and an inspector.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .base import Callback
from .doctor_rules import RULES, Evidence
from .inspector import Inspector


@dataclass(frozen=True)
class Finding:
    """One thing the doctor found.

    Attributes
    ----------
    code : str
        A stable identifier: ``learning_rate_too_high``, ``learning_rate_too_low``, ``exploding_gradients``,
        ``dead_relus``, ``vanishing_gradients``, ``zero_gradients``, ``overfitting``, ``input_scale`` or
        ``labels_do_not_fit_loss``.
    message : str
        What went wrong, with the numbers that show it.
    advice : str
        What to try.
    """

    code: str
    message: str
    advice: str

    def __str__(self) -> str:
        return f"{self.code}: {self.message} Try: {self.advice}"


def _as_list(value: Any) -> list[Any] | None:
    if value is None:
        return None
    return list(value) if isinstance(value, (list, tuple)) else [value]


def diagnose_training(history: Any, inspector: Any = None, model: Any = None, x: Any = None, y: Any = None,
                      first_loss: float | None = None, nan_at: tuple[int, int] | None = None,
                      batches: int | None = None, resumed: bool = False) -> list[Finding]:
    """Run the doctor's rules on the record of one training run.

    Parameters
    ----------
    history : History or dict
        What ``fit`` returned (or its ``.history`` dict): ``loss`` per epoch, ``val_loss`` if validated.
    inspector : Inspector or dict, optional
        The :class:`Inspector` that watched the run (or its ``to_dict()``); without it the rules that need
        gradients, dead units or update ratios stay silent.
    model : Model, optional
        The trained model (its optimizer, loss and layers are named in the advice).
    x, y : array or list of arrays, optional
        A batch of the training inputs and labels (the first one): checked for scale and for labels the
        loss cannot use.
    first_loss : float, optional
        The loss of the first batch (the starting point of "the loss went up / stayed flat");
        default: the first epoch's loss.
    nan_at : (epoch, batch), optional
        Where the loss first became NaN or infinite.
    batches : int, optional
        How many training batches ran (a loss is not called flat after a handful); default: from the
        inspector's steps, else 10 per epoch.
    resumed : bool
        Whether the run continued from a trained model (its optimizer had stepped before): a flat loss
        is then not blamed on the learning rate, since it usually means the model has converged.

    Returns
    -------
    list of Finding
        Empty for a healthy run.
    """
    hist = getattr(history, "history", history)
    if not isinstance(hist, dict):
        raise TypeError(f"diagnose_training: history must be a History or a dict of lists, got "
                        f"{type(history).__name__}")
    records = inspector.to_dict() if isinstance(inspector, Inspector) else inspector
    if records is not None and not isinstance(records, dict):
        raise TypeError(f"diagnose_training: inspector must be an Inspector or its to_dict(), got "
                        f"{type(inspector).__name__}")
    if batches is None:
        steps = (records or {}).get("steps") or []
        batches = steps[-1] + 1 if steps else 10 * len(hist.get("loss", []))
    evidence = Evidence(history={k: list(v) for k, v in hist.items()}, inspector=records, model=model,
                        x=_as_list(x), y=_as_list(y), first_loss=first_loss, nan_at=nan_at, batches=batches,
                        fresh=not resumed)
    findings = []
    for rule in RULES:
        found = rule(evidence)
        if found is not None:
            findings.append(Finding(*found))
            evidence.found.add(found[0])
    return findings


class TrainingDoctor(Callback):
    """Diagnose a training run when it ends and print the findings (nothing when healthy).

    ``fit`` adds one when ``verbose >= 1`` unless ``doctor=False``; add your own to change the
    inspection cadence or to keep the findings with ``verbose=0``.

    Parameters
    ----------
    every : "epoch" or int
        How often its own :class:`Inspector` looks at a batch (default: once per epoch, which costs
        well under 1% of an epoch).  Ignored when ``inspector`` is given.
    inspector : Inspector, optional
        Read this inspector's records instead of running one; it must be in ``fit``'s callbacks too.
    verbose : int, optional
        1 prints the findings at the end of training, 0 keeps them silent; default: print when ``fit``
        runs with ``verbose >= 1``.

    Attributes
    ----------
    findings : list of Finding
        What the last run's diagnosis found (empty when healthy).
    inspector : Inspector
        The records the diagnosis read.
    """

    def __init__(self, every: Any = "epoch", inspector: Inspector | None = None, verbose: int | None = None) -> None:
        super().__init__()
        if inspector is not None and not isinstance(inspector, Inspector):
            raise TypeError(f"TrainingDoctor: inspector must be an Inspector, got {type(inspector).__name__}")
        if verbose is not None and verbose not in (0, 1, 2):
            raise ValueError(f"TrainingDoctor: verbose must be None, 0, 1 or 2, got {verbose!r}")
        self._owns_inspector = inspector is None
        self.inspector = Inspector(every=every) if inspector is None else inspector
        self.verbose = verbose
        self.findings: list[Finding] = []
        self._first_x: Any = None
        self._first_y: Any = None
        self._reset()

    def _reset(self) -> None:
        self._logs: dict[str, list[float]] = {}
        self._first_loss: float | None = None
        self._nan_at: tuple[int, int] | None = None
        self._epoch = 0
        self._batches = 0
        self._resumed = False

    def set_first_batch(self, x: Any, y: Any = None) -> None:
        """Give the doctor a look at the training data (``fit`` passes its first batch)."""
        self._first_x, self._first_y = x, y

    # -- forwarded to the doctor's own inspector ----------------------------------------------------
    def set_model(self, model: Any) -> None:
        super().set_model(model)
        if self._owns_inspector:
            self.inspector.set_model(model)

    def set_params(self, params: dict[str, Any]) -> None:
        super().set_params(params)
        if self._owns_inspector:
            self.inspector.set_params(params)

    def restore(self) -> None:
        """Undo what the inspector changed for an inspected batch (``fit`` calls it on an error)."""
        if self._owns_inspector:
            self.inspector.restore()

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._reset()
        self._resumed = bool(getattr(getattr(self.model, "optimizer", None), "iterations", 0))
        self.findings = []
        if self._owns_inspector:
            self.inspector.on_train_begin(logs)

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._epoch = epoch
        if self._owns_inspector:
            self.inspector.on_epoch_begin(epoch, logs)

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        if self._owns_inspector:
            self.inspector.on_train_batch_begin(batch, logs)

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if self._owns_inspector:
            self.inspector.on_train_batch_end(batch, logs)
        self._batches += 1
        loss = (logs or {}).get("loss")
        if loss is None:
            return
        if self._first_loss is None:
            self._first_loss = float(loss)
        if self._nan_at is None and not math.isfinite(loss):
            self._nan_at = (self._epoch, batch)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        for key, value in (logs or {}).items():
            self._logs.setdefault(key, []).append(value)

    def on_train_end(self, logs: dict | None = None) -> None:
        if self._owns_inspector:
            self.inspector.on_train_end(logs)
        self.findings = diagnose_training(self._logs, self.inspector, self.model, self._first_x, self._first_y,
                                          first_loss=self._first_loss, nan_at=self._nan_at, batches=self._batches,
                                          resumed=self._resumed)
        verbose = self.params.get("verbose", 0) if self.verbose is None else self.verbose
        if self.findings and verbose:
            print(self.report())

    def report(self) -> str:
        """The findings as plain lines (empty string when there are none)."""
        if not self.findings:
            return ""
        lines = [f"Training doctor: {len(self.findings)} finding(s)"]
        lines += [f"  - {finding}" for finding in self.findings]
        return "\n".join(lines)
