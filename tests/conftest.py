"""Shared fixtures: a fixed seed and fresh layer names for every test."""

from __future__ import annotations

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
