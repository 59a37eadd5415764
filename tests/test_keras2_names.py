"""Keras 2 spellings still work: decay=, input_shape, import paths, legacy optimizers."""

from __future__ import annotations

import pytest

import glassnet as gn
from glassnet import layers


def test_keras2_decay_and_input_shape() -> None:
    opt = gn.optimizers.SGD(lr=0.1, decay=0.5)
    assert opt.get_config()["decay"] == 0.5
    opt.iterations = 2
    assert opt.learning_rate == pytest.approx(0.1 / (1 + 0.5 * 2))
    model = gn.Sequential([layers.Dense(3, input_dim=4)])
    assert model.layers[0].input_shape == (None, 4)


def test_keras2_import_paths_and_legacy_optimizers() -> None:
    from glassnet.utils.np_utils import to_categorical

    assert to_categorical([1], 2).tolist() == [[0.0, 1.0]]
    assert gn.optimizers.legacy.Adam is gn.optimizers.Adam
