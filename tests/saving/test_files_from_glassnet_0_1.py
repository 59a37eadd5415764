"""Files written by glassnet 0.1 (tests/saving/fixtures/saved_by_0_1) still load and predict exactly as recorded."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import glassnet as gn
from tests.saving.fixtures import make_saved_files as made

HERE = Path(__file__).parent / "fixtures" / "saved_by_0_1"
NAMES = ["mlp", "functional", "cnn"]


def _assert_same_prediction(actual: np.ndarray, expected: np.ndarray) -> None:
    # The weights load bit-exactly; the forward pass may differ in the last bits across NumPy versions (tanh
    # and exp use different SIMD kernels in NumPy 1.24 and 2.x) and BLAS kernels (OpenBLAS's Haswell and
    # SkylakeX kernels add a convolution's products in other orders). A sum's rounding error scales with its
    # largest terms, not with a result that cancels to near 0, so allow 4 units in the last place of the
    # largest output: far below what one wrong weight would change.
    tolerance = 4 * np.spacing(np.abs(expected).max())
    np.testing.assert_allclose(actual, expected, rtol=0, atol=tolerance)


@pytest.mark.parametrize("ext", [".keras", ".h5"])
@pytest.mark.parametrize("name", NAMES)
def test_model_files_load_and_predict_as_recorded(name, ext):
    model = gn.models.load_model(HERE / f"{name}{ext}")
    expected = np.load(HERE / f"{name}.prediction.npy")
    _assert_same_prediction(model.predict(made.inputs(name), verbose=0), expected)
    assert model.optimizer is not None and model.optimizer.iterations == 2


@pytest.mark.parametrize("name", NAMES)
def test_weights_files_load_into_the_same_architecture(name):
    model = made.models()[name]
    model.load_weights(HERE / f"{name}.weights.h5")
    expected = np.load(HERE / f"{name}.prediction.npy")
    _assert_same_prediction(model.predict(made.inputs(name), verbose=0), expected)
