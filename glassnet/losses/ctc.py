"""Connectionist temporal classification (Graves et al., 2006): a sequence loss without an alignment.

The model emits, at each of T steps, scores over C classes (class 0 is the *blank*); a label
sequence l of length L (padded with 0) is any path of T symbols that reads l once repeats are merged
and blanks dropped.  The loss is -log P(l | x), the sum over all those paths, computed by dynamic
programming over the extended label l' = (blank, l_1, blank, l_2, ..., l_L, blank) of S = 2L + 1 states::

    alpha_t(s) = (alpha_{t-1}(s) + alpha_{t-1}(s-1) [+ alpha_{t-1}(s-2) if l'_s != blank, l'_s != l'_{s-2}]) y_t(l'_s)
    P = alpha_T(S) + alpha_T(S - 1)

and the backward variables beta the same way from the end.  Everything is in log space (sums of
probabilities become ``logaddexp``) and vectorised over the batch and the states; only the time
loop is Python.  The gradient with respect to the log-probabilities is minus the posterior
occupancy of each class at each step, sum_{s: l'_s = k} alpha_t(s) beta_t(s) / (y_t(k) P).
"""

from __future__ import annotations

from typing import Any

from .. import backend
from ..backend import xp
from ..engine.ops import nn
from ..engine.tensor import Tensor, as_tensor, record
from .base import LossFunctionWrapper
from .equations import states


def _lse3(a: Any, b: Any, c: Any) -> Any:
    with backend.errstate(invalid="ignore"):  # -inf - -inf inside logaddexp: the result is -inf as wanted
        return xp.logaddexp(xp.logaddexp(a, b), c)


def _shift(a: Any, by: int, axis: int = -1) -> Any:
    """``a`` moved ``by`` places along the last axis (right for by > 0), filled with -inf."""
    out = xp.full_like(a, -xp.inf)
    if by > 0:
        out[..., by:] = a[..., :-by]
    else:
        out[..., :by] = a[..., -by:]
    return out


def _ctc_forward_backward(log_probs: Any, labels: Any,
                          label_length: Any) -> tuple[Any, Any]:
    """-log P(l | x) per sample (B,) and its gradient with respect to ``log_probs`` (B, T, C)."""
    batch, steps, classes = log_probs.shape
    states_ = 2 * labels.shape[1] + 1
    ext = xp.zeros((batch, states_), dtype=xp.int64)
    ext[:, 1::2] = labels
    # A state may be entered from two back where it is a label differing from the label before it.
    skip = xp.zeros((batch, states_), dtype=bool)
    skip[:, 2:] = (ext[:, 2:] != 0) & (ext[:, 2:] != ext[:, :-2])
    emit = xp.take_along_axis(log_probs, xp.broadcast_to(ext[:, None, :], (batch, steps, states_)), axis=2)
    rows = xp.arange(batch)
    last = 2 * label_length  # the final blank; the final label is last - 1

    alpha = xp.full((steps, batch, states_), -xp.inf)
    alpha[0, :, 0] = emit[:, 0, 0]
    has_label = label_length > 0
    alpha[0, has_label, 1] = emit[has_label, 0, 1]
    for t in range(1, steps):
        prev = alpha[t - 1]
        alpha[t] = _lse3(prev, _shift(prev, 1), xp.where(skip, _shift(prev, 2), -xp.inf)) + emit[:, t]

    beta = xp.full((steps, batch, states_), -xp.inf)
    beta[-1, rows, last] = emit[rows, -1, last]
    beta[-1, rows[has_label], last[has_label] - 1] = emit[rows[has_label], -1, last[has_label] - 1]
    skip_from = _shift(skip.astype(xp.float64), -2) > 0  # may state s + 2 be entered from s?
    for t in range(steps - 2, -1, -1):
        nxt = beta[t + 1]
        beta[t] = _lse3(nxt, _shift(nxt, -1), xp.where(skip_from, _shift(nxt, -2), -xp.inf)) + emit[:, t]

    end = alpha[-1, rows, last]
    log_p = xp.where(has_label, xp.logaddexp(end, alpha[-1, rows, xp.maximum(last - 1, 0)]), end)
    with backend.errstate(invalid="ignore"):
        occupancy = xp.exp(alpha + beta - xp.moveaxis(emit, 1, 0) - log_p[None, :, None])  # (T, B, S)
    onehot = xp.eye(classes, dtype=log_probs.dtype)[ext]  # (B, S, C)
    grad = -xp.einsum("tbs,bsc->btc", xp.nan_to_num(occupancy), onehot)
    return -log_p, grad


@states("L = -log sum_{paths pi -> y} prod_t softmax(z_t)[pi_t]   (blank = class 0)",
        r"L = -\log \sum_{\pi \in \mathcal{B}^{-1}(y)} \prod_t \operatorname{softmax}(z_t)_{\pi_t}",
        "dL/dz_t,k = softmax(z_t)_k - (1/P) sum_{s: l'_s = k} alpha_t(s) beta_t(s) / y_t(k)",
        r"\frac{\partial L}{\partial z_{t,k}} = \hat y_{t,k} - \frac{1}{P \hat y_{t,k}} "
        r"\sum_{s: l'_s = k} \alpha_t(s) \beta_t(s)", sparse=True)
def ctc(y_true: Any, y_pred: Any) -> Tensor:
    """CTC loss per sample: integer labels ``y_true`` (batch, max_label_length), padded with 0 (the blank),
    and logits ``y_pred`` (batch, time, classes), as Keras' ``keras.losses.ctc``."""
    y_pred = as_tensor(y_pred)
    labels = xp.asarray(y_true.data if isinstance(y_true, Tensor) else y_true)  # stays on the device
    if labels.ndim != 2:
        raise ValueError(f"ctc: y_true must be integer labels of shape (batch_size, max_length), got shape "
                         f"{labels.shape}")
    if y_pred.ndim != 3:
        raise ValueError(f"ctc: y_pred must be logits of shape (batch_size, max_length, num_classes), got shape "
                         f"{y_pred.shape}")
    if labels.shape[0] != y_pred.shape[0]:
        raise ValueError(f"ctc: y_true has {labels.shape[0]} samples but y_pred has {y_pred.shape[0]}")
    if labels.dtype.kind == "f" and bool(xp.any(labels != xp.round(labels))):
        raise ValueError("ctc: y_true must hold whole numbers (class indices)")
    labels = labels.astype(xp.int64)
    # (CuPy's min/max take no `initial`: an empty label array is checked by its size instead.)
    if labels.size and (int(labels.min()) < 0 or int(labels.max()) >= y_pred.shape[-1]):
        raise ValueError(f"ctc: labels must be class indices in [0, {y_pred.shape[-1]}) (0 is the blank and pads)")
    log_probs = nn.log_softmax(y_pred, axis=-1)
    # As Keras: the label length is the number of non-blank entries, read from the start of each row.
    loss, grad = _ctc_forward_backward(xp.asarray(log_probs.data, dtype=xp.float64), labels,
                                       (labels != 0).sum(axis=-1))
    dtype = log_probs.dtype
    return record(xp.asarray(loss, dtype=dtype), (log_probs,),
                  lambda g: (xp.asarray(g[:, None, None] * grad, dtype=dtype),))


class CTC(LossFunctionWrapper):
    """CTC loss for sequences without an alignment (labels: padded class indices; predictions: logits)."""

    def __init__(self, reduction: str | None = "sum_over_batch_size", name: str = "ctc", dtype: Any = None) -> None:
        super().__init__(ctc, reduction=reduction, name=name)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "reduction": self.reduction}


CTC.__module__ = "glassnet.losses"
