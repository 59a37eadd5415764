"""Real Keras 3 on its PyTorch backend, as a test oracle for model files moving both ways.

Keras is a test-only tool like PyTorch itself.  Without it the tests here are skipped, unless
``GLASSNET_REQUIRE_KERAS=1`` (CI's main job), where a missing Keras is a failure.
"""

from __future__ import annotations

import os
import sys

import pytest


@pytest.fixture(scope="session")
def keras():
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
