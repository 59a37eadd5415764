"""Circle loss (Sun et al., 2020): metric learning on L2-normalised embeddings.

For each embedding, every other embedding of the same label is a positive and every one of another label
a negative.  With cosine distances d = max(1 - e_i . e_j, 0), margin m and scale gamma::

    positives:  a_p = max(m + d, 0),      s_p = -gamma a_p (m - d)
    negatives:  a_n = max(1 + m - d, 0),  s_n =  gamma a_n (1 - m - d)
    L_i = softplus(logsumexp_p s_p + logsumexp_n s_n)

so pairs far from their optimum (distant positives, close negatives) weigh the most.  A sample with no
positive or no negative has L = 0, and, as in Keras, the mean is then over the samples with L > 0.
"""

from __future__ import annotations

from typing import Any

from ..backend import xp
from ..engine.ops import math as m
from ..engine.ops import nn
from ..engine.tensor import Tensor, as_tensor
from .base import LossFunctionWrapper, class_labels, reduce_weighted
from .equations import states


def _masked_logsumexp(x: Tensor, mask: Any) -> tuple[Tensor, Any]:
    """log sum_{mask} exp(x) per row, and which rows have any entry (the others are -inf, left at 0 here).

    The row maximum is a constant shift (it cancels in the gradient); empty rows sum 1 instead of 0 so
    that neither the value nor the gradient becomes inf or nan.
    """
    any_entry = mask.any(axis=1)
    # (CuPy's max takes no `initial`: a row with no entries at all gets its -inf here instead.)
    masked = xp.where(mask, x.data, -xp.inf)
    shift = masked.max(axis=1) if masked.shape[1] else xp.full(masked.shape[0], -xp.inf, dtype=masked.dtype)
    shift = xp.where(any_entry, shift, 0.0)[:, None].astype(x.dtype)
    total = (m.exp(x - Tensor(shift)) * Tensor(mask.astype(x.dtype))).sum(axis=1)
    total = total + Tensor((~any_entry).astype(x.dtype))
    return m.log(total) + Tensor(shift[:, 0]), any_entry


@states("L = softplus(logsumexp_p(-gamma a_p (m - d_p)) + logsumexp_n(gamma a_n (1 - m - d_n))),  d = 1 - cos",
        r"L = \log\Big(1 + \sum_p e^{-\gamma a_p (m - d_p)} \sum_n e^{\gamma a_n (1 - m - d_n)}\Big)",
        "dL/dy_hat: through d = 1 - y_hat y_hat^T, each pair weighted by its softmax share (the tape)",
        r"\frac{\partial L}{\partial \hat y} = \sum_j \frac{\partial L}{\partial d_{ij}} "
        r"\frac{\partial d_{ij}}{\partial \hat y}", sparse=True)
def circle(y_true: Any, y_pred: Any, ref_labels: Any = None, ref_embeddings: Any = None,
           remove_diagonal: bool = True, gamma: float = 80.0, margin: float = 0.4) -> Tensor:
    """Circle loss per sample, for integer labels ``y_true`` (batch,) and embeddings ``y_pred`` (batch, dim).

    The embeddings should be L2-normalised (``UnitNormalization``).  ``ref_labels``/``ref_embeddings``
    compare against another set instead of the batch itself; ``remove_diagonal`` keeps a sample from
    being its own positive.
    """
    y_pred = as_tensor(y_pred)
    if y_pred.ndim != 2:
        raise ValueError(f"circle: y_pred must be embeddings of shape (batch, dim), got shape {y_pred.shape}")
    labels = class_labels(y_true, 1)
    if labels.shape != (y_pred.shape[0],):
        raise ValueError(f"circle: y_true must hold one integer label per embedding, shape ({y_pred.shape[0]},), "
                         f"got shape {labels.shape}")
    labels = labels.astype(xp.int64)
    ref = y_pred if ref_embeddings is None else as_tensor(ref_embeddings)
    ref_lab = labels if ref_labels is None else class_labels(ref_labels, 1).astype(xp.int64)
    distances = m.maximum(1 - m.matmul(y_pred, m.transpose(ref)), 0.0)
    same = labels[:, None] == ref_lab[None, :]
    positive, negative = same.copy(), ~same
    if remove_diagonal and ref_embeddings is None:
        xp.fill_diagonal(positive, False)
    pos_w = m.maximum((margin + distances) * Tensor(positive.astype(y_pred.dtype)), 0.0)
    neg_w = m.maximum((1 + margin - distances) * Tensor(negative.astype(y_pred.dtype)), 0.0)
    p_loss, has_pos = _masked_logsumexp(-gamma * pos_w * (margin - distances), positive)
    n_loss, has_neg = _masked_logsumexp(gamma * neg_w * (1 - margin - distances), negative)
    valid = Tensor((has_pos & has_neg).astype(y_pred.dtype))
    return nn.softplus(p_loss + n_loss) * valid  # softplus(-inf) = 0 where a side is empty


class Circle(LossFunctionWrapper):
    """Circle loss for metric learning (labels: integer classes; predictions: normalised embeddings).

    Parameters
    ----------
    gamma : float
        Scale of the similarities (sharper weighting when larger).
    margin : float
        Relaxation margin m: positives aim at distance m or less, negatives at 1 - m or more.
    remove_diagonal : bool
        Do not count a sample as its own positive.
    """

    def __init__(self, gamma: float = 80.0, margin: float = 0.4, remove_diagonal: bool = True,
                 reduction: str | None = "sum_over_batch_size", name: str = "circle", dtype: Any = None) -> None:
        super().__init__(circle, reduction=reduction, name=name, gamma=gamma, margin=margin,
                         remove_diagonal=remove_diagonal)

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Tensor:
        values = self.call(y_true, as_tensor(y_pred))
        # Keras masks the samples whose loss is 0 (no positive or no negative): means skip them.
        return reduce_weighted(values, sample_weight, self.reduction, mask=values.data > 0)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "reduction": self.reduction, **self.fn_kwargs}


Circle.__module__ = "glassnet.losses"
