"""``glassnet.random`` (``keras.random``): distributions by their moments, the three kinds of seed, and errors."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import random


def _np(t: gn.Tensor) -> np.ndarray:
    return t.numpy()


@pytest.mark.parametrize(("draw", "mean", "var"), [
    (lambda s: random.normal((20000,), mean=1.5, stddev=2.0, seed=s), 1.5, 4.0),
    (lambda s: random.uniform((20000,), minval=-1.0, maxval=3.0, seed=s), 1.0, 16 / 12),
    # N(0, 1) cut at +-2 has variance 1 - 4 phi(2) / (Phi(2) - Phi(-2)) = 0.7737.
    (lambda s: random.truncated_normal((20000,), seed=s), 0.0, 0.7737),
    (lambda s: random.gamma((20000,), alpha=3.0, seed=s), 3.0, 3.0),
    (lambda s: random.beta((20000,), alpha=2.0, beta=3.0, seed=s), 0.4, 6 / (25 * 6)),
    (lambda s: random.binomial((20000,), counts=10, probabilities=0.3, seed=s), 3.0, 2.1),
    (lambda s: random.randint((20000,), 0, 10, seed=s), 4.5, 99 / 12),
], ids=["normal", "uniform", "truncated_normal", "gamma", "beta", "binomial", "randint"])
def test_distribution_moments(draw, mean: float, var: float) -> None:
    x = _np(draw(0)).astype(np.float64)
    assert x.mean() == pytest.approx(mean, abs=4 * np.sqrt(var / x.size) + 1e-3)
    assert x.var() == pytest.approx(var, rel=0.05)


def test_dtypes_and_shapes() -> None:
    assert random.normal((2, 3)).dtype == np.float32
    assert random.normal(4, dtype="float64").shape == (4,)
    assert random.randint((5,), 0, 3).dtype == np.int32
    assert random.uniform((3,), 0, 5, dtype="int64").dtype == np.int64  # an integer uniform is randint
    assert random.binomial((2,), 5, 0.5).dtype == np.float32
    assert np.abs(_np(random.truncated_normal((1000,), stddev=0.5))).max() <= 1.0


def test_an_int_seed_repeats_and_none_follows_set_random_seed() -> None:
    np.testing.assert_array_equal(_np(random.normal((5,), seed=3)), _np(random.normal((5,), seed=3)))
    assert not np.array_equal(_np(random.normal((5,), seed=3)), _np(random.normal((5,), seed=4)))
    gn.utils.set_random_seed(7)
    first = [_np(random.uniform((4,))), _np(random.randint((4,), 0, 100))]
    gn.utils.set_random_seed(7)
    second = [_np(random.uniform((4,))), _np(random.randint((4,), 0, 100))]
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(_np(random.uniform((4,))), first[0])


def test_seed_generator_advances_and_is_repeatable() -> None:
    gen = random.SeedGenerator(42)
    a, b = _np(random.normal((3,), seed=gen)), _np(random.normal((3,), seed=gen))
    assert not np.array_equal(a, b)
    again = random.SeedGenerator(42)
    np.testing.assert_array_equal(_np(random.normal((3,), seed=again)), a)
    np.testing.assert_array_equal(_np(random.normal((3,), seed=again)), b)
    assert random.SeedGenerator.from_config(gen.get_config()).state.numpy().tolist() == [42, 0]
    assert gen.state.numpy().tolist() == [42, 2]
    gn.utils.set_random_seed(1)
    s1 = random.SeedGenerator()
    gn.utils.set_random_seed(1)
    assert random.SeedGenerator().get_config() == s1.get_config()


def test_shuffle_permutes_and_gradient_follows() -> None:
    x = gn.Tensor(np.arange(12.0).reshape(4, 3), requires_grad=True)
    with gn.GradientTape() as tape:
        y = random.shuffle(x, axis=0, seed=0)
        loss = (y * gn.Tensor(np.arange(12.0).reshape(4, 3))).sum()
    assert sorted(_np(y)[:, 0].tolist()) == [0.0, 3.0, 6.0, 9.0]
    g = tape.gradient(loss, x)
    np.testing.assert_array_equal(g[_np(y)[:, 0].astype(int) // 3], np.arange(12.0).reshape(4, 3))


def test_dropout_masks_and_scales() -> None:
    x = np.ones((200, 50))
    y = _np(random.dropout(x, 0.25, seed=1))
    assert set(np.unique(y)) <= {0.0, 1 / 0.75}
    assert (y == 0).mean() == pytest.approx(0.25, abs=0.02)
    np.testing.assert_array_equal(y, _np(random.dropout(x, 0.25, seed=1)))
    rows = _np(random.dropout(x, 0.5, noise_shape=(200, 1), seed=2))
    assert (rows == rows[:, :1]).all()


def test_categorical_follows_the_logits() -> None:
    logits = np.log([[0.2, 0.8], [0.9, 0.1]])
    draws = _np(random.categorical(logits, 4000, seed=0))
    assert draws.shape == (2, 4000) and draws.dtype == np.int32
    assert draws[0].mean() == pytest.approx(0.8, abs=0.03)
    assert draws[1].mean() == pytest.approx(0.1, abs=0.03)


@pytest.mark.parametrize(("call", "match"), [
    (lambda: random.normal((2,), seed="abc"), "seed must be None, an int or a SeedGenerator"),
    (lambda: random.normal((2,), dtype="int32"), "normal: dtype must be a float"),
    (lambda: random.normal(("a",)), "normal: shape must be a tuple of ints"),
    (lambda: random.uniform((-1,)), "negative"),
    (lambda: random.randint((2,), 5, 5), "maxval .* must be greater than minval"),
    (lambda: random.randint((2,), 0, 5, dtype="float32"), "randint: dtype must be an integer"),
    (lambda: random.dropout(np.ones(3), 1.0), r"rate must be in \[0, 1\)"),
    (lambda: random.categorical(np.ones(3), 2), r"shape \(batch, classes\)"),
    (lambda: random.gamma((2,), alpha=0.0), "alpha must be positive"),
    (lambda: random.beta((2,), 1.0, -1.0), "alpha and beta must be positive"),
    (lambda: random.binomial((2,), 3, 1.5), r"probabilities must be in \[0, 1\]"),
    (lambda: random.shuffle(np.ones(3), axis=2), "axis 2 is out of range"),
    (lambda: random.SeedGenerator(1.5), "seed must be an int or None"),
])
def test_bad_arguments_are_named(call, match: str) -> None:
    with pytest.raises((TypeError, ValueError), match=match):
        call()


def test_keras_random_is_exported() -> None:
    assert gn.random.normal is random.normal
