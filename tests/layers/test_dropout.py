"""Dropout is inverted dropout, its backward applies the same mask, and its rate is checked."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import layers
from glassnet.engine.ops import math as m
from glassnet.engine.ops import nn


def test_dropout_is_inverted_and_its_backward_applies_the_mask() -> None:
    layer = layers.Dropout(0.25, seed=0)
    x = gn.Tensor(np.ones((200, 50)), requires_grad=True)
    with gn.GradientTape() as tape:
        y = layer(x, training=True)
        total = m.sum(y)
    out = y.numpy()
    kept = out != 0
    np.testing.assert_allclose(out[kept], 1 / 0.75)  # survivors scaled up while training
    assert kept.mean() == pytest.approx(0.75, abs=0.02)
    assert out.mean() == pytest.approx(1.0, abs=0.03)
    grad = tape.gradient(total, x)
    np.testing.assert_array_equal(grad, np.where(kept, 1 / 0.75, 0.0))  # same mask, same scale
    np.testing.assert_array_equal(layer(x, training=False).numpy(), x.numpy())  # inference: identity
    np.testing.assert_array_equal(layer(x).numpy(), x.numpy())


def test_dropout_rate_checks() -> None:
    with pytest.raises(ValueError, match="rate"):
        layers.Dropout(1.0)
    with pytest.raises(ValueError, match="rate"):
        nn.dropout(gn.Tensor(np.ones(3)), 1.0)
