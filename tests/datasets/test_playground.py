"""playground: the TensorFlow Playground's generators, noise semantics, split and feature crosses."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.checks import ArgumentTypeError
from glassnet.datasets import playground


def _radius(x: np.ndarray) -> np.ndarray:
    return np.hypot(x[:, 0], x[:, 1])


# -- sizes, split, labels, seeds ----------------------------------------------------------------
@pytest.mark.parametrize("name, n", [("circle", 500), ("xor", 500), ("gauss", 500), ("spiral", 500),
                                     ("plane", 1200), ("multi_gauss", 1200)])
def test_default_counts_are_the_playgrounds_and_split_half_half(name: str, n: int) -> None:
    (x, y), (xt, yt) = playground.load_data(name, seed=3)
    assert x.shape == (n // 2, 2) and y.shape == (n // 2,) and xt.shape == (n // 2, 2) and yt.shape == (n // 2,)
    assert x.dtype == np.float32 and y.dtype == np.float32


def test_the_training_set_is_the_first_floor_n_ratio_percent_points() -> None:
    (x, _), (xt, _) = playground.load_data("circle", n_samples=7, train_ratio=50, seed=0)
    assert len(x) == 3 and len(xt) == 4  # floor(7 * 50 / 100) = 3
    (x, _), (xt, _) = playground.load_data("circle", n_samples=500, train_ratio=30, seed=0)
    assert len(x) == 150 and len(xt) == 350


def test_load_data_is_a_shuffle_of_generate_with_binary_or_signed_labels() -> None:
    x_all, y_all = playground.generate("xor", n_samples=60, noise=20, seed=5)
    (x, y), (xt, yt) = playground.load_data("xor", n_samples=60, noise=20, seed=5, labels="signed", dtype="float64")
    joined = np.concatenate([x, xt])
    order = np.lexsort(joined.T)
    assert np.array_equal(joined[order], x_all[np.lexsort(x_all.T)])  # the same points, reordered
    assert not np.array_equal(joined, x_all)
    assert np.array_equal(np.concatenate([y, yt])[order], y_all[np.lexsort(x_all.T)])
    (xb, yb), _ = playground.load_data("xor", n_samples=60, noise=20, seed=5)
    assert set(np.unique(y).tolist()) == {-1.0, 1.0}
    assert np.array_equal(yb, (y > 0).astype("float32")) and np.allclose(xb, x)


def test_same_seed_same_data_other_seed_other_data_and_none_follows_set_random_seed() -> None:
    a = playground.load_data("spiral", noise=25, seed=11)
    b = playground.load_data("spiral", noise=25, seed=11)
    c = playground.load_data("spiral", noise=25, seed=12)
    assert all(np.array_equal(p, q) for p, q in zip(a[0] + a[1], b[0] + b[1]))
    assert not np.array_equal(a[0][0], c[0][0])
    gn.utils.set_random_seed(7)
    d = playground.load_data("gauss")
    gn.utils.set_random_seed(7)
    e = playground.load_data("gauss")
    assert np.array_equal(d[0][0], e[0][0])


def test_a_seeded_call_leaves_glassnets_generator_alone() -> None:
    before = gn.backend.rng().bit_generator.state
    playground.load_data("circle", seed=1)
    assert gn.backend.rng().bit_generator.state == before


# -- the formulas -------------------------------------------------------------------------------
def test_circle_without_noise_inner_disc_positive_outer_ring_negative() -> None:
    x, y = playground.generate("circle", n_samples=400, noise=0, seed=0)
    r = _radius(x)
    assert np.array_equal(y, np.repeat([1.0, -1.0], 200))
    assert r[:200].max() < 2.5 and r[200:].min() >= 3.5 and r[200:].max() <= 5.0


def test_circle_noise_flips_labels_but_never_moves_points() -> None:
    x0, y0 = playground.generate("circle", n_samples=2000, noise=0, seed=4)
    x1, y1 = playground.generate("circle", n_samples=2000, noise=10, seed=4)
    assert np.array_equal(x0, x1)
    r = _radius(x1)
    # Noise 10% shifts the copy by at most 0.1 * 5 * sqrt(2) = 0.707 before "r < 2.5" is asked.
    assert np.all(y1[r < 2.5 - 0.708] == 1) and np.all(y1[r > 2.5 + 0.708] == -1)
    assert 0 < np.sum(y1 != y0) < 200  # some points near the edge flipped


def test_xor_is_padded_away_from_the_axes_and_labelled_by_the_quadrant() -> None:
    x, y = playground.generate("xor", n_samples=1000, noise=0, seed=2)
    assert np.abs(x).min() >= 0.3 and np.abs(x).max() <= 5.3
    assert np.array_equal(y, np.where(x[:, 0] * x[:, 1] >= 0, 1.0, -1.0))
    xn, yn = playground.generate("xor", n_samples=1000, noise=50, seed=2)
    assert np.array_equal(x, xn) and np.any(y != yn)


def test_gauss_variance_goes_linearly_from_half_to_four_with_the_noise() -> None:
    x0, y0 = playground.generate("gauss", n_samples=4000, noise=0, seed=9)
    x50, _ = playground.generate("gauss", n_samples=4000, noise=50, seed=9)
    x25, _ = playground.generate("gauss", n_samples=4000, noise=25, seed=9)
    assert np.array_equal(y0, np.repeat([1.0, -1.0], 2000))
    centres = np.repeat([[2.0, 2.0], [-2.0, -2.0]], 2000, axis=0)
    assert np.allclose((x0 - centres).mean(axis=0), 0, atol=0.05)
    assert abs((x0 - centres).var() - 0.5) < 0.05
    # The same normal draws, scaled by sqrt(variance): variance 4 at 50, 0.5 + 3.5 / 2 = 2.25 at 25.
    assert np.allclose(x50 - centres, (x0 - centres) * np.sqrt(4 / 0.5))
    assert np.allclose(x25 - centres, (x0 - centres) * np.sqrt(2.25 / 0.5))


def test_spiral_points_by_hand() -> None:
    # n = 4: two points per arm, i = 0, 1: r = 5 i / 2, t = 1.75 (i / 2) 2 pi (+ pi for the second arm).
    x, y = playground.generate("spiral", n_samples=4, noise=0, seed=0)
    s = 2.5 * np.sqrt(0.5)  # 2.5 sin(1.75 pi) = -s, 2.5 cos(1.75 pi) = s
    assert np.allclose(x, [[0, 0], [-s, s], [0, 0], [s, -s]], atol=1e-12)
    assert y.tolist() == [1, 1, -1, -1]
    xn, _ = playground.generate("spiral", n_samples=4, noise=50, seed=0)
    assert 0 < np.abs(xn - x).max() <= 0.5  # jitter U(-1, 1) * 0.5


def test_plane_target_is_the_sum_scaled_by_a_tenth() -> None:
    x, y = playground.generate("plane", n_samples=300, noise=0, seed=1)
    assert np.abs(x).max() <= 6
    assert np.allclose(y, (x[:, 0] + x[:, 1]) / 10)
    xn, yn = playground.generate("reg-plane", n_samples=300, noise=30, seed=1)
    assert np.array_equal(x, xn) and np.abs(yn - y).max() > 0.1


def test_multi_gauss_is_one_cone_per_centre() -> None:
    x, y = playground.generate("multi_gauss", n_samples=3000, noise=0, seed=6)
    centres = np.array([[-4, 2.5], [0, 2.5], [4, 2.5], [-4, -2.5], [0, -2.5], [4, -2.5]])
    signs = np.array([1, -1, 1, -1, 1, -1])
    d = np.linalg.norm(x[:, None, :] - centres[None], axis=2)
    nearest = d.argmin(axis=1)
    d_min = d.min(axis=1)
    alone = np.sort(d, axis=1)[:, 1] >= 2  # only the nearest cone reaches the point
    expected = signs[nearest] * np.maximum(0, 1 - d_min / 2)
    assert alone.sum() > 1000
    assert np.allclose(y[alone], expected[alone])
    assert np.all(y[d_min >= 2] == 0)


# -- features -------------------------------------------------------------------------------------
def test_features_by_hand_with_playground_names_and_aliases() -> None:
    x = np.array([[1.0, 2.0], [0.5, -1.0]])
    out = playground.features(x, ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"])
    expected = [[1, 2, 1, 4, 2, np.sin(1), np.sin(2)], [0.5, -1, 0.25, 1, -0.5, np.sin(0.5), np.sin(-1)]]
    assert np.allclose(out, expected)
    same = playground.features(x, ["x", "y", "xSquared", "ySquared", "xTimesY", "sinX", "sinY"])
    assert np.array_equal(out, same)
    assert np.allclose(playground.features(x, ["x1**2", "x1 x2", "sin x2", "cosX"]),
                       [[1, 2, np.sin(2), np.cos(1)], [0.25, -0.5, np.sin(-1), np.cos(0.5)]])
    assert playground.features([[1, 2]], ["x1"]).dtype == np.float64  # integers are promoted


def test_features_refuse_unknown_names_and_bad_points() -> None:
    with pytest.raises(ValueError, match=r"unknown feature 'x3'; known features: x1, x2, x1\^2"):
        playground.features(np.zeros((3, 2)), ["x1", "x3"])
    with pytest.raises(ValueError, match=r"x must be points of shape \(n, 2\), got shape \(3, 3\)"):
        playground.features(np.zeros((3, 3)), ["x1"])
    with pytest.raises(ArgumentTypeError, match="features must be a list"):
        playground.features(np.zeros((3, 2)), "x1")


# -- bad arguments --------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, message", [
    ({"name": "moons"}, r"unknown dataset 'moons'; known datasets: circle, xor, gauss, spiral, plane, multi_gauss"),
    ({"noise": 60}, r"noise must be a percentage in \[0, 50\].*got 60"),
    ({"noise": -1}, r"noise must be"),
    ({"train_ratio": 5}, r"train_ratio must be a percentage in \[10, 90\].*got 5"),
    ({"train_ratio": 0.5}, r"train_ratio must be"),
    ({"n_samples": 1}, r"n_samples must be an integer >= 2, got 1"),
    ({"n_samples": 10.0}, r"n_samples must be"),
    ({"seed": -1}, r"seed must be a non-negative integer or None"),
    ({"seed": "a"}, r"seed must be"),
    ({"labels": "pm1"}, r"labels must be 'binary' \(0/1\) or 'signed' \(-1/\+1\), got 'pm1'"),
])
def test_bad_arguments_are_refused_by_name(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        playground.load_data(**{"name": "circle", **kwargs})
