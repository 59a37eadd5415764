"""Adam's bias correction uses the step count (a bug other from-scratch libraries shipped)."""

from __future__ import annotations

import numpy as np

import glassnet as gn
from glassnet import optimizers
from glassnet.engine.ops import math as m


def test_adam_bias_correction_uses_the_step() -> None:
    """With a constant gradient, every bias-corrected Adam step moves each weight by lr exactly."""
    c = np.array([3.0, -0.01, 250.0, -7.0])
    w = gn.Variable(np.zeros(4), dtype="float64")
    opt = optimizers.Adam(0.1, epsilon=1e-12)
    for step in range(1, 6):
        with gn.GradientTape() as tape:
            loss = m.sum(m.multiply(w, gn.Tensor(c)))
        opt.apply([tape.gradient(loss, w)], [w])
        np.testing.assert_allclose(w.numpy(), -0.1 * step * np.sign(c), rtol=1e-7, err_msg=f"step {step}")
