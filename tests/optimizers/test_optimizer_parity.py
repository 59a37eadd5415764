"""Whole training steps against torch.optim, Keras' own formulas written out by hand, clipping, weight decay,
learning-rate schedules, Keras-2 spellings, string lookups and Keras' default hyperparameters.

Where Keras and PyTorch place epsilon differently (Adam, RMSprop, Adagrad, Adamax) the torch comparison
runs with epsilon = 0, where both formulas agree exactly, and a hand-written NumPy version of Keras'
formula checks the real epsilon.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from oracles import to_numpy
from oracles.torch_ref import F, torch

import glassnet as gn
from glassnet import optimizers
from glassnet.engine.ops import math as m
from glassnet.engine.ops import nn
from glassnet.optimizers import schedules

STEPS = 5


# --- one small MLP problem in both frameworks ----------------------------------------------------------------
def _initial(seed: int = 0) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    params = [rng.normal(size=(4, 3)), rng.normal(size=3) * 0.1, rng.normal(size=(3, 2)), rng.normal(size=2) * 0.1]
    return params, rng.normal(size=(8, 4)), rng.normal(size=(8, 2))


def _gn_loss(vs: list[gn.Variable], x: np.ndarray, y: np.ndarray) -> gn.Tensor:
    h = nn.tanh(nn.dense(gn.Tensor(x), vs[0], vs[1]))
    return m.mean(m.square(m.subtract(nn.dense(h, vs[2], vs[3]), gn.Tensor(y))))


def _torch_loss(ps: list[Any], x: np.ndarray, y: np.ndarray) -> Any:
    h = torch.tanh(F.linear(torch.tensor(x), ps[0].T, ps[1]))
    return ((F.linear(h, ps[2].T, ps[3]) - torch.tensor(y)) ** 2).mean()


def run_glassnet(opt: Any, steps: int = STEPS, dtype: Any = np.float64) -> list[list[np.ndarray]]:
    """Parameters after each of ``steps`` steps of ``opt``."""
    params, x, y = _initial()
    vs = [gn.Variable(p, dtype=dtype) for p in params]
    history = []
    for _ in range(steps):
        with gn.GradientTape() as tape:
            loss = _gn_loss(vs, x.astype(dtype), y.astype(dtype))
        opt.apply(tape.gradient(loss, vs), vs)
        history.append([v.numpy().astype(np.float64) for v in vs])
    return history


def run_torch(make: Callable[[list[Any]], Any], steps: int = STEPS,
              before_step: Callable[[list[Any], int], None] | None = None) -> list[list[np.ndarray]]:
    """Parameters after each step of the torch optimizer ``make(params)``; ``before_step(params, t)``
    may edit gradients/parameters by hand first (clipping, decoupled decay)."""
    params, x, y = _initial()
    ps = [torch.tensor(p, requires_grad=True) for p in params]
    opt = make(ps)
    history = []
    for t in range(steps):
        opt.zero_grad()
        _torch_loss(ps, x, y).backward()
        if before_step is not None:
            before_step(ps, t)
        opt.step()
        history.append([to_numpy(p) for p in ps])
    return history


def assert_same_trajectory(got: list[list[np.ndarray]], expected: list[list[np.ndarray]], rtol: float = 1e-10,
                           atol: float = 1e-12) -> None:
    start = _initial()[0]
    assert not np.allclose(got[-1][0], start[0]), "the optimizer did not move the weights"
    for step, (a, b) in enumerate(zip(got, expected)):
        for i, (pa, pb) in enumerate(zip(a, b)):
            np.testing.assert_allclose(pa, pb, rtol=rtol, atol=atol, err_msg=f"step {step + 1}, parameter {i}")


# --- against torch.optim -------------------------------------------------------------------------------------
TORCH_CASES = {
    "sgd": (lambda: optimizers.SGD(0.1), lambda p: torch.optim.SGD(p, lr=0.1)),
    "sgd_momentum": (lambda: optimizers.SGD(0.1, momentum=0.9), lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)),
    "sgd_nesterov": (lambda: optimizers.SGD(0.1, momentum=0.8, nesterov=True),
                     lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.8, nesterov=True)),
    "adam": (lambda: optimizers.Adam(0.01, epsilon=0.0), lambda p: torch.optim.Adam(p, lr=0.01, eps=0.0)),
    "adam_betas": (lambda: optimizers.Adam(0.02, beta_1=0.8, beta_2=0.95, epsilon=0.0),
                   lambda p: torch.optim.Adam(p, lr=0.02, betas=(0.8, 0.95), eps=0.0)),
    "adam_amsgrad": (lambda: optimizers.Adam(0.01, epsilon=0.0, amsgrad=True),
                     lambda p: torch.optim.Adam(p, lr=0.01, eps=0.0, amsgrad=True)),
    "adamw": (lambda: optimizers.AdamW(0.01, weight_decay=0.1, epsilon=0.0),
              lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.1, eps=0.0)),
    "rmsprop": (lambda: optimizers.RMSprop(0.01, epsilon=0.0),
                lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=0.0)),
    "rmsprop_centered": (lambda: optimizers.RMSprop(0.01, rho=0.8, epsilon=0.0, centered=True),
                         lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.8, eps=0.0, centered=True)),
    "rmsprop_momentum": (lambda: optimizers.RMSprop(0.01, momentum=0.5, epsilon=0.0),
                         lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=0.0, momentum=0.5)),
    "rmsprop_centered_momentum": (lambda: optimizers.RMSprop(0.01, momentum=0.5, epsilon=0.0, centered=True),
                                  lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=0.0, momentum=0.5,
                                                                centered=True)),
    "adagrad": (lambda: optimizers.Adagrad(0.1, epsilon=0.0),
                lambda p: torch.optim.Adagrad(p, lr=0.1, initial_accumulator_value=0.1, eps=0.0)),
    # Adadelta's epsilon sits in the same places in both: compare with a real epsilon.
    "adadelta": (lambda: optimizers.Adadelta(1.0, rho=0.9, epsilon=1e-6),
                 lambda p: torch.optim.Adadelta(p, lr=1.0, rho=0.9, eps=1e-6)),
    "adamax": (lambda: optimizers.Adamax(0.01, epsilon=0.0), lambda p: torch.optim.Adamax(p, lr=0.01, eps=0.0)),
    # Keras 3's Nadam schedule u_t = b1 (1 - 0.5 * 0.96^t) is torch's with momentum_decay = 1.
    "nadam": (lambda: optimizers.Nadam(0.01, epsilon=1e-7),
              lambda p: torch.optim.NAdam(p, lr=0.01, eps=1e-7, momentum_decay=1.0)),
}


@pytest.mark.parametrize("name", sorted(TORCH_CASES))
def test_training_steps_match_torch_optim(name: str) -> None:
    make_gn, make_torch = TORCH_CASES[name]
    # torch keeps NAdam's momentum-schedule product in a float32 scalar: agreement is to ~1e-8 there.
    tolerance = {"rtol": 1e-6, "atol": 1e-9} if name == "nadam" else {}
    assert_same_trajectory(run_glassnet(make_gn()), run_torch(make_torch), **tolerance)


# --- Keras' formulas written out (with their real epsilons) ----------------------------------------------------
def keras_reference(kind: str, cfg: dict[str, Any], steps: int = STEPS) -> list[list[np.ndarray]]:
    """Keras 3's update rules in plain NumPy (float64), gradients from torch autograd."""
    params, x, y = _initial()
    params = [p.copy() for p in params]
    state: list[dict[str, np.ndarray]] = [{} for _ in params]
    lr = cfg.get("learning_rate", 0.001)
    eps = cfg.get("epsilon", 1e-7)
    history = []
    for t in range(1, steps + 1):
        ps = [torch.tensor(p, requires_grad=True) for p in params]
        _torch_loss(ps, x, y).backward()
        grads = [to_numpy(p.grad) for p in ps]
        for p, g, s in zip(params, grads, state):
            z = np.zeros_like(p)
            if kind == "adam":
                b1, b2 = cfg.get("beta_1", 0.9), cfg.get("beta_2", 0.999)
                s["m"] = s.get("m", z) + (1 - b1) * (g - s.get("m", z))
                s["v"] = s.get("v", z) + (1 - b2) * (g * g - s.get("v", z))
                v = s["v"]
                if cfg.get("amsgrad"):
                    s["vhat"] = np.maximum(s.get("vhat", z), s["v"])
                    v = s["vhat"]
                alpha = lr * math.sqrt(1 - b2**t) / (1 - b1**t)
                p -= alpha * s["m"] / (np.sqrt(v) + eps)
            elif kind == "rmsprop":
                rho, mu = cfg.get("rho", 0.9), cfg.get("momentum", 0.0)
                s["v"] = rho * s.get("v", z) + (1 - rho) * g * g
                denom = s["v"] + eps
                if cfg.get("centered"):
                    s["a"] = rho * s.get("a", z) + (1 - rho) * g
                    denom = denom - s["a"] ** 2
                inc = lr * g / np.sqrt(denom)
                if mu:
                    s["mom"] = mu * s.get("mom", z) + inc
                    inc = s["mom"]
                p -= inc
            elif kind == "adagrad":
                s["acc"] = s.get("acc", z + cfg.get("initial_accumulator_value", 0.1)) + g * g
                p -= lr * g / np.sqrt(s["acc"] + eps)
            elif kind == "adamax":
                b1, b2 = cfg.get("beta_1", 0.9), cfg.get("beta_2", 0.999)
                s["m"] = s.get("m", z) + (g - s.get("m", z)) * (1 - b1)
                s["u"] = np.maximum(b2 * s.get("u", z), np.abs(g))
                p -= lr * s["m"] / ((1 - b1**t) * (s["u"] + eps))
            elif kind == "adadelta":
                rho = cfg.get("rho", 0.95)
                s["eg"] = rho * s.get("eg", z) + (1 - rho) * g * g
                delta = -np.sqrt(s.get("ed", z) + eps) * g / np.sqrt(s["eg"] + eps)
                s["ed"] = rho * s.get("ed", z) + (1 - rho) * delta * delta
                p += lr * delta
            else:
                raise ValueError(kind)
        history.append([p.copy() for p in params])
    return history


