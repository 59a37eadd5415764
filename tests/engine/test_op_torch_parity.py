"""The op-sample table against PyTorch 2.13: forward values and gradients, in float64.

Keras' conventions are mapped onto torch in ``tests/oracles`` (losses averaged over the last axis for BCE,
summed over classes for CE, probabilities clipped to [1e-7, 1 - 1e-7], Keras' reductions).
"""

from __future__ import annotations

import numpy as np
import pytest
from oracles import SAMPLES, OpSample, to_numpy, to_torch

import glassnet as gn
from glassnet.engine.ops import math as m


def _weights(shape: tuple[int, ...]) -> np.ndarray:
    gen = np.random.default_rng(7)
    return gen.uniform(0.5, 1.5, shape) * gen.choice([-1.0, 1.0], shape)


@pytest.mark.parametrize("sample", SAMPLES, ids=str)
def test_forward_and_gradients_match_torch(sample: OpSample) -> None:
    gn.set_floatx("float64")
    case = sample.build(np.random.default_rng(1))
    assert case.torch_fn is not None, f"{sample.name} has no PyTorch twin"
    wrt = list(range(len(case.inputs))) if case.wrt is None else list(case.wrt)

    tensors = [x if isinstance(x, gn.Variable) else gn.Tensor(np.array(x, dtype=np.float64), requires_grad=True)
               for x in case.inputs]
    with gn.GradientTape() as tape:
        out = case.fn(*tensors)
        r = _weights(out.shape)
        target = m.sum(m.multiply(out, gn.Tensor(r)))
    grads = tape.gradient(target, [tensors[i] for i in wrt])

    torch_inputs = to_torch(case.inputs)
    torch_out = case.torch_fn(*torch_inputs)
    assert tuple(torch_out.shape) == out.shape
    np.testing.assert_allclose(out.numpy(), to_numpy(torch_out), rtol=1e-9, atol=1e-12,
                               err_msg=f"{sample.name}: forward values differ")
    (torch_out * to_torch([r], requires_grad=False)[0]).sum().backward()
    for i, g in zip(wrt, grads):
        expected = to_numpy(torch_inputs[i].grad)
        expected = np.zeros(torch_inputs[i].shape) if expected is None else expected
        got = np.zeros(expected.shape) if g is None else np.asarray(g)
        np.testing.assert_allclose(got, expected, rtol=1e-8, atol=1e-11,
                                   err_msg=f"{sample.name}: gradient of input {i} differs")
