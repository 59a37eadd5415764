"""Op samples for Keras 3's focal, generalized, overlap and Circle losses (issue 14), with PyTorch twins."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet import losses

from .samples import _BIN_T, _LABELS, _ONEHOT_T, _PROB_P, _SW, A, _loss_sample, fixed, pos
from .torch_ref import keras_clip, torch


def _bfce(y: Any, p: Any, gamma: float = 2.0, alpha: float | None = None, logits: bool = False,
          ls: float = 0.0) -> Any:
    y = y * (1 - ls) + 0.5 * ls
    p = torch.sigmoid(p) if logits else p
    c = keras_clip(p)
    bce = -(y * torch.log(c) + (1 - y) * torch.log(1 - c))
    focal = (1 - (y * p + (1 - y) * (1 - p))) ** gamma * bce
    if alpha is not None:
        focal = (y * alpha + (1 - y) * (1 - alpha)) * focal
    return focal.mean(-1)


def _cfce(y: Any, p: Any, gamma: float = 2.0, alpha: float = 0.25, logits: bool = False, ls: float = 0.0) -> Any:
    y = y * (1 - ls) + ls / y.shape[-1]
    p = torch.softmax(p, -1) if logits else p
    p = keras_clip(p / p.sum(-1, keepdim=True))
    return (alpha * (1 - p) ** gamma * -(y * torch.log(p))).sum(-1)


def _overlap(y: Any, p: Any, alpha: float = 0.5, beta: float = 0.5) -> Any:
    inter = (y * p).sum(-1)
    return 1 - inter / (inter + alpha * (y * (1 - p)).sum(-1) + beta * ((1 - y) * p).sum(-1) + 1e-7)


def _circle(y: Any, p: Any, gamma: float = 2.0, margin: float = 0.4) -> Any:
    d = torch.clamp(1 - p @ p.T, min=0)
    same = y[:, None] == y[None, :]
    pos_mask, neg_mask = same & ~torch.eye(len(y), dtype=torch.bool), ~same
    s_p = -gamma * torch.clamp((margin + d) * pos_mask, min=0) * (margin - d)
    s_n = gamma * torch.clamp((1 + margin - d) * neg_mask, min=0) * (1 - margin - d)
    inf = torch.tensor(float("-inf"), dtype=p.dtype)
    lse = torch.logsumexp(torch.where(pos_mask, s_p, inf), 1) + torch.logsumexp(torch.where(neg_mask, s_n, inf), 1)
    return torch.nn.functional.softplus(lse)


_MASK_T = lambda rng: rng.integers(0, 2, (4, 6)).astype(np.float64)  # noqa: E731
_EMB = lambda rng: rng.normal(size=(6, 3)) * 0.5  # noqa: E731
_EMB_LABELS = fixed([0, 1, 0, 2, 1, 3])  # label 3 and 2 have no positive: their loss is 0

_loss_sample("bfce", losses.BinaryFocalCrossentropy, _BIN_T, _PROB_P, _bfce)
_loss_sample("bfce_balanced_weighted",
             lambda: losses.BinaryFocalCrossentropy(apply_class_balancing=True, alpha=0.3, gamma=1.5), _BIN_T,
             _PROB_P, lambda y, p: _bfce(y, p, 1.5, 0.3), sample_weight=_SW)
_loss_sample("bfce_from_logits_smoothing",
             lambda: losses.BinaryFocalCrossentropy(from_logits=True, label_smoothing=0.1), _BIN_T, A(4, 3),
             lambda y, p: _bfce(y, p, logits=True, ls=0.1))
_loss_sample("cfce", losses.CategoricalFocalCrossentropy, _ONEHOT_T, _PROB_P, _cfce)
_loss_sample("cfce_from_logits_smoothing_sum",
             lambda: losses.CategoricalFocalCrossentropy(from_logits=True, label_smoothing=0.2, gamma=3.0,
                                                         reduction="sum"),
             _ONEHOT_T, A(4, 3), lambda y, p: _cfce(y, p, 3.0, logits=True, ls=0.2), sample_weight=_SW,
             reduction="sum")
_loss_sample("gce", losses.CategoricalGeneralizedCrossEntropy, _LABELS, _PROB_P,
             lambda y, p: (1 - p.gather(-1, y[:, None])[:, 0] ** 0.5) / 0.5)
_loss_sample("dice_per_sample", lambda: losses.Dice(axis=1), _MASK_T, lambda rng: pos(rng, 4, 6, low=0.05, high=0.95),
             lambda y, p: 1 - 2 * (y * p).sum(-1) / (y.sum(-1) + p.sum(-1) + 1e-7), sample_weight=_SW)
_loss_sample("dice_whole_batch", losses.Dice, _MASK_T, lambda rng: pos(rng, 4, 6, low=0.05, high=0.95),
             lambda y, p: 1 - 2 * (y * p).sum() / (y.sum() + p.sum() + 1e-7))
_loss_sample("tversky_per_sample", lambda: losses.Tversky(alpha=0.3, beta=0.7, axis=1), _MASK_T,
             lambda rng: pos(rng, 4, 6, low=0.05, high=0.95), lambda y, p: _overlap(y, p, 0.3, 0.7))
_loss_sample("circle_sum", lambda: losses.Circle(gamma=2.0, reduction="sum"), _EMB_LABELS, _EMB,
             lambda y, p: _circle(y.long(), p), reduction="sum")
_loss_sample("circle_none", lambda: losses.Circle(gamma=3.0, margin=0.25, reduction=None), _EMB_LABELS, _EMB,
             lambda y, p: _circle(y.long(), p, 3.0, 0.25), reduction=None)


def _ctc_torch(y: Any, z: Any) -> Any:
    lengths = (y != 0).sum(-1)
    log_probs = torch.log_softmax(z, -1).transpose(0, 1)
    return torch.nn.functional.ctc_loss(log_probs, y, torch.full((len(y),), z.shape[1], dtype=torch.long), lengths,
                                        blank=0, reduction="none")


_CTC_LABELS = lambda rng: np.array([[1, 2, 2, 0], [3, 0, 0, 0], [0, 0, 0, 0], [2, 1, 3, 1]])  # noqa: E731
_loss_sample("ctc", losses.CTC, _CTC_LABELS, A(4, 9, 4), _ctc_torch)
_loss_sample("ctc_weighted_sum", lambda: losses.CTC(reduction="sum"), _CTC_LABELS, A(4, 9, 4), _ctc_torch,
             sample_weight=_SW, reduction="sum")
