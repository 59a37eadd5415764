"""The update rules, each written on whole flat buffers (p: params, g: grads, t: step from 1).

Keras' formulations, which every test checks step by step against PyTorch.
"""

from __future__ import annotations

import math
from typing import Any

from ..backend import xp
from ..checks import check_number
from ..explanation import Equation
from . import kernels
from .base import Optimizer, _Group


def _fraction(value: Any, name: str, owner: str, include_one: bool = False) -> float:
    """A decay factor (beta, rho, momentum): in [0, 1), or [0, 1] where 1 is harmless."""
    return float(check_number(value, name, owner, low=0, high=1, high_open=not include_one))


def _non_negative(value: Any, name: str, owner: str) -> float:
    return float(check_number(value, name, owner, low=0))


class SGD(Optimizer):
    """Gradient descent with optional (Nesterov) momentum.

    m = mu m - lr g;   p += m                 (momentum)
    p += mu m - lr g                          (Nesterov, after updating m)
    p -= lr g                                 (plain, mu = 0)
    """

    _slot_names = ("momentum",)

    def __init__(self, learning_rate: Any = 0.01, momentum: float = 0.0, nesterov: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.momentum, self.nesterov = _fraction(momentum, "momentum", type(self).__name__, True), bool(nesterov)
        if not self.momentum:
            self._slot_names = ()

    def update(self, group: _Group, lr: Any, step: int) -> None:
        self._run_kernel(group, float(lr), step, group.params.dtype.type(0), per_variable=False)

    def _kernel_call(self, lr: float, step: int, dtype: Any) -> tuple[Any, tuple[str | None, ...], tuple[Any, ...]]:
        slot = "momentum" if self.momentum else None
        return kernels.sgd, (slot,), (dtype(lr), dtype(self.momentum), bool(self.momentum), self.nesterov)

    def _update_equations(self, lr: str) -> list[Equation]:
        if not self.momentum:
            return [Equation(f"gradient descent: W <- W - {lr} g", rf"W \leftarrow W - {lr}\, g")]
        mu = f"{self.momentum:g}"
        velocity = Equation(f"m <- {mu} m - {lr} g   (momentum: a running sum of steps)",
                            rf"m \leftarrow {mu}\, m - {lr}\, g")
        if self.nesterov:
            return [velocity, Equation(f"W <- W + {mu} m - {lr} g   (Nesterov: look one step ahead)",
                                       rf"W \leftarrow W + {mu}\, m - {lr}\, g")]
        return [velocity, Equation("W <- W + m", r"W \leftarrow W + m")]

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


class Adam(Optimizer):
    """Adaptive moment estimation (Kingma & Ba), Keras' form:

    m = m + (1 - b1)(g - m);   v = v + (1 - b2)(g^2 - v)
    alpha = lr sqrt(1 - b2^t) / (1 - b1^t);   p -= alpha m / (sqrt(v) + eps)
    """

    _slot_names = ("momentum", "velocity")

    def __init__(self, learning_rate: Any = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, amsgrad: bool = False, **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        who = type(self).__name__
        # beta = 1 would divide by 1 - beta^t = 0 in the bias correction.
        self.beta_1, self.beta_2 = _fraction(beta_1, "beta_1", who), _fraction(beta_2, "beta_2", who)
        self.epsilon, self.amsgrad = _non_negative(epsilon, "epsilon", who), amsgrad
        if amsgrad:
            self._slot_names = ("momentum", "velocity", "velocity_hat")

    def update(self, group: _Group, lr: Any, step: int) -> None:
        self._run_kernel(group, float(lr), step, group.params.dtype.type(0), per_variable=False)

    def _kernel_call(self, lr: float, step: int, dtype: Any) -> tuple[Any, tuple[str | None, ...], tuple[Any, ...]]:
        alpha = float(lr) * math.sqrt(1 - self.beta_2**step) / (1 - self.beta_1**step)
        vmax = "velocity_hat" if self.amsgrad else None
        return kernels.adam, ("momentum", "velocity", vmax), (
            dtype(1 - self.beta_1), dtype(1 - self.beta_2), dtype(alpha), dtype(self.epsilon), bool(self.amsgrad))

    def _update_equations(self, lr: str) -> list[Equation]:
        b1, b2, eps = f"{self.beta_1:g}", f"{self.beta_2:g}", f"{self.epsilon:g}"
        v = "v_max" if self.amsgrad else "v"
        rules = [
            Equation(f"m <- {b1} m + {1 - self.beta_1:g} g   (mean of the gradients)",
                     rf"m \leftarrow {b1}\, m + {1 - self.beta_1:g}\, g"),
            Equation(f"v <- {b2} v + {1 - self.beta_2:g} g^2   (mean of their squares)",
                     rf"v \leftarrow {b2}\, v + {1 - self.beta_2:g}\, g^2"),
        ]
        if self.amsgrad:
            rules.append(Equation("v_max <- max(v_max, v)   (AMSGrad)", r"v_{max} \leftarrow \max(v_{max}, v)"))
        rules.append(Equation(f"W <- W - {lr} sqrt(1 - {b2}^t) / (1 - {b1}^t) m / (sqrt({v}) + {eps})",
                              rf"W \leftarrow W - {lr} \frac{{\sqrt{{1 - {b2}^t}}}}{{1 - {b1}^t}} "
                              rf"\frac{{m}}{{\sqrt{{{v}}} + {eps}}}"))
        return rules

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "amsgrad": self.amsgrad}

    def _keras_state_layout(self) -> list[tuple[str, ...]]:
        # Keras creates m and v together (interleaved per variable), then v_max if amsgrad.
        return [("momentum", "velocity")] + ([("velocity_hat",)] if self.amsgrad else [])


class AdamW(Adam):
    """Adam with decoupled weight decay (default 0.004): p -= lr wd p, then the Adam step."""

    def __init__(self, learning_rate: Any = 0.001, weight_decay: float = 0.004, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-7, amsgrad: bool = False, **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon,
                         amsgrad=amsgrad, weight_decay=weight_decay, **kwargs)


class RMSprop(Optimizer):
    """Divide the gradient by a running root mean square:

    v = rho v + (1 - rho) g^2;   p -= lr g / sqrt(v + eps)
    (centered: subtract the squared running mean of g first; momentum: accumulate the step)
    """

    def __init__(self, learning_rate: Any = 0.001, rho: float = 0.9, momentum: float = 0.0,
                 epsilon: float = 1e-7, centered: bool = False, **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        who = type(self).__name__
        self.rho, self.momentum = _fraction(rho, "rho", who), _fraction(momentum, "momentum", who, True)
        self.epsilon, self.centered = _non_negative(epsilon, "epsilon", who), centered
        self._slot_names = ("velocity",) + (("momentum",) if momentum else ()) + \
            (("average_gradient",) if centered else ())

    def update(self, group: _Group, lr: Any, step: int) -> None:
        self._run_kernel(group, float(lr), step, group.params.dtype.type(0), per_variable=False)

    def _kernel_call(self, lr: float, step: int, dtype: Any) -> tuple[Any, tuple[str | None, ...], tuple[Any, ...]]:
        slots = ("velocity", "momentum" if self.momentum else None, "average_gradient" if self.centered else None)
        return kernels.rmsprop, slots, (dtype(self.rho), dtype(1 - self.rho), dtype(self.epsilon), dtype(lr),
                                        dtype(self.momentum), bool(self.centered), bool(self.momentum))

    def _update_equations(self, lr: str) -> list[Equation]:
        rho, eps = f"{self.rho:g}", f"{self.epsilon:g}"
        rules = [Equation(f"v <- {rho} v + {1 - self.rho:g} g^2   (running mean of squared gradients)",
                          rf"v \leftarrow {rho}\, v + {1 - self.rho:g}\, g^2")]
        scale = f"sqrt(v + {eps})"
        if self.centered:
            rules.append(Equation(f"g_avg <- {rho} g_avg + {1 - self.rho:g} g   (centered: running mean of g)",
                                  rf"\bar g \leftarrow {rho}\, \bar g + {1 - self.rho:g}\, g"))
            scale = f"sqrt(v - g_avg^2 + {eps})"
        step = f"{lr} g / {scale}"
        if self.momentum:
            rules += [Equation(f"s <- {self.momentum:g} s + {step}", rf"s \leftarrow {self.momentum:g}\, s + \text{{{step}}}"),
                      Equation("W <- W - s", r"W \leftarrow W - s")]
        else:
            rules.append(Equation(f"W <- W - {step}", rf"W \leftarrow W - {lr} \frac{{g}}{{\text{{{scale}}}}}"))
        return rules

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum,
                "epsilon": self.epsilon, "centered": self.centered}


class Adagrad(Optimizer):
    """Per-parameter step sizes from the sum of squared gradients:

    a += g^2;   p -= lr g / sqrt(a + eps)      (a starts at ``initial_accumulator_value``)
    """

    _slot_names = ("accumulator",)

    def __init__(self, learning_rate: Any = 0.001, initial_accumulator_value: float = 0.1,
                 epsilon: float = 1e-7, **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        who = type(self).__name__
        self.initial_accumulator_value = _non_negative(initial_accumulator_value, "initial_accumulator_value", who)
        self.epsilon = _non_negative(epsilon, "epsilon", who)

    def _initial_slot(self, name: str, params: Any) -> Any:
        return xp.full_like(params, self.initial_accumulator_value)

    def update(self, group: _Group, lr: Any, step: int) -> None:
        self._run_kernel(group, float(lr), step, group.params.dtype.type(0), per_variable=False)

    def _kernel_call(self, lr: float, step: int, dtype: Any) -> tuple[Any, tuple[str | None, ...], tuple[Any, ...]]:
        return kernels.adagrad, ("accumulator",), (dtype(lr), dtype(self.epsilon))

    def _update_equations(self, lr: str) -> list[Equation]:
        eps = f"{self.epsilon:g}"
        return [Equation(f"a <- a + g^2   (a starts at {self.initial_accumulator_value:g})", r"a \leftarrow a + g^2"),
                Equation(f"W <- W - {lr} g / sqrt(a + {eps})", rf"W \leftarrow W - {lr} \frac{{g}}{{\sqrt{{a + {eps}}}}}")]

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}


class Adadelta(Optimizer):
    """Step sizes from running averages of squared gradients and squared updates:

    Eg = rho Eg + (1 - rho) g^2;  d = sqrt(Ed + eps) / sqrt(Eg + eps) g;
    Ed = rho Ed + (1 - rho) d^2;  p -= lr d
    """

    _slot_names = ("accumulated_grad", "accumulated_delta_var")

    def _keras_state_layout(self) -> list[tuple[str, ...]]:
        return [self._slot_names]  # Keras creates both slots together: interleaved per variable

    def __init__(self, learning_rate: Any = 0.001, rho: float = 0.95, epsilon: float = 1e-7,
                 **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        who = type(self).__name__
        self.rho, self.epsilon = _fraction(rho, "rho", who), _non_negative(epsilon, "epsilon", who)

    def update(self, group: _Group, lr: Any, step: int) -> None:
        p, g = group.params, group.grads
        f = p.dtype.type
        eg, ed = group.slots["accumulated_grad"], group.slots["accumulated_delta_var"]
        eg *= f(self.rho)
        eg += f(1 - self.rho) * g * g
        delta = xp.sqrt(ed + f(self.epsilon)) / xp.sqrt(eg + f(self.epsilon)) * g
        ed *= f(self.rho)
        ed += f(1 - self.rho) * delta * delta
        p -= lr * delta

    def _update_equations(self, lr: str) -> list[Equation]:
        rho, rest, eps = f"{self.rho:g}", f"{1 - self.rho:g}", f"{self.epsilon:g}"
        return [Equation(f"Eg <- {rho} Eg + {rest} g^2", rf"E_g \leftarrow {rho}\, E_g + {rest}\, g^2"),
                Equation(f"d = sqrt(Ed + {eps}) / sqrt(Eg + {eps}) g",
                         rf"d = \frac{{\sqrt{{E_d + {eps}}}}}{{\sqrt{{E_g + {eps}}}}}\, g"),
                Equation(f"Ed <- {rho} Ed + {rest} d^2", rf"E_d \leftarrow {rho}\, E_d + {rest}\, d^2"),
                Equation(f"W <- W - {lr} d", rf"W \leftarrow W - {lr}\, d")]

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}


class Adamax(Optimizer):
    """Adam with the infinity norm:  m = b1 m + (1 - b1) g;  u = max(b2 u, |g|);
    p -= lr / (1 - b1^t) * m / (u + eps)."""

    _slot_names = ("momentum", "norm")

    def _keras_state_layout(self) -> list[tuple[str, ...]]:
        return [self._slot_names]  # Keras creates both slots together: interleaved per variable

    def __init__(self, learning_rate: Any = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        who = type(self).__name__
        self.beta_1, self.beta_2 = _fraction(beta_1, "beta_1", who), _fraction(beta_2, "beta_2", who)
        self.epsilon = _non_negative(epsilon, "epsilon", who)

    def update(self, group: _Group, lr: Any, step: int) -> None:
        self._run_kernel(group, float(lr), step, group.params.dtype.type(0), per_variable=False)

    def _kernel_call(self, lr: float, step: int, dtype: Any) -> tuple[Any, tuple[str | None, ...], tuple[Any, ...]]:
        return kernels.adamax, ("momentum", "norm"), (dtype(1 - self.beta_1), dtype(self.beta_2),
                                                     dtype(float(lr) / (1 - self.beta_1**step)), dtype(self.epsilon))

    def _update_equations(self, lr: str) -> list[Equation]:
        b1, b2, eps = f"{self.beta_1:g}", f"{self.beta_2:g}", f"{self.epsilon:g}"
        return [Equation(f"m <- {b1} m + {1 - self.beta_1:g} g", rf"m \leftarrow {b1}\, m + {1 - self.beta_1:g}\, g"),
                Equation(f"u <- max({b2} u, |g|)", rf"u \leftarrow \max({b2}\, u, |g|)"),
                Equation(f"W <- W - {lr} / (1 - {b1}^t) m / (u + {eps})",
                         rf"W \leftarrow W - \frac{{{lr}}}{{1 - {b1}^t}} \frac{{m}}{{u + {eps}}}")]

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}


class Nadam(Adam):
    """Adam with Nesterov momentum (Dozat), Keras 3's form with momentum schedule
    u_t = b1 (1 - 0.5 * 0.96^t):

    m_hat = u_{t+1} m / (1 - prod_{i<=t+1} u_i) + (1 - u_t) g / (1 - prod_{i<=t} u_i)
    p -= lr m_hat / (sqrt(v / (1 - b2^t)) + eps)
    """

    def __init__(self, learning_rate: Any = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, **kwargs)
        self._u_cache = (0, 1.0)  # (t, prod_{i<=t} u_i): a function of the step, so resuming needs no state

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.pop("amsgrad", None)
        return config

    def _keras_extra_state(self) -> list[tuple[str, Any]]:
        # Keras keeps the running product u_1 ... u_t as a variable; here it is a function of t.
        return [("u_product", xp.asarray(self._u_product(int(self.iterations)), dtype=xp.float32))]

    def _u(self, t: int) -> float:
        return self.beta_1 * (1.0 - 0.5 * 0.96**t)

    def _u_product(self, t: int) -> float:
        done, value = self._u_cache
        if done > t:
            done, value = 0, 1.0
        for i in range(done + 1, t + 1):  # one multiplication per step; a loop over steps only after a resume
            value *= self._u(i)
        self._u_cache = (t, value)
        return value

    def update(self, group: _Group, lr: Any, step: int) -> None:
        self._run_kernel(group, float(lr), step, group.params.dtype.type(0), per_variable=False)

    def _kernel_call(self, lr: float, step: int, dtype: Any) -> tuple[Any, tuple[str | None, ...], tuple[Any, ...]]:
        u_t, u_next = self._u(step), self._u(step + 1)
        prod_t = self._u_product(step)
        prod_next = prod_t * u_next
        return kernels.nadam, ("momentum", "velocity"), (
            dtype(1 - self.beta_1), dtype(1 - self.beta_2), dtype(u_next / (1 - prod_next)),
            dtype((1 - u_t) / (1 - prod_t)), dtype(1.0 / (1 - self.beta_2**step)), dtype(self.epsilon), dtype(lr))

    def _update_equations(self, lr: str) -> list[Equation]:
        b1, b2, eps = f"{self.beta_1:g}", f"{self.beta_2:g}", f"{self.epsilon:g}"
        return [Equation(f"m <- {b1} m + {1 - self.beta_1:g} g;  v <- {b2} v + {1 - self.beta_2:g} g^2",
                         rf"m \leftarrow {b1}\, m + {1 - self.beta_1:g}\, g,\ v \leftarrow {b2}\, v + {1 - self.beta_2:g}\, g^2"),
                Equation(f"u_t = {b1} (1 - 0.5 x 0.96^t);  P_t = u_1 u_2 ... u_t",
                         rf"u_t = {b1} (1 - 0.5 \cdot 0.96^t),\ P_t = \prod_{{i \le t}} u_i"),
                Equation("m_hat = u_(t+1) m / (1 - P_(t+1)) + (1 - u_t) g / (1 - P_t)",
                         r"\hat m = \frac{u_{t+1} m}{1 - P_{t+1}} + \frac{(1 - u_t) g}{1 - P_t}"),
                Equation(f"W <- W - {lr} m_hat / (sqrt(v / (1 - {b2}^t)) + {eps})",
                         rf"W \leftarrow W - {lr} \frac{{\hat m}}{{\sqrt{{v / (1 - {b2}^t)}} + {eps}}}")]