KERAS_CASES = {
    "adam_default_eps": ("adam", {"learning_rate": 0.01}),
    "adam_amsgrad": ("adam", {"learning_rate": 0.01, "amsgrad": True}),
    "adam_big_eps": ("adam", {"learning_rate": 0.01, "epsilon": 0.1}),  # makes the eps placement matter
    "rmsprop_big_eps": ("rmsprop", {"learning_rate": 0.01, "epsilon": 0.05}),
    "rmsprop_centered_momentum": ("rmsprop", {"learning_rate": 0.01, "epsilon": 0.05, "centered": True,
                                              "momentum": 0.7}),
    "adagrad_big_eps": ("adagrad", {"learning_rate": 0.1, "epsilon": 0.05}),
    "adagrad_accumulator": ("adagrad", {"learning_rate": 0.1, "initial_accumulator_value": 1.0}),
    "adamax_big_eps": ("adamax", {"learning_rate": 0.01, "epsilon": 0.1}),
    "adadelta_defaults": ("adadelta", {"learning_rate": 1.0}),
}
KERAS_CLASSES = {"adam": optimizers.Adam, "rmsprop": optimizers.RMSprop, "adagrad": optimizers.Adagrad,
                 "adamax": optimizers.Adamax, "adadelta": optimizers.Adadelta}


