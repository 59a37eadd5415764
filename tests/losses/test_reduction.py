"""Losses are means over the batch, not sums."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import losses
from glassnet.engine.ops import nn


@pytest.mark.parametrize("loss", [losses.CategoricalCrossentropy(), losses.BinaryCrossentropy(),
                                  losses.MeanSquaredError()], ids=["cce", "bce", "mse"])
def test_losses_are_means_over_the_batch_not_sums(loss: losses.Loss) -> None:
    y = np.array([[0.0, 1.0, 0.0]])
    p = np.array([[0.2, 0.7, 0.1]])
    one = float(loss(y, p).numpy())
    ten = float(loss(np.repeat(y, 10, 0), np.repeat(p, 10, 0)).numpy())
    assert ten == pytest.approx(one, rel=1e-6)
    if isinstance(loss, losses.CategoricalCrossentropy):
        assert one == pytest.approx(-np.log(0.7), rel=1e-6)  # summed over classes, averaged over the batch


def test_sparse_cross_entropy_from_softmax_is_a_mean() -> None:
    z = gn.Tensor(np.array([[2.0, 0.5, -1.0], [0.1, 0.2, 0.3]]), requires_grad=True)
    labels = np.array([0, 2])
    with gn.GradientTape() as tape:
        loss = losses.SparseCategoricalCrossentropy()(labels, nn.softmax(z))
    p = nn.softmax(gn.Tensor(z.data)).numpy()
    assert float(loss.numpy()) == pytest.approx(-np.log(p[[0, 1], labels]).mean(), rel=1e-12)
    np.testing.assert_allclose(tape.gradient(loss, z), (p - np.eye(3)[labels]) / 2, rtol=1e-10)  # (p - y) / N
