"""Shared fixtures: a fixed seed and fresh layer names for every test, and real Keras as an oracle."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

import glassnet as gn


@pytest.fixture(autouse=True)
def _fresh_state() -> None:
    """Every test starts from the same seed, float32 and unused layer names."""
    gn.set_floatx("float32")
    gn.clear_session()
    gn.utils.set_random_seed(1234)
    yield
    gn.set_floatx("float32")


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


@pytest.fixture(scope="session")
def keras():
    """Real Keras 3 on its PyTorch backend, a test-only oracle like PyTorch itself.

    Without it the test is skipped, unless ``GLASSNET_REQUIRE_KERAS=1`` (CI's main job), where a
    missing Keras is a failure.
    """
    if "keras" not in sys.modules:
        os.environ.setdefault("KERAS_BACKEND", "torch")
    try:
        import keras as real_keras
    except ImportError as err:
        if os.environ.get("GLASSNET_REQUIRE_KERAS") == "1":
            pytest.fail(f"GLASSNET_REQUIRE_KERAS=1 but Keras cannot be imported ({err})")
        pytest.skip("Keras 3 is not installed (pip install keras next to torch==2.13.0)")
    if real_keras.backend.backend() != "torch":
        pytest.skip(f"Keras runs on {real_keras.backend.backend()}, these tests expect its PyTorch backend")
    return real_keras


@pytest.fixture
def numpy_after():
    """For tests that switch the array backend: compiled kernels off (they run only on NumPy), and
    NumPy restored whatever the test does."""
    from glassnet import backend, jit

    was_enabled = jit.set_enabled(False)
    try:
        yield
    finally:
        backend.set_backend("numpy")
        jit.set_enabled(was_enabled)