@pytest.mark.parametrize("name", sorted(KERAS_CASES))
def test_training_steps_follow_keras_formulas(name: str) -> None:
    kind, cfg = KERAS_CASES[name]
    assert_same_trajectory(run_glassnet(KERAS_CLASSES[kind](**cfg)), keras_reference(kind, cfg))


def test_adam_epsilon_placement_differs_from_torch() -> None:
    """Keras' eps sits outside the bias correction: with a large eps the two really differ (and we follow Keras)."""
    ours = run_glassnet(optimizers.Adam(0.01, epsilon=0.1))
    theirs = run_torch(lambda p: torch.optim.Adam(p, lr=0.01, eps=0.1))
    assert not np.allclose(ours[-1][0], theirs[-1][0], rtol=1e-6)


@pytest.mark.parametrize("name", ["adam", "rmsprop_centered", "sgd_nesterov"])
def test_float32_training_steps_stay_float32_and_close(name: str) -> None:
    make_gn, make_torch = TORCH_CASES[name]
    opt = make_gn()
    got = run_glassnet(opt, dtype=np.float32)
    assert all(g.params.dtype == np.float32 for g in opt._groups)
    assert_same_trajectory(got, run_torch(make_torch), rtol=2e-4, atol=1e-5)


# --- clipping and weight decay (hand-written on the torch side) ----------------------------------------------
def _clip_each_norm(c: float) -> Callable[[list[Any], int], None]:
    def clip(ps: list[Any], t: int) -> None:
        norms = [float(p.grad.norm()) for p in ps]
        if t == 0:
            assert max(norms) > c, "clipnorm must be active for the test to mean anything"
        for p, n in zip(ps, norms):
            if n > c:
                p.grad *= c / n

    return clip


