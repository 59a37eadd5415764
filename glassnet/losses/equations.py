"""The equations of each loss, for ``loss.explain()``: written above each loss function by ``@states``.

A loss function gives one value L per sample; the :class:`~glassnet.losses.Loss` object reduces
them to the cost C (``1/N sum_n L_n`` by default).  Back-propagation starts here: g = dC/dy_hat
is what the output layer receives.  Cross-entropy after a softmax (or sigmoid) output skips the
activation's Jacobian: the loss reads the logits z (``engine.ops.nn.logits_of``) and hands
``delta = dC/dz = (y_hat - y) / N`` straight to them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..explanation import Equation, Explanation

# A prediction of unknown shape: a batch of K values per sample.
_UNKNOWN = (None, "K")


@dataclass(frozen=True)
class LossEquations:
    """What ``@states`` records: L per sample and dL/dy_hat, each as text and LaTeX."""

    loss: tuple[str, str]
    gradient: tuple[str, str]
    logits: dict[str, tuple[str, str]] = field(default_factory=dict)
    """dL/dz through each output activation whose Jacobian the loss skips (``{"softmax": ...}``)."""
    sparse: bool = False
    """Labels are class indices: one axis fewer than the predictions."""


_EQUATIONS: dict[Callable[..., Any], LossEquations] = {}


def states(loss: str, loss_latex: str, gradient: str, gradient_latex: str,
           logits: dict[str, tuple[str, str]] | None = None, sparse: bool = False) -> Callable[[Any], Any]:
    """Record the equations of the loss function defined below (``L = ...`` and ``dL/dy_hat = ...``)."""

    def record(fn: Callable[..., Any]) -> Callable[..., Any]:
        _EQUATIONS[fn] = LossEquations((loss, loss_latex), (gradient, gradient_latex), dict(logits or {}), sparse)
        return fn

    return record


# How each reduction turns the L_n into C, and what that does to the gradient.
_REDUCTIONS = {
    "sum_over_batch_size": ("C = 1/N sum_n L_n   (N: the batch size)", r"C = \frac{1}{N} \sum_n L_n",
                            "/ N", r"\frac{1}{N}"),
    "sum": ("C = sum_n L_n", r"C = \sum_n L_n", "", ""),
    "mean_with_sample_weight": ("C = sum_n w_n L_n / sum_n w_n", r"C = \sum_n w_n L_n / \sum_n w_n",
                                "* w_n / sum_n w_n", r"\frac{w_n}{\sum_n w_n}"),
    "none": ("C = L: no reduction, one value per sample", "C = L", "", ""),
}


def _checked(loss: Any, y_pred_shape: Any, activation: Any) -> tuple[Any, ...]:
    owner = f"{type(loss).__name__}.explain"
    if y_pred_shape is None:
        return _UNKNOWN
    if (not isinstance(y_pred_shape, (tuple, list)) or not y_pred_shape
            or not all(n is None or isinstance(n, (int, str)) for n in y_pred_shape)):
        raise ValueError(f"{owner}: y_pred_shape must be the shape of the predictions, such as (None, 10), "
                         f"got {y_pred_shape!r}")
    if activation is not None and not isinstance(activation, str):
        raise TypeError(f"{owner}: activation must be the name of the output activation (such as 'softmax') "
                        f"or None, got {activation!r}")
    return tuple(y_pred_shape)


def explain_loss(loss: Any, y_pred_shape: Any = None, activation: str | None = None) -> Explanation:
    """The equations of ``loss`` for predictions of ``y_pred_shape`` from an output ``activation``.

    See :meth:`glassnet.losses.Loss.explain`.
    """
    shape = _checked(loss, y_pred_shape, activation)
    fn = getattr(loss, "fn", None)
    entry = _EQUATIONS.get(fn) if fn is not None else None
    options = dict(getattr(loss, "fn_kwargs", {}))
    labels = shape[:-1] if entry is not None and entry.sparse else shape
    e = Explanation(loss.name, type(loss).__name__, {"y_hat": shape, "y": labels, "L": shape[:-1], "C": ()},
                    inputs=("y_hat",), output="C", counts_params=False)
    reduce_text, reduce_latex, per_n, per_n_latex = _REDUCTIONS[_reduction(loss.reduction)]
    if entry is None:
        name = getattr(fn, "__name__", type(loss).__name__)
        e.forward.append(Equation(f"L = {name}(y, y_hat)", "", "y_hat , y -> L"))
        e.backward.append(Equation("dC/dy_hat: the tape differentiates the operations of the loss", "", "y_hat"))
        e.has_entry = False
        e.notes.append(f"{name} states no equations of its own: decorate it with "
                       "@glassnet.losses.equations.states(...) as the built-in losses are")
    else:
        _stated(e, entry, options, activation, per_n, per_n_latex)
    e.forward.append(Equation(reduce_text, reduce_latex, "L -> C"))
    for key, value in options.items():
        if key == "label_smoothing" and value:
            e.notes.append(f"label_smoothing = {value:g}: the labels y are moved towards uniform before L")
        elif key not in ("axis", "from_logits", "label_smoothing") and value is not None:
            e.notes.append(f"{key} = {value}")
    if isinstance(shape[-1], int):
        e.notes.append(f"K = {shape[-1]}, the size of the last axis of y_hat")
    return e


def _reduction(reduction: Any) -> str:
    return {None: "none", "mean": "sum_over_batch_size"}.get(reduction, reduction)


def _stated(e: Explanation, entry: LossEquations, options: dict[str, Any], activation: str | None,
            per_n: str, per_n_latex: str) -> None:
    """The equations of a loss with an entry, linked to the output activation where the loss skips it."""
    link = next(iter(entry.logits)) if options.get("from_logits") else activation
    at_logits = entry.logits.get(link or "")
    if options.get("from_logits"):
        e.forward.append(Equation(f"y_hat = {link}(z)   (from_logits=True: the model outputs the logits z)",
                                  rf"\hat y = \mathrm{{{link}}}(z)", "y_hat -> y_hat"))
    e.forward.append(Equation(*entry.loss, "y_hat , y -> L"))
    if at_logits is None:
        e.backward.append(Equation(*entry.gradient, "y_hat , y -> y_hat"))
        e.backward.append(Equation(f"g = dC/dy_hat = dL/dy_hat {per_n}".rstrip(),
                                   r"g = " + per_n_latex + r"\frac{\partial L}{\partial \hat y}", "y_hat"))
        return
    e.symbols["z"] = e.symbols["y_hat"]
    text, latex = at_logits
    e.backward.append(Equation(f"{text}   (at the logits z)", latex, "y_hat , y -> z"))
    e.backward.append(Equation(f"delta = dC/dz = dL/dz {per_n}".rstrip(),
                               r"\delta = " + per_n_latex + r"\frac{\partial L}{\partial z}", "z"))
    if not options.get("from_logits"):
        e.notes.append(f"the output is {link}(z): the loss reads its logits z, so the {link} Jacobian and the "
                       f"1/y_hat of the log cancel and delta reaches z directly (engine.ops.nn.logits_of)")
