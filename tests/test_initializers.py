"""Initializers: limits, standard deviations, truncation, orthogonality, convolution fans; regularizer values."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet import initializers as ini
from glassnet import regularizers as reg

SHAPE = (300, 200)  # fan_in 300, fan_out 200: 60,000 samples make the statistics tight
FAN_IN, FAN_OUT = SHAPE


@pytest.mark.parametrize("cls,limit", [
    (ini.GlorotUniform, math.sqrt(6 / (FAN_IN + FAN_OUT))),
    (ini.HeUniform, math.sqrt(6 / FAN_IN)),
    (ini.LecunUniform, math.sqrt(3 / FAN_IN)),
], ids=["glorot_uniform", "he_uniform", "lecun_uniform"])
def test_uniform_limits(cls: type, limit: float) -> None:
    w = cls(seed=1)(SHAPE)
    assert w.dtype == np.float32 and w.shape == SHAPE
    assert np.abs(w).max() <= limit * (1 + 1e-6)
    assert np.abs(w).max() > 0.99 * limit  # the whole interval is used, not a narrower one
    assert w.std() == pytest.approx(limit / math.sqrt(3), rel=0.02)
    assert abs(w.mean()) < 0.01 * limit


@pytest.mark.parametrize("cls,std", [
    (ini.GlorotNormal, math.sqrt(2 / (FAN_IN + FAN_OUT))),
    (ini.HeNormal, math.sqrt(2 / FAN_IN)),
    (ini.LecunNormal, math.sqrt(1 / FAN_IN)),
], ids=["glorot_normal", "he_normal", "lecun_normal"])
def test_truncated_normal_variance_scaling_has_the_target_std(cls: type, std: float) -> None:
    w = cls(seed=2)(SHAPE)
    # Keras widens the untruncated stddev by 1/0.8796 so the truncated samples have exactly `std`.
    assert w.std() == pytest.approx(std, rel=0.02)
    untruncated = std / 0.87962566103423978
    assert np.abs(w).max() <= 2 * untruncated * (1 + 1e-6)


def test_truncated_normal_stays_within_two_stddev() -> None:
    w = ini.TruncatedNormal(mean=1.0, stddev=0.5, seed=3)((400, 250))
    assert w.min() >= 0.0 and w.max() <= 2.0
    assert w.min() < 0.05 and w.max() > 1.95
    assert w.mean() == pytest.approx(1.0, abs=0.01)
    assert w.std() == pytest.approx(0.5 * 0.87962566103423978, rel=0.02)


def test_random_normal_and_uniform_defaults() -> None:
    n = ini.RandomNormal(seed=4)(SHAPE)
    assert n.std() == pytest.approx(0.05, rel=0.02) and abs(n.mean()) < 1e-3
    u = ini.RandomUniform(seed=4)(SHAPE)
    assert u.min() >= -0.05 and u.max() <= 0.05 and u.max() > 0.0499
    custom = ini.RandomUniform(minval=2.0, maxval=3.0, seed=4)((1000,))
    assert custom.min() >= 2.0 and custom.max() <= 3.0


def test_constant_initializers() -> None:
    assert np.all(ini.Zeros()((2, 3)) == 0) and np.all(ini.Ones()((2, 3)) == 1)
    np.testing.assert_array_equal(ini.Constant(0.25)((2,)), [0.25, 0.25])
    np.testing.assert_array_equal(ini.Identity(gain=2.0)((2, 3)), [[2, 0, 0], [0, 2, 0]])
    with pytest.raises(ValueError, match="2-D"):
        ini.Identity()((2, 2, 2))


@pytest.mark.parametrize("shape", [(6, 4), (4, 6), (5, 5), (3, 3, 4, 8)])
def test_orthogonal_is_orthogonal(shape: tuple[int, ...]) -> None:
    w = ini.Orthogonal(gain=1.5, seed=5)(shape, dtype="float64")
    flat = w.reshape(-1, shape[-1])
    rows, cols = flat.shape
    gram = flat.T @ flat if rows >= cols else flat @ flat.T
    np.testing.assert_allclose(gram, 1.5**2 * np.eye(min(rows, cols)), atol=1e-12)


def test_orthogonal_rejects_vectors() -> None:
    with pytest.raises(ValueError, match="at least 2 axes"):
        ini.Orthogonal()((5,))


def test_convolution_fans_use_the_receptive_field() -> None:
    assert ini.compute_fans((3, 3, 16, 32)) == (144.0, 288.0)
    assert ini.compute_fans((5, 8)) == (5.0, 8.0)
    assert ini.compute_fans((7,)) == (7.0, 7.0)
    w = ini.HeUniform(seed=6)((3, 3, 16, 32))
    limit = math.sqrt(6 / 144)
    assert np.abs(w).max() <= limit * (1 + 1e-6) and np.abs(w).max() > 0.99 * limit
    g = ini.GlorotUniform(seed=6)((3, 3, 16, 32))
    assert np.abs(g).max() <= math.sqrt(6 / (144 + 288)) * (1 + 1e-6)


def test_variance_scaling_modes_and_errors() -> None:
    w = ini.VarianceScaling(scale=2.0, mode="fan_out", distribution="uniform", seed=7)(SHAPE)
    assert np.abs(w).max() <= math.sqrt(3 * 2.0 / FAN_OUT) * (1 + 1e-6)
    u = ini.VarianceScaling(scale=1.0, mode="fan_in", distribution="untruncated_normal", seed=7)(SHAPE)
    assert u.std() == pytest.approx(math.sqrt(1 / FAN_IN), rel=0.02)
    assert np.abs(u).max() > 2.5 * math.sqrt(1 / FAN_IN)  # not truncated
    with pytest.raises(ValueError, match="mode"):
        ini.VarianceScaling(mode="fan_sideways")
    with pytest.raises(ValueError, match="distribution"):
        ini.VarianceScaling(distribution="cauchy")


def test_seeds_repeat_and_differ_and_dtype_is_respected() -> None:
    a, b, c = ini.GlorotUniform(seed=8)((4, 5)), ini.GlorotUniform(seed=8)((4, 5)), ini.GlorotUniform(seed=9)((4, 5))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    assert ini.HeNormal(seed=1)((3, 3), dtype="float64").dtype == np.float64
    gn.set_floatx("float64")
    assert ini.GlorotUniform()((3, 3)).dtype == np.float64


@pytest.mark.parametrize("name,cls", [("glorot_uniform", ini.GlorotUniform), ("he_normal", ini.HeNormal),
                                      ("Orthogonal", ini.Orthogonal), ("zeros", ini.Zeros),
                                      ("truncated_normal", ini.TruncatedNormal)])
def test_lookup_and_config_round_trip(name: str, cls: type) -> None:
    obj = ini.get(name)
    assert type(obj) is cls
    again = ini.get(ini.serialize(obj))
    assert type(again) is cls and again.get_config() == obj.get_config()


# --- regularizers --------------------------------------------------------------------------------------------
W = np.array([[1.0, -2.0], [0.5, -0.25]])


def _value(r: Any) -> float:
    return float(r(gn.Tensor(W)).numpy())


def test_l1_l2_values_without_a_half() -> None:
    assert _value(reg.l1(0.1)) == pytest.approx(0.1 * 3.75)
    assert _value(reg.l2(0.1)) == pytest.approx(0.1 * (1 + 4 + 0.25 + 0.0625))  # no 1/2 factor, as Keras
    assert _value(reg.L1L2(l1=0.1, l2=0.2)) == pytest.approx(0.1 * 3.75 + 0.2 * 5.3125)
    assert _value(reg.l1_l2(l1=0.1, l2=0.2)) == pytest.approx(0.1 * 3.75 + 0.2 * 5.3125)


def test_regularizer_keras_defaults() -> None:
    assert reg.L1().l1 == 0.01 and reg.L2().l2 == 0.01
    assert _value(reg.get("l2")) == pytest.approx(0.01 * 5.3125)
    # Keras 3: l1_l2 is an alias of L1L2, whose defaults are 0.0.
    assert (reg.l1_l2().l1, reg.l1_l2().l2) == (0.0, 0.0)
    assert _value(reg.L1L2()) == 0.0


def test_regularizer_gradient_and_round_trip() -> None:
    w = gn.Variable(W, dtype="float64")
    with gn.GradientTape() as tape:
        penalty = reg.L1L2(l1=0.1, l2=0.2)(w)
    np.testing.assert_allclose(tape.gradient(penalty, w), 0.1 * np.sign(W) + 0.4 * W)
    again = reg.get(reg.serialize(reg.L1L2(l1=0.1, l2=0.2)))
    assert again.get_config() == {"l1": 0.1, "l2": 0.2}
    assert reg.get(None) is None
    with pytest.raises(ValueError, match="l2"):
        reg.get("l3")