def _clip_global(c: float) -> Callable[[list[Any], int], None]:
    def clip(ps: list[Any], t: int) -> None:
        n = math.sqrt(sum(float((p.grad * p.grad).sum()) for p in ps))
        if t == 0:
            assert n > c
        if n > c:
            for p in ps:
                p.grad *= c / n

    return clip


def _clip_value(c: float) -> Callable[[list[Any], int], None]:
    def clip(ps: list[Any], t: int) -> None:
        if t == 0:
            assert max(float(p.grad.abs().max()) for p in ps) > c
        for p in ps:
            p.grad.clamp_(-c, c)

    return clip


def _decoupled_decay(lr: float, wd: float) -> Callable[[list[Any], int], None]:
    def decay(ps: list[Any], t: int) -> None:
        with torch.no_grad():
            for p in ps:
                p -= lr * wd * p

    return decay


@pytest.mark.parametrize("kind", ["clipnorm", "global_clipnorm", "clipvalue"])
def test_gradient_clipping(kind: str) -> None:
    hand = {"clipnorm": _clip_each_norm, "global_clipnorm": _clip_global, "clipvalue": _clip_value}[kind]
    c = {"clipnorm": 0.3, "global_clipnorm": 0.5, "clipvalue": 0.05}[kind]
    got = run_glassnet(optimizers.SGD(0.1, momentum=0.5, **{kind: c}))
    expected = run_torch(lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.5), before_step=hand(c))
    assert_same_trajectory(got, expected)
    unclipped = run_glassnet(optimizers.SGD(0.1, momentum=0.5))
    assert not np.allclose(got[0][0], unclipped[0][0])


@pytest.mark.parametrize("make", [lambda: optimizers.SGD(0.1, weight_decay=0.05),
                                  lambda: optimizers.RMSprop(0.01, weight_decay=0.05, epsilon=0.0)],
                         ids=["sgd", "rmsprop"])
def test_weight_decay_is_decoupled(make: Callable[[], Any]) -> None:
    opt = make()
    torch_make = {optimizers.SGD: lambda p: torch.optim.SGD(p, lr=0.1),
                  optimizers.RMSprop: lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=0.0)}[type(opt)]
    lr = opt.learning_rate
    assert_same_trajectory(run_glassnet(opt), run_torch(torch_make, before_step=_decoupled_decay(lr, 0.05)))


def test_clipnorm_takes_precedence_over_clipvalue_as_in_keras() -> None:
    both = run_glassnet(optimizers.SGD(0.1, clipnorm=0.3, clipvalue=0.01))
    assert_same_trajectory(both, run_glassnet(optimizers.SGD(0.1, clipnorm=0.3)), rtol=0, atol=0)


def test_clipnorm_and_global_clipnorm_together_is_an_error() -> None:
    with pytest.raises(ValueError, match="clipnorm"):
        optimizers.SGD(clipnorm=1.0, global_clipnorm=1.0)


