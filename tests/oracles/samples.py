"""ONE table of op samples (OpInfo style) that drives the generic gradient, parity and dtype tests.

Each :class:`OpSample` names what it covers (``"math.add"``, ``"activation.relu"``, ``"loss.Huber"``,
``"layer.Dense"``) and a ``build(rng)`` that returns a :class:`Case`: the glassnet function, its inputs
(float64 arrays, or a layer's Variables perturbed in place) and, when PyTorch has a twin, the same
computation in torch.  Builders read ``glassnet.floatx()``, so the same table runs in float64 for finite
differences and in float32 for the dtype checks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

import glassnet as gn
from glassnet import activations, layers, losses, regularizers
from glassnet.engine.ops import math as m
from glassnet.engine.ops import nn

from .torch_ref import F, keras_clip, keras_reduce, keras_relu, torch


@dataclass
class Case:
    """One concrete call: ``fn(*inputs)`` in glassnet, ``torch_fn(*torch_inputs)`` in PyTorch."""

    fn: Callable[..., Any]
    inputs: list[Any]
    torch_fn: Callable[..., Any] | None = None
    wrt: tuple[int, ...] | None = None  # the differentiable inputs (all by default)


@dataclass(frozen=True)
class OpSample:
    """A named way to build a :class:`Case`; ``covers`` is the primitive/activation/loss/layer exercised."""

    name: str
    covers: str
    build: Callable[[np.random.Generator], Case]
    rtol: float = 1e-5

    def __repr__(self) -> str:
        return self.name


# --- input generators (values kept away from kinks: 0 for relu/abs, +-3 for hard_sigmoid) -------------
def away(rng: np.random.Generator, *shape: int, low: float = 0.2, high: float = 2.0) -> np.ndarray:
    """Random values with |x| in [low, high] and random signs."""
    return rng.uniform(low, high, shape) * rng.choice([-1.0, 1.0], shape)


def pos(rng: np.random.Generator, *shape: int, low: float = 0.5, high: float = 2.0) -> np.ndarray:
    """Positive random values."""
    return rng.uniform(low, high, shape)


def probs(rng: np.random.Generator, *shape: int) -> np.ndarray:
    """Rows of probabilities (a softmax of random logits)."""
    z = rng.normal(size=shape)
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def onehot(rng: np.random.Generator, n: int, classes: int) -> tuple[np.ndarray, np.ndarray]:
    labels = rng.integers(0, classes, n)
    return labels, np.eye(classes)[labels]


def _fx() -> Any:
    return np.dtype(gn.floatx())


SAMPLES: list[OpSample] = []


def _add(name: str, covers: str, rtol: float = 1e-5) -> Callable[[Callable[[np.random.Generator], Case]], Any]:
    def register(build: Callable[[np.random.Generator], Case]) -> Callable[[np.random.Generator], Case]:
        SAMPLES.append(OpSample(name, covers, build, rtol))
        return build

    return register


def simple(name: str, covers: str, fn: Callable[..., Any], torch_fn: Callable[..., Any] | None,
           *gens: Callable[[np.random.Generator], np.ndarray], wrt: tuple[int, ...] | None = None,
           rtol: float = 1e-5) -> None:
    """Register a sample whose inputs are drawn by ``gens`` (one generator per input)."""
    SAMPLES.append(OpSample(name, covers, lambda rng: Case(fn, [g(rng) for g in gens], torch_fn, wrt), rtol))


def A(*shape: int) -> Callable[[np.random.Generator], np.ndarray]:  # noqa: N802 - reads like a shape literal
    return lambda rng: away(rng, *shape)


def P(*shape: int) -> Callable[[np.random.Generator], np.ndarray]:  # noqa: N802
    return lambda rng: pos(rng, *shape)


def fixed(values: Any) -> Callable[[np.random.Generator], np.ndarray]:
    return lambda rng: np.array(values, dtype=np.float64)


# --- engine/ops/math.py ------------------------------------------------------------------------------------
simple("add", "math.add", m.add, torch.add, A(3, 4), A(3, 4))
simple("add_broadcast_rank", "math.add", m.add, torch.add, A(2, 3, 4), A(4))
simple("add_broadcast_both", "math.add", m.add, torch.add, A(3, 1), A(1, 4))
simple("add_python_scalar", "math.add", lambda a: a + 2.0, lambda a: a + 2.0, A(3, 4))
simple("subtract_broadcast", "math.subtract", m.subtract, torch.sub, A(2, 3, 4), A(3, 1))
simple("rsub_scalar", "math.subtract", lambda a: 1.5 - a, lambda a: 1.5 - a, A(3, 4))
simple("multiply_broadcast", "math.multiply", m.multiply, torch.mul, A(2, 3, 4), A(3, 1))
simple("multiply_same_tensor_twice", "math.multiply", lambda a: a * a, lambda a: a * a, A(5))
simple("divide_broadcast", "math.divide", m.divide, torch.div, A(3, 4), P(3, 1))
simple("rtruediv_scalar", "math.divide", lambda a: 2.0 / a, lambda a: 2.0 / a, P(3, 4))
simple("power_both", "math.power", m.power, torch.pow, P(3, 4), A(4))
simple("power_scalar_exponent", "math.power", lambda a: a**3.0, lambda a: a**3.0, A(3, 4))
simple("rpow_scalar_base", "math.power", lambda a: 2.0**a, lambda a: 2.0**a, A(3, 4))
simple("maximum_broadcast", "math.maximum", m.maximum, torch.maximum, A(3, 4), A(4))
simple("minimum_broadcast", "math.minimum", m.minimum, torch.minimum, A(3, 4), A(3, 1))
simple("matmul_2d", "math.matmul", m.matmul, torch.matmul, A(3, 4), A(4, 2))
simple("matmul_batched_by_2d", "math.matmul", m.matmul, torch.matmul, A(2, 3, 4), A(4, 5))
simple("matmul_batched", "math.matmul", m.matmul, torch.matmul, A(2, 3, 4), A(2, 4, 5))
simple("matmul_broadcast_batch", "math.matmul", m.matmul, torch.matmul, A(2, 1, 3, 4), A(3, 4, 2))
simple("matmul_vec_mat", "math.matmul", m.matmul, torch.matmul, A(4), A(4, 3))
simple("matmul_mat_vec", "math.matmul", m.matmul, torch.matmul, A(3, 4), A(4))
simple("matmul_vec_vec", "math.matmul", m.matmul, torch.matmul, A(4), A(4))
simple("matmul_operator", "math.matmul", lambda a, b: a @ b, lambda a, b: a @ b, A(3, 4), A(4, 2))
simple("negative", "math.negative", m.negative, torch.neg, A(3, 4))
simple("abs", "math.abs", m.abs, torch.abs, A(3, 4))
simple("sign", "math.sign", lambda a: m.sign(a) * a, lambda a: torch.sign(a) * a, A(3, 4))
simple("square", "math.square", m.square, torch.square, A(3, 4))
simple("sqrt", "math.sqrt", m.sqrt, torch.sqrt, P(3, 4))
simple("exp", "math.exp", m.exp, torch.exp, A(3, 4))
simple("sin", "math.sin", m.sin, torch.sin, A(3, 4))
simple("cos", "math.cos", m.cos, torch.cos, A(3, 4))
simple("log", "math.log", m.log, torch.log, P(3, 4))
simple("log1p", "math.log1p", m.log1p, torch.log1p, lambda rng: pos(rng, 3, 4, low=-0.5, high=2.0))
simple("clip", "math.clip", lambda a: m.clip(a, -0.7, 0.9), lambda a: torch.clamp(a, -0.7, 0.9),
       fixed([[-1.5, -0.6, 0.1, 0.85], [0.95, 2.0, -0.75, 0.3]]))
simple("cast", "math.cast", lambda a: m.cast(a, a.dtype) * a, lambda a: a.to(a.dtype) * a, A(3, 4))
# Finite differences see through stop_gradient, so the stopped value is a separate, unchecked input.
simple("stop_gradient", "math.stop_gradient", lambda a, b: a * m.stop_gradient(b), lambda a, b: a * b.detach(),
       A(3, 4), A(3, 4), wrt=(0,))
simple("sum_all", "math.sum", m.sum, torch.sum, A(3, 4))
simple("sum_axis", "math.sum", lambda a: m.sum(a, axis=1), lambda a: a.sum(1), A(2, 3, 4))
simple("sum_axes_keepdims", "math.sum", lambda a: m.sum(a, axis=(0, 2), keepdims=True),
       lambda a: a.sum((0, 2), keepdim=True), A(2, 3, 4))
simple("sum_method_negative_axis", "math.sum", lambda a: a.sum(axis=-1), lambda a: a.sum(-1), A(2, 3, 4))
simple("mean_all", "math.mean", m.mean, torch.mean, A(3, 4))
simple("mean_axis_keepdims", "math.mean", lambda a: m.mean(a, axis=0, keepdims=True),
       lambda a: a.mean(0, keepdim=True), A(3, 4))
simple("mean_axes", "math.mean", lambda a: a.mean(axis=(1, 2)), lambda a: a.mean((1, 2)), A(2, 3, 4))
simple("max_axis", "math.max", lambda a: m.max(a, axis=-1), lambda a: torch.amax(a, -1), A(3, 4))
simple("max_all", "math.max", lambda a: a.max(), lambda a: torch.amax(a, (0, 1)), A(3, 4))
simple("max_keepdims", "math.max", lambda a: m.max(a, axis=0, keepdims=True), lambda a: torch.amax(a, 0, True),
       A(3, 4))
# Two-way ties: the central difference also splits the gradient 1/2, 1/2.
simple("max_two_way_ties", "math.max", lambda a: m.max(a, axis=1), lambda a: torch.amax(a, 1),
       fixed([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]]))
simple("min_axis", "math.min", lambda a: m.min(a, axis=0), lambda a: torch.amin(a, 0), A(3, 4))
simple("reshape", "math.reshape", lambda a: m.reshape(a, (4, 3)), lambda a: a.reshape(4, 3), A(3, 4))
simple("reshape_method_minus_one", "math.reshape", lambda a: a.reshape(2, -1), lambda a: a.reshape(2, -1),
       A(2, 3, 2))
simple("transpose_default", "math.transpose", m.transpose, lambda a: a.permute(2, 1, 0), A(2, 3, 4))
simple("transpose_axes", "math.transpose", lambda a: m.transpose(a, (1, 2, 0)), lambda a: a.permute(1, 2, 0),
       A(2, 3, 4))
simple("transpose_negative_axes", "math.transpose", lambda a: m.transpose(a, (-1, 0, 1)),
       lambda a: a.permute(2, 0, 1), A(2, 3, 4))
simple("transpose_T", "math.transpose", lambda a: a.T, lambda a: a.T, A(3, 4))
simple("expand_dims", "math.expand_dims", lambda a: m.expand_dims(a, 1), lambda a: a.unsqueeze(1), A(3, 4))
simple("squeeze", "math.squeeze", lambda a: m.squeeze(a, 1), lambda a: a.squeeze(1), A(3, 1, 4))
simple("getitem_slices", "math.getitem", lambda a: a[1:, ::2], lambda a: a[1:, ::2], A(3, 4))
simple("getitem_int_and_newaxis", "math.getitem", lambda a: a[..., None, 1], lambda a: a[..., None, 1], A(3, 4))
simple("getitem_repeated_indices", "math.getitem", lambda a: a[np.array([0, 2, 0, 0])],
       lambda a: a[torch.tensor([0, 2, 0, 0])], A(3, 4))
_MASK = np.array([[True, False, True, True], [False, False, True, False], [True, True, False, True]])
simple("getitem_boolean_mask", "math.getitem", lambda a: a[_MASK], lambda a: a[torch.tensor(_MASK)], A(3, 4))
simple("concatenate_last", "math.concatenate", lambda a, b, c: m.concatenate([a, b, c], axis=-1),
       lambda a, b, c: torch.cat([a, b, c], -1), A(2, 3), A(2, 1), A(2, 4))
simple("concatenate_first", "math.concatenate", lambda a, b: m.concatenate([a, b], axis=0),
       lambda a, b: torch.cat([a, b], 0), A(2, 3), A(4, 3))
simple("stack", "math.stack", lambda a, b, c: m.stack([a, b, c], axis=1), lambda a, b, c: torch.stack([a, b, c], 1),
       A(2, 3), A(2, 3), A(2, 3))
_COND = np.array([[True, False, True, False], [False, False, True, True], [True, True, False, False]])
simple("where_broadcast", "math.where", lambda a, b: m.where(_COND, a, b),
       lambda a, b: torch.where(torch.tensor(_COND), a, b), A(3, 4), A(4))
simple("zeros_ones_like", "math.zeros_like", lambda a: a * m.ones_like(a) + m.zeros_like(a),
       lambda a: a * torch.ones_like(a) + torch.zeros_like(a), A(3, 4))
simple("ones_like", "math.ones_like", lambda a: m.ones_like(a) * a, lambda a: torch.ones_like(a) * a, A(3, 4))
simple("constant", "math.constant", lambda a: a * m.constant([1.0, 2.0, 3.0, 4.0], dtype=a.dtype),
       lambda a: a * torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=a.dtype), A(3, 4))


# --- engine/ops/nn.py ----------------------------------------------------------------------------------------
simple("dense_2d", "nn.dense", nn.dense, lambda x, k, b: F.linear(x, k.T, b), A(5, 4), A(4, 3), A(3))
simple("dense_3d", "nn.dense", nn.dense, lambda x, k, b: F.linear(x, k.T, b), A(2, 3, 4), A(4, 3), A(3))
simple("dense_no_bias", "nn.dense", lambda x, k: nn.dense(x, k), lambda x, k: x @ k, A(5, 4), A(4, 3))
simple("linear", "nn.linear", nn.linear, lambda x: x, A(3, 4))
simple("step", "nn.step", lambda x: nn.step(x) * x, lambda x: (x >= 0).to(x.dtype) * x, A(3, 4))
simple("relu", "nn.relu", nn.relu, torch.relu, A(3, 4))
simple("leaky_relu", "nn.leaky_relu", nn.leaky_relu, lambda x: F.leaky_relu(x, 0.2), A(3, 4))
simple("leaky_relu_slope", "nn.leaky_relu", lambda x: nn.leaky_relu(x, 0.05), lambda x: F.leaky_relu(x, 0.05),
       A(3, 4))
simple("elu", "nn.elu", nn.elu, F.elu, A(3, 4))
simple("elu_alpha", "nn.elu", lambda x: nn.elu(x, 0.5), lambda x: F.elu(x, 0.5), A(3, 4))
simple("selu", "nn.selu", nn.selu, F.selu, A(3, 4))
simple("sigmoid", "nn.sigmoid", nn.sigmoid, torch.sigmoid, A(3, 4))
simple("sigmoid_large", "nn.sigmoid", nn.sigmoid, torch.sigmoid, fixed([-40.0, -8.0, 0.5, 9.0, 35.0]))
# relu6(x + 3) / 6 in torch: F.hardsigmoid's backward multiplies by a float32 1/6.
simple("hard_sigmoid", "nn.hard_sigmoid", nn.hard_sigmoid, lambda x: F.relu6(x + 3) / 6,
       fixed([[-4.5, -2.0, -0.3, 0.4], [1.7, 2.6, 3.4, 5.0]]))
simple("tanh", "nn.tanh", nn.tanh, torch.tanh, A(3, 4))
simple("softplus", "nn.softplus", nn.softplus, F.softplus, A(3, 4))
simple("softplus_extremes", "nn.softplus", nn.softplus, F.softplus,
       fixed([-800.0, -40.0, -5.0, 0.3, 5.0, 40.0, 800.0]))
simple("softsign", "nn.softsign", nn.softsign, F.softsign, A(3, 4))
simple("silu", "nn.silu", nn.silu, F.silu, A(3, 4))
simple("gelu", "nn.gelu", nn.gelu, F.gelu, A(3, 4))
simple("gelu_tanh", "nn.gelu", lambda x: nn.gelu(x, approximate=True), lambda x: F.gelu(x, approximate="tanh"),
       A(3, 4))
simple("mish", "nn.mish", nn.mish, F.mish, A(3, 4))
simple("exponential", "nn.exponential", nn.exponential, torch.exp, A(3, 4))
simple("softmax", "nn.softmax", nn.softmax, lambda x: torch.softmax(x, -1), A(3, 4))
simple("softmax_axis0", "nn.softmax", lambda x: nn.softmax(x, axis=0), lambda x: torch.softmax(x, 0), A(3, 4))
simple("softmax_3d", "nn.softmax", nn.softmax, lambda x: torch.softmax(x, -1), A(2, 3, 4))
simple("softmax_huge_logits", "nn.softmax", nn.softmax, lambda x: torch.softmax(x, -1),
       fixed([[1000.0, 999.0, -1000.0], [-1000.0, -999.5, -1001.0]]))
simple("log_softmax", "nn.log_softmax", nn.log_softmax, lambda x: torch.log_softmax(x, -1), A(3, 4))
simple("log_softmax_axis0", "nn.log_softmax", lambda x: nn.log_softmax(x, axis=0),
       lambda x: torch.log_softmax(x, 0), A(3, 4))
# The link the cross-entropies follow: a softmax/sigmoid output hands back its input z, gradients included.
simple("logits_of_softmax", "nn.logits_of", lambda x: nn.logits_of(nn.softmax(x), "softmax"), lambda x: x, A(3, 4))
simple("logits_of_sigmoid", "nn.logits_of", lambda x: nn.logits_of(nn.sigmoid(x), "sigmoid"), lambda x: x, A(3, 4))


def _dropout_case(shape: tuple[int, ...], noise_shape: tuple[int, ...] | None, rate: float) -> Callable:
    def build(rng: np.random.Generator) -> Case:
        # A fresh generator with the same seed each call: the same mask for every finite difference.
        def fn(x: Any) -> Any:
            return nn.dropout(x, rate, noise_shape, np.random.default_rng(11))

        def torch_fn(x: Any) -> Any:
            dt = np.float64 if x.dtype == torch.float64 else np.float32
            keep = np.random.default_rng(11).random(noise_shape or shape, dtype=dt) >= rate
            return x * torch.tensor(keep / (1 - rate), dtype=x.dtype)

        return Case(fn, [away(rng, *shape)], torch_fn)

    return build


_add("dropout", "nn.dropout")(_dropout_case((4, 5), None, 0.4))
_add("dropout_noise_shape", "nn.dropout")(_dropout_case((4, 5), (4, 1), 0.5))


@_add("softmax_cross_entropy", "nn.softmax_cross_entropy")
def _sce(rng: np.random.Generator) -> Case:
    return Case(nn.softmax_cross_entropy, [away(rng, 4, 3), probs(rng, 4, 3)],
                lambda z, y: -(y * torch.log_softmax(z, -1)).sum(-1))


@_add("sparse_softmax_cross_entropy", "nn.sparse_softmax_cross_entropy")
def _ssce(rng: np.random.Generator) -> Case:
    labels = rng.integers(0, 4, 5)
    return Case(lambda z: nn.sparse_softmax_cross_entropy(z, labels), [away(rng, 5, 4)],
                lambda z: F.cross_entropy(z, torch.tensor(labels), reduction="none"))


@_add("sparse_softmax_cross_entropy_3d", "nn.sparse_softmax_cross_entropy")
def _ssce3(rng: np.random.Generator) -> Case:
    labels = rng.integers(0, 3, (2, 4))
    return Case(lambda z: nn.sparse_softmax_cross_entropy(z, labels), [away(rng, 2, 4, 3)],
                lambda z: F.cross_entropy(z.permute(0, 2, 1), torch.tensor(labels), reduction="none"))


@_add("sigmoid_cross_entropy", "nn.sigmoid_cross_entropy")
def _bce_logits(rng: np.random.Generator) -> Case:
    return Case(nn.sigmoid_cross_entropy, [away(rng, 4, 3, high=6.0), pos(rng, 4, 3, low=0.05, high=0.95)],
                lambda z, y: F.binary_cross_entropy_with_logits(z, y, reduction="none"))


# --- glassnet.activations (every registered name, plus relu's Keras options) ---------------------------------
TORCH_ACTIVATIONS: dict[str, Callable[..., Any]] = {
    "elu": F.elu, "exponential": torch.exp, "gelu": F.gelu, "hard_sigmoid": lambda x: F.relu6(x + 3) / 6,
    "heaviside": lambda x: (x >= 0).to(x.dtype) + 0 * x, "step": lambda x: (x >= 0).to(x.dtype) + 0 * x,
    "leaky_relu": lambda x: F.leaky_relu(x, 0.2), "linear": lambda x: x,
    "log_softmax": lambda x: torch.log_softmax(x, -1),
    "mish": F.mish, "relu": torch.relu, "selu": F.selu, "sigmoid": torch.sigmoid, "silu": F.silu, "swish": F.silu,
    "softmax": lambda x: torch.softmax(x, -1), "softplus": F.softplus, "softsign": F.softsign, "tanh": torch.tanh,
}
for _name in activations.names():
    simple(f"activation_{_name}", f"activation.{_name}", activations.get(_name), TORCH_ACTIVATIONS.get(_name), A(3, 4))

for _kw in ({"negative_slope": 0.1}, {"max_value": 1.0}, {"threshold": 0.5}, {"max_value": 6.0},
            {"negative_slope": 0.1, "max_value": 1.2, "threshold": 0.5},
            {"negative_slope": 0.2, "max_value": 1.0, "threshold": -0.5}):
    _label = "_".join(f"{k}{v}" for k, v in _kw.items())
    simple(f"activation_relu_{_label}", "activation.relu", lambda x, kw=_kw: activations.relu(x, **kw),
           lambda x, kw=_kw: keras_relu(x, **kw), lambda rng: away(rng, 3, 4, high=3.0) + 0.05)


# --- glassnet.losses (each loss; from_logits, smoothing, sample weights, reductions, the fused path) -------
def _loss_sample(name: str, make_loss: Callable[[], Any], y_true: Callable[[np.random.Generator], Any],
                 y_pred: Callable[[np.random.Generator], np.ndarray], torch_values: Callable[..., Any] | None,
                 sample_weight: np.ndarray | None = None, reduction: str | None = "sum_over_batch_size",
                 through: str | None = None) -> None:
    """Register a loss sample; ``through`` = "softmax"/"sigmoid" feeds logits through that op first."""
    cls_name = type(make_loss()).__name__

    def build(rng: np.random.Generator) -> Case:
        y = y_true(rng)
        loss = make_loss()
        head = {"softmax": nn.softmax, "sigmoid": nn.sigmoid, None: lambda p: p}[through]

        def fn(p: Any) -> Any:
            return loss(y, head(p), sample_weight=sample_weight)

        torch_fn = None
        if torch_values is not None:
            def torch_fn(p: Any) -> Any:
                yt = torch.tensor(np.asarray(y)) if np.asarray(y).dtype.kind in "iu" else torch.tensor(
                    np.asarray(y, dtype=np.float64), dtype=p.dtype)
                sw = None if sample_weight is None else torch.tensor(sample_weight, dtype=p.dtype)
                return keras_reduce(torch_values(yt, p), sw, reduction)

        return Case(fn, [y_pred(rng)], torch_fn)

    SAMPLES.append(OpSample(f"loss_{name}", f"loss.{cls_name}", build))


def _soft_xent(y: Any, p: Any) -> Any:
    return -(y * torch.log(keras_clip(p / p.sum(-1, keepdim=True)))).sum(-1)


def _bce_probs(y: Any, p: Any) -> Any:
    return F.binary_cross_entropy(keras_clip(p), y, reduction="none").mean(-1)


def _smooth_bin(y: Any, ls: float) -> Any:
    return y * (1 - ls) + 0.5 * ls


_REG_T = lambda rng: away(rng, 4, 3)  # noqa: E731
_REG_P = lambda rng: away(rng, 4, 3)  # noqa: E731
_BIN_T = lambda rng: rng.integers(0, 2, (4, 3)).astype(np.float64)  # noqa: E731
_PROB_P = lambda rng: pos(rng, 4, 3, low=0.05, high=0.95)  # noqa: E731
_ONEHOT_T = lambda rng: onehot(rng, 4, 3)[1]  # noqa: E731
_SOFT_T = lambda rng: probs(rng, 4, 3)  # noqa: E731
_LABELS = lambda rng: rng.integers(0, 3, 4)  # noqa: E731
_SW = np.array([0.5, 2.0, 1.0, 0.0])

_loss_sample("mse", losses.MeanSquaredError, _REG_T, _REG_P, lambda y, p: F.mse_loss(p, y, reduction="none").mean(-1))
for _red in ("sum_over_batch_size", "sum", None):
    _loss_sample(f"mse_weighted_{_red}", lambda r=_red: losses.MeanSquaredError(reduction=r), _REG_T, _REG_P,
                 lambda y, p: F.mse_loss(p, y, reduction="none").mean(-1), sample_weight=_SW, reduction=_red)
_loss_sample("mse_weighted_mean", lambda: losses.MeanSquaredError(reduction="mean"), _REG_T, _REG_P,
             lambda y, p: F.mse_loss(p, y, reduction="none").mean(-1), sample_weight=_SW, reduction="mean")
_loss_sample("mse_mean_with_sample_weight",
             lambda: losses.MeanSquaredError(reduction="mean_with_sample_weight"), _REG_T, _REG_P,
             lambda y, p: F.mse_loss(p, y, reduction="none").mean(-1) * 4 / _SW.sum(), sample_weight=_SW)
_loss_sample("mae", losses.MeanAbsoluteError, _REG_T, lambda rng: away(rng, 4, 3) * 3,
             lambda y, p: F.l1_loss(p, y, reduction="none").mean(-1))
_loss_sample("mape", losses.MeanAbsolutePercentageError, _REG_T, lambda rng: away(rng, 4, 3) * 3,
             lambda y, p: 100 * ((y - p).abs() / y.abs().clamp(min=1e-7)).mean(-1))
_loss_sample("huber", losses.Huber, _REG_T, lambda rng: away(rng, 4, 3) * 2,
             lambda y, p: F.huber_loss(p, y, reduction="none", delta=1.0).mean(-1))
_loss_sample("huber_delta", lambda: losses.Huber(delta=0.5), _REG_T, lambda rng: away(rng, 4, 3) * 2,
             lambda y, p: F.huber_loss(p, y, reduction="none", delta=0.5).mean(-1))
_loss_sample("log_cosh", losses.LogCosh, _REG_T, _REG_P, lambda y, p: torch.log(torch.cosh(p - y)).mean(-1))
_loss_sample("bce", losses.BinaryCrossentropy, _BIN_T, _PROB_P, _bce_probs)
_loss_sample("bce_weighted_sum", lambda: losses.BinaryCrossentropy(reduction="sum"), _BIN_T, _PROB_P, _bce_probs,
             sample_weight=_SW, reduction="sum")
_loss_sample("bce_smoothing", lambda: losses.BinaryCrossentropy(label_smoothing=0.2), _BIN_T, _PROB_P,
             lambda y, p: _bce_probs(_smooth_bin(y, 0.2), p))
_loss_sample("bce_from_logits", lambda: losses.BinaryCrossentropy(from_logits=True), _BIN_T, A(4, 3),
             lambda y, p: F.binary_cross_entropy_with_logits(p, y, reduction="none").mean(-1))
_loss_sample("bce_from_logits_smoothing_none",
             lambda: losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1, reduction=None), _BIN_T, A(4, 3),
             lambda y, p: F.binary_cross_entropy_with_logits(p, _smooth_bin(y, 0.1), reduction="none").mean(-1),
             reduction=None)
_loss_sample("bce_through_sigmoid", losses.BinaryCrossentropy, _BIN_T, A(4, 3),
             lambda y, p: F.binary_cross_entropy_with_logits(p, y, reduction="none").mean(-1), through="sigmoid")
_loss_sample("cce", losses.CategoricalCrossentropy, _ONEHOT_T, _PROB_P, _soft_xent)
_loss_sample("cce_soft_labels", losses.CategoricalCrossentropy, _SOFT_T, _PROB_P, _soft_xent)
_loss_sample("cce_smoothing", lambda: losses.CategoricalCrossentropy(label_smoothing=0.3), _ONEHOT_T, _PROB_P,
             lambda y, p: _soft_xent(y * 0.7 + 0.1, p))
_loss_sample("cce_from_logits", lambda: losses.CategoricalCrossentropy(from_logits=True), _ONEHOT_T, A(4, 3),
             lambda y, p: F.cross_entropy(p, y, reduction="none"))
_loss_sample("cce_from_logits_smoothing_weighted",
             lambda: losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.2), _ONEHOT_T, A(4, 3),
             lambda y, p: F.cross_entropy(p, y, reduction="none", label_smoothing=0.2), sample_weight=_SW)
_loss_sample("cce_through_softmax", losses.CategoricalCrossentropy, _ONEHOT_T, A(4, 3),
             lambda y, p: F.cross_entropy(p, y, reduction="none"), through="softmax")
for _red in ("sum", None):
    _loss_sample(f"cce_weighted_{_red}", lambda r=_red: losses.CategoricalCrossentropy(reduction=r), _ONEHOT_T,
                 _PROB_P, _soft_xent, sample_weight=_SW, reduction=_red)
_loss_sample("scce", losses.SparseCategoricalCrossentropy, _LABELS, _PROB_P,
             lambda y, p: F.nll_loss(torch.log(keras_clip(p / p.sum(-1, keepdim=True))), y, reduction="none"))
_loss_sample("scce_from_logits_weighted", lambda: losses.SparseCategoricalCrossentropy(from_logits=True), _LABELS,
             A(4, 3), lambda y, p: F.cross_entropy(p, y, reduction="none"), sample_weight=_SW)
_loss_sample("scce_through_softmax", losses.SparseCategoricalCrossentropy, _LABELS, A(4, 3),
             lambda y, p: F.cross_entropy(p, y, reduction="none"), through="softmax")
_loss_sample("scce_ignore_class_none",
             lambda: losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=1, reduction=None),
             fixed([0, 1, 2, 1]), A(4, 3),
             lambda y, p: F.cross_entropy(p, y.long(), reduction="none", ignore_index=1), reduction=None)
_loss_sample("scce_ignore_class_masked_mean",
             lambda: losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=1),
             fixed([0, 1, 2, 1]), A(4, 3),  # Keras divides by the 2 valid entries, not by 4
             lambda y, p: F.cross_entropy(p, y.long(), reduction="none", ignore_index=1) * 2.0)
_loss_sample("hinge", losses.Hinge, lambda rng: rng.choice([-1.0, 1.0], (4, 3)), lambda rng: away(rng, 4, 3) * 1.5,
             lambda y, p: torch.clamp(1 - y * p, min=0).mean(-1))
_loss_sample("hinge_01_labels", losses.Hinge, _BIN_T, lambda rng: away(rng, 4, 3) * 1.5,
             lambda y, p: torch.clamp(1 - (2 * y - 1) * p, min=0).mean(-1))
_loss_sample("kld", losses.KLDivergence, _SOFT_T, _PROB_P,
             lambda y, p: F.kl_div(torch.log(p.clamp(1e-7, 1)), y.clamp(1e-7, 1), reduction="none").sum(-1))
_loss_sample("poisson", losses.Poisson, lambda rng: rng.poisson(2.0, (4, 3)).astype(np.float64), P(4, 3),
             lambda y, p: F.poisson_nll_loss(p, y, log_input=False, eps=1e-7, reduction="none").mean(-1))
_loss_sample("msle", losses.MeanSquaredLogarithmicError, P(4, 3), P(4, 3),
             lambda y, p: ((torch.log1p(p) - torch.log1p(y)) ** 2).mean(-1))
_loss_sample("squared_hinge", losses.SquaredHinge, _BIN_T, lambda rng: away(rng, 4, 3) * 1.5,
             lambda y, p: (torch.clamp(1 - (2 * y - 1) * p, min=0) ** 2).mean(-1))
_loss_sample("categorical_hinge", losses.CategoricalHinge, _ONEHOT_T, lambda rng: away(rng, 4, 3) * 0.3,
             lambda y, p: torch.clamp(((1 - y) * p).max(-1).values - (y * p).sum(-1) + 1, min=0))
_loss_sample("cosine_similarity", losses.CosineSimilarity, A(4, 3), A(4, 3),
             lambda y, p: -F.cosine_similarity(y, p, dim=-1, eps=1e-12))


# --- issue-2 layers ------------------------------------------------------------------------------------------
def _layer_case(layer: Any, inputs: list[np.ndarray], torch_fn: Callable[..., Any] | None,
                with_weights: bool = True, training: bool | None = None) -> Case:
    """Build ``layer`` on ``inputs``; check gradients for the inputs and (optionally) its weights."""
    arrays = [x.astype(_fx()) for x in inputs]
    many = len(arrays) > 1

    def call(*xs: Any) -> Any:
        args = list(xs[:len(arrays)]) if many else xs[0]
        out = layer(args, training=training) if training is not None else layer(args)
        penalties = layer.losses
        if penalties:  # the regularization terms join the scalar being differentiated
            r = np.random.default_rng(99).uniform(0.5, 1.5, out.shape).astype(out.dtype)
            total = m.sum(m.multiply(out, r))
            for p in penalties:
                total = m.add(total, p)
            return total
        return out

    call(*[gn.Tensor(a) for a in arrays])  # build the weights
    weights = list(layer.trainable_weights) if with_weights else []
    return Case(call, arrays + weights, torch_fn)


def _dense_torch(layer: Any, penalty: Callable[..., Any] | None = None) -> Callable[..., Any]:
    def torch_fn(x: Any, kernel: Any, bias: Any = None) -> Any:
        out = F.linear(x, kernel.T, bias)
        if layer.activation is activations.tanh:
            out = torch.tanh(out)
        if penalty is None:
            return out
        r = torch.tensor(np.random.default_rng(99).uniform(0.5, 1.5, tuple(out.shape)), dtype=out.dtype)
        return (out * r).sum() + penalty(kernel, bias)

    return torch_fn


@_add("layer_dense_2d", "layer.Dense")
def _dense2(rng: np.random.Generator) -> Case:
    layer = layers.Dense(3)
    return _layer_case(layer, [away(rng, 5, 4)], _dense_torch(layer))


@_add("layer_dense_3d_tanh", "layer.Dense")
def _dense3(rng: np.random.Generator) -> Case:
    layer = layers.Dense(3, activation="tanh", bias_initializer="random_normal")
    return _layer_case(layer, [away(rng, 2, 3, 4)], _dense_torch(layer))


@_add("layer_dense_no_bias", "layer.Dense")
def _dense_nb(rng: np.random.Generator) -> Case:
    layer = layers.Dense(2, use_bias=False)
    return _layer_case(layer, [away(rng, 4, 3)], _dense_torch(layer))


@_add("layer_dense_regularized", "layer.Dense")
def _dense_reg(rng: np.random.Generator) -> Case:
    layer = layers.Dense(3, kernel_regularizer=regularizers.l1_l2(l1=0.01, l2=0.02),
                         bias_regularizer=regularizers.l2(0.05), bias_initializer="random_normal")
    return _layer_case(layer, [away(rng, 4, 3)], _dense_torch(
        layer, lambda k, b: 0.01 * k.abs().sum() + 0.02 * (k * k).sum() + 0.05 * (b * b).sum()))


@_add("layer_dense_3d_l1_no_bias", "layer.Dense")
def _dense_reg3(rng: np.random.Generator) -> Case:
    layer = layers.Dense(2, use_bias=False, kernel_regularizer="l1")
    return _layer_case(layer, [away(rng, 2, 2, 3)], _dense_torch(layer, lambda k, b: 0.01 * k.abs().sum()))


def _layer_sample(name: str, make: Callable[[], Any], shapes: list[tuple[int, ...]],
                  torch_fn: Callable[..., Any] | None, training: bool | None = None) -> None:
    def build(rng: np.random.Generator) -> Case:
        layer = make()
        return _layer_case(layer, [away(rng, *s) for s in shapes], torch_fn, training=training)

    SAMPLES.append(OpSample(f"layer_{name}", f"layer.{type(make()).__name__}", build))


_layer_sample("activation_tanh", lambda: layers.Activation("tanh"), [(3, 4)], torch.tanh)
_layer_sample("activation_softmax", lambda: layers.Activation("softmax"), [(3, 4)], lambda x: torch.softmax(x, -1))
_layer_sample("flatten", layers.Flatten, [(2, 3, 2)], lambda x: x.reshape(2, -1))
_layer_sample("reshape", lambda: layers.Reshape((3, 2)), [(2, 6)], lambda x: x.reshape(2, 3, 2))
_layer_sample("reshape_minus_one", lambda: layers.Reshape((-1, 2)), [(2, 3, 2)], lambda x: x.reshape(2, 3, 2))
_layer_sample("add", layers.Add, [(3, 4)] * 3, lambda a, b, c: a + b + c)
_layer_sample("subtract", layers.Subtract, [(3, 4)] * 2, torch.sub)
_layer_sample("multiply", layers.Multiply, [(3, 4)] * 3, lambda a, b, c: a * b * c)
_layer_sample("average", layers.Average, [(3, 4)] * 3, lambda a, b, c: (a + b + c) / 3)
_layer_sample("maximum", layers.Maximum, [(3, 4)] * 3, lambda a, b, c: torch.maximum(torch.maximum(a, b), c))
_layer_sample("minimum", layers.Minimum, [(3, 4)] * 2, torch.minimum)
_layer_sample("concatenate", layers.Concatenate, [(3, 2), (3, 4)], lambda a, b: torch.cat([a, b], -1))
_layer_sample("concatenate_axis1", lambda: layers.Concatenate(axis=1), [(2, 1, 3), (2, 2, 3)],
              lambda a, b: torch.cat([a, b], 1))
_layer_sample("relu", layers.ReLU, [(3, 4)], torch.relu)
_layer_sample("relu_options", lambda: layers.ReLU(max_value=1.0, negative_slope=0.1, threshold=0.3), [(3, 4)],
              lambda x: keras_relu(x, 0.1, 1.0, 0.3))
_layer_sample("leaky_relu", layers.LeakyReLU, [(3, 4)], lambda x: F.leaky_relu(x, 0.3))
_layer_sample("leaky_relu_alpha", lambda: layers.LeakyReLU(alpha=0.1), [(3, 4)], lambda x: F.leaky_relu(x, 0.1))
_layer_sample("softmax", layers.Softmax, [(3, 4)], lambda x: torch.softmax(x, -1))
_layer_sample("softmax_axis1", lambda: layers.Softmax(axis=1), [(2, 3, 2)], lambda x: torch.softmax(x, 1))
_layer_sample("dropout_inference", lambda: layers.Dropout(0.5, seed=1), [(3, 4)], lambda x: x)


@_add("layer_dropout_seeded_training", "layer.Dropout")
def _dropout_layer(rng: np.random.Generator) -> Case:
    layer = layers.Dropout(0.3, seed=5)
    x = away(rng, 4, 5).astype(_fx())

    def fn(t: Any) -> Any:
        layer._generator = np.random.default_rng(5)  # replay the same mask for every finite difference
        return layer(t, training=True)

    def torch_fn(t: Any) -> Any:
        dt = np.float64 if t.dtype == torch.float64 else np.float32
        keep = np.random.default_rng(5).random(x.shape, dtype=dt) >= 0.3
        return t * torch.tensor(keep / 0.7, dtype=t.dtype)

    return Case(fn, [x], torch_fn)


SAMPLE_IDS = [s.name for s in SAMPLES]
assert len(set(SAMPLE_IDS)) == len(SAMPLE_IDS), "sample names must be unique"