# --- learning-rate schedules ----------------------------------------------------------------------------------
SCHEDULE_CASES = {
    "exponential": (schedules.ExponentialDecay(0.1, decay_steps=4, decay_rate=0.5),
                    lambda s: 0.1 * 0.5 ** (s / 4)),
    "exponential_staircase": (schedules.ExponentialDecay(0.1, decay_steps=4, decay_rate=0.5, staircase=True),
                              lambda s: 0.1 * 0.5 ** (s // 4)),
    "inverse_time": (schedules.InverseTimeDecay(0.1, decay_steps=2, decay_rate=0.5),
                     lambda s: 0.1 / (1 + 0.5 * s / 2)),
    "inverse_time_staircase": (schedules.InverseTimeDecay(0.1, decay_steps=3, decay_rate=0.5, staircase=True),
                               lambda s: 0.1 / (1 + 0.5 * (s // 3))),
    "cosine": (schedules.CosineDecay(0.1, decay_steps=10, alpha=0.1),
               lambda s: 0.1 * (0.9 * 0.5 * (1 + math.cos(math.pi * min(s, 10) / 10)) + 0.1)),
    "cosine_warmup": (schedules.CosineDecay(0.0, decay_steps=10, warmup_target=0.2, warmup_steps=4),
                      lambda s: 0.2 * s / 4 if s < 4 else 0.2 * 0.5 * (1 + math.cos(math.pi * min(s - 4, 10) / 10))),
    "piecewise": (schedules.PiecewiseConstantDecay([3, 7], [0.1, 0.05, 0.01]),
                  lambda s: 0.1 if s <= 3 else 0.05 if s <= 7 else 0.01),
    "polynomial": (schedules.PolynomialDecay(0.1, decay_steps=10, end_learning_rate=0.01, power=2.0),
                   lambda s: (0.1 - 0.01) * (1 - min(s, 10) / 10) ** 2 + 0.01),
    "polynomial_cycle": (schedules.PolynomialDecay(0.1, decay_steps=4, end_learning_rate=0.0, cycle=True),
                         lambda s: 0.1 * (1 - s / (4 * max(1, math.ceil(s / 4))))),
}


@pytest.mark.parametrize("name", sorted(SCHEDULE_CASES))
def test_schedule_matches_hand_formula(name: str) -> None:
    schedule, formula = SCHEDULE_CASES[name]
    for step in range(0, 20):
        assert schedule(step) == pytest.approx(formula(step), rel=1e-12, abs=1e-15), f"step {step}"
    rebuilt = schedules.get(schedules.serialize(schedule))
    assert [rebuilt(s) for s in range(20)] == [schedule(s) for s in range(20)]


@pytest.mark.parametrize("kind", ["sgd", "adam"])
def test_optimizer_evaluates_the_schedule_at_each_step(kind: str) -> None:
    """Step t uses schedule(t), t counted from 0 (torch gets the same rates by hand, one per step)."""
    schedule = schedules.ExponentialDecay(0.2, decay_steps=1, decay_rate=0.7)
    rates = [schedule(t) for t in range(STEPS)]
    holder: dict[str, Any] = {}

    def make(p: list[Any]) -> Any:
        cls = torch.optim.SGD if kind == "sgd" else lambda q, lr: torch.optim.Adam(q, lr=lr, eps=0.0)
        holder["opt"] = cls(p, lr=rates[0])
        return holder["opt"]

    def set_lr(ps: list[Any], t: int) -> None:
        for group in holder["opt"].param_groups:
            group["lr"] = rates[t]

    opt = optimizers.SGD(schedule) if kind == "sgd" else optimizers.Adam(schedule, epsilon=0.0)
    got = run_glassnet(opt)
    assert opt.iterations == STEPS
    assert opt.learning_rate == pytest.approx(schedule(STEPS))
    assert_same_trajectory(got, run_torch(make, before_step=set_lr))
    constant = run_glassnet(optimizers.SGD(0.2) if kind == "sgd" else optimizers.Adam(0.2, epsilon=0.0))
    assert not np.allclose(constant[-1][0], got[-1][0])


# --- Keras-2 spellings, string lookups, defaults --------------------------------------------------------------
def test_keras2_spellings() -> None:
    assert optimizers.Adam(lr=0.01).learning_rate == pytest.approx(0.01)
    assert optimizers.Adam(0.01).learning_rate == pytest.approx(0.01)
    assert optimizers.SGD(learning_rate=0.5).lr == pytest.approx(0.5)
    opt = optimizers.Adam()
    opt.learning_rate = 0.3
    assert opt.learning_rate == pytest.approx(0.3)
    with pytest.raises(TypeError, match="bogus"):
        optimizers.Adam(bogus=1)


@pytest.mark.parametrize("name,cls", [("adam", optimizers.Adam), ("Adam", optimizers.Adam), ("ADAM", optimizers.Adam),
                                      ("sgd", optimizers.SGD), ("RMSprop", optimizers.RMSprop),
                                      ("rmsprop", optimizers.RMSprop), ("adamw", optimizers.AdamW),
                                      ("Adagrad", optimizers.Adagrad), ("adadelta", optimizers.Adadelta),
                                      ("AdaMax", optimizers.Adamax)])
def test_string_lookup_is_case_insensitive(name: str, cls: type) -> None:
    assert type(optimizers.get(name)) is cls


def test_unknown_optimizer_name_lists_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="adam"):
        optimizers.get("adamm")


DEFAULTS = [
    (optimizers.SGD, {"learning_rate": 0.01, "momentum": 0.0, "nesterov": False}),
    (optimizers.Adam, {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7, "amsgrad": False}),
    (optimizers.AdamW, {"learning_rate": 0.001, "weight_decay": 0.004, "beta_1": 0.9, "beta_2": 0.999,
                        "epsilon": 1e-7}),
    (optimizers.RMSprop, {"learning_rate": 0.001, "rho": 0.9, "momentum": 0.0, "epsilon": 1e-7, "centered": False}),
    (optimizers.Adagrad, {"learning_rate": 0.001, "initial_accumulator_value": 0.1, "epsilon": 1e-7}),
    (optimizers.Adadelta, {"learning_rate": 0.001, "rho": 0.95, "epsilon": 1e-7}),
    (optimizers.Adamax, {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7}),
]


@pytest.mark.parametrize("cls,expected", DEFAULTS, ids=[c.__name__ for c, _ in DEFAULTS])
def test_keras_default_hyperparameters(cls: type, expected: dict[str, Any]) -> None:
    config = cls().get_config()
    for key, value in expected.items():
        assert config[key] == pytest.approx(value), key
    rebuilt = optimizers.get(optimizers.serialize(cls()))
    assert type(rebuilt) is cls and rebuilt.get_config() == config


# --- whole compiled models: model.fit against the same torch model and loop ----------------------------------
FIT_CASES = {
    "sgd_momentum_mse": (lambda: optimizers.SGD(0.1, momentum=0.9),
                         lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9), "mse", None),
    "adam_softmax_cce": (lambda: optimizers.Adam(0.01, epsilon=0.0),
                         lambda p: torch.optim.Adam(p, lr=0.01, eps=0.0), "sparse_categorical_crossentropy", "softmax"),
}


@pytest.mark.parametrize("name", sorted(FIT_CASES))
def test_model_fit_matches_a_torch_training_loop(name: str) -> None:
    from oracles import torch_mlp_from

    make_gn, make_torch, loss, head = FIT_CASES[name]
    gn.set_floatx("float64")
    rng = np.random.default_rng(3)
    x = rng.normal(size=(24, 5))
    y = rng.integers(0, 3, 24) if head else rng.normal(size=(24, 3))
    model = gn.Sequential([gn.layers.Dense(6, activation="tanh", input_shape=(5,)),
                           gn.layers.Dense(3, activation=head)])
    net = torch_mlp_from(model, "tanh")  # identical weights, linear last layer (logits)
    model.compile(optimizer=make_gn(), loss=loss)
    history = model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)

    opt = make_torch(list(net.parameters()))
    losses_t = []
    for _ in range(2):
        epoch = []
        for i in range(0, 24, 8):
            opt.zero_grad()
            out = net(torch.tensor(x[i:i + 8]))
            target = torch.tensor(y[i:i + 8])
            value = F.cross_entropy(out, target) if head else F.mse_loss(out, target)
            value.backward()
            opt.step()
            epoch.append(float(value.detach()))
        losses_t.append(float(np.mean(epoch)))
    np.testing.assert_allclose(history.history["loss"], losses_t, rtol=1e-9)
    ours = model.get_weights()
    torch_weights = [p.detach().numpy() for p in net.parameters()]
    for w, t in zip(ours[0::2], torch_weights[0::2]):
        np.testing.assert_allclose(w, t.T, rtol=1e-9, atol=1e-12)
    for b, t in zip(ours[1::2], torch_weights[1::2]):
        np.testing.assert_allclose(b, t, rtol=1e-9, atol=1e-12)


def test_nadam_momentum_product_is_a_function_of_the_step() -> None:
    opt = optimizers.Nadam()
    expected = np.prod([0.9 * (1 - 0.5 * 0.96**i) for i in range(1, 8)])
    assert opt._u_product(7) == pytest.approx(expected, rel=1e-14)
    assert opt._u_product(3) == pytest.approx(np.prod([0.9 * (1 - 0.5 * 0.96**i) for i in range(1, 4)]), rel=1e-14)
    assert opt._u_product(7) == pytest.approx(expected, rel=1e-14)  # after going back (a resumed run)
    assert optimizers.get("nadam").__class__ is optimizers.Nadam
