"""The optimizer base class: one fused update over all parameters at once.

On its first step an optimizer packs the variables it trains into one
contiguous buffer per dtype and re-points each variable at its slice of that
buffer (a view).  Gradients are copied into a twin buffer, and every update
rule (SGD, Adam, ...) then runs as a dozen NumPy calls over the whole buffer
instead of a dozen per weight: this is what makes a step cheap.  Slot
variables (momentum, Adam's m and v) are flat buffers of the same layout.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from typing import Any

from .. import backend
from ..backend import xp
from ..checks import check_number
from ..engine.tensor import Variable
from ..explanation import Equation, Explanation
from . import schedules


class _Group:
    """Variables of one dtype packed into one buffer, with their gradient and slot buffers."""

    def __init__(self, variables: list[Variable]) -> None:
        self.variables = variables
        dtype = variables[0].dtype
        sizes = [v.data.size for v in variables]
        self.offsets = [0]
        for n in sizes:
            self.offsets.append(self.offsets[-1] + n)
        self.params = xp.empty(self.offsets[-1], dtype=dtype)
        self.grads = xp.zeros_like(self.params)
        self.tmp = xp.empty_like(self.params)
        for i, var in enumerate(variables):
            view = self.params[self.offsets[i]:self.offsets[i + 1]].reshape(var.shape)
            view[...] = var.data
            var.data = view  # the variable now lives inside the flat buffer
        self.grad_views = [self.grads[self.offsets[i]:self.offsets[i + 1]].reshape(v.shape)
                           for i, v in enumerate(variables)]
        self.slots: dict[str, Any] = {}

    def slot_views(self, name: str) -> list[Any]:
        flat = self.slots[name]
        return [flat[self.offsets[i]:self.offsets[i + 1]].reshape(v.shape) for i, v in enumerate(self.variables)]

    def still_packed(self) -> bool:
        return all(v.data.base is self.params for v in self.variables)


class Optimizer:
    """Base class of optimizers (Keras' arguments and semantics).

    Parameters
    ----------
    learning_rate : float or LearningRateSchedule
        Step size, or a schedule evaluated at each step.
    weight_decay : float, optional
        Decoupled weight decay: w -= lr * weight_decay * w before each update.
    clipnorm : float, optional
        Clip each gradient to this L2 norm.
    clipvalue : float, optional
        Clip each gradient element to [-clipvalue, clipvalue].
    global_clipnorm : float, optional
        Clip all gradients together to this global L2 norm.
    """

    _slot_names: tuple[str, ...] = ()

    def __init__(self, learning_rate: Any = 0.001, weight_decay: float | None = None,
                 clipnorm: float | None = None, clipvalue: float | None = None,
                 global_clipnorm: float | None = None, name: str | None = None, **kwargs: Any) -> None:
        if "lr" in kwargs:  # Keras 2 spelling
            learning_rate = kwargs.pop("lr")
        who = type(self).__name__
        self.decay = check_number(kwargs.pop("decay", 0.0) or 0.0, "decay", who, low=0)  # Keras 2 time-based decay
        for ignored in ("use_ema", "ema_momentum", "ema_overwrite_frequency", "loss_scale_factor",
                        "gradient_accumulation_steps", "amsgrad_", "jit_compile"):
            kwargs.pop(ignored, None)
        if kwargs:
            raise TypeError(f"{type(self).__name__}: unexpected keyword argument(s) {', '.join(sorted(kwargs))}")
        if clipnorm is not None and global_clipnorm is not None:
            raise ValueError(f"{who}: pass at most one of clipnorm and global_clipnorm")
        self.name = name or type(self).__name__.lower()
        self.learning_rate = learning_rate  # the setter checks it
        self.weight_decay = check_number(weight_decay, "weight_decay", who, low=0, optional=True)
        self.clipnorm, self.clipvalue, self.global_clipnorm = (
            check_number(value, arg, who, low=0, low_open=True, optional=True)
            for value, arg in ((clipnorm, "clipnorm"), (clipvalue, "clipvalue"), (global_clipnorm, "global_clipnorm")))
        self.iterations = 0
        self._groups: list[_Group] = []
        self._var_ids: tuple[int, ...] = ()
        self._warned_missing = False

    # -- learning rate ------------------------------------------------------------------------
    @property
    def learning_rate(self) -> float:
        """The learning rate of the next step (a schedule is evaluated at ``iterations``)."""
        lr = self._learning_rate
        value = lr(self.iterations) if isinstance(lr, schedules.LearningRateSchedule) else lr
        if self.decay:
            value = value / (1.0 + self.decay * self.iterations)
        return float(value)

    @learning_rate.setter
    def learning_rate(self, value: Any) -> None:
        # Checked here, so a callback (ReduceLROnPlateau, a scheduler) setting a bad rate is named too.
        self._learning_rate = value if isinstance(value, schedules.LearningRateSchedule) else check_number(
            value, "learning_rate", type(self).__name__, low=0, expected="a number >= 0 or a LearningRateSchedule")

    lr = learning_rate

    # -- building -----------------------------------------------------------------------------
    def build(self, variables: list[Variable]) -> None:
        """Pack ``variables`` into flat buffers (one per dtype) and create the slot buffers."""
        by_dtype: dict[Any, list[Variable]] = {}
        for v in variables:
            by_dtype.setdefault(v.dtype, []).append(v)
        self._groups = [_Group(vs) for vs in by_dtype.values()]
        for group in self._groups:
            for name in self._slot_names:
                group.slots[name] = self._initial_slot(name, group.params)
        self._var_ids = tuple(id(v) for v in variables)

    def _initial_slot(self, name: str, params: Any) -> Any:
        return xp.zeros_like(params)

    @property
    def built(self) -> bool:
        return bool(self._groups)

    @property
    def variables(self) -> list[Variable]:
        """The optimizer's state (iteration count, then each slot per trained variable)."""
        out = [Variable(xp.asarray(self.iterations, dtype=xp.int64), trainable=False, name="iteration")]
        for name in self._slot_names:
            for group in self._groups:
                for var, view in zip(group.variables, group.slot_views(name)):
                    slot = Variable(view, trainable=False, name=f"{var.path}_{name}")
                    out.append(slot)
        return out

    def count_params(self) -> int:
        """Scalars of optimizer state (shown by ``summary`` after training, as Keras does)."""
        # Keras counts the iteration counter and the learning rate as two optimizer variables.
        return 2 + sum(int(g.params.size) * len(self._slot_names) for g in self._groups) if self._groups else 0

    # -- applying gradients -------------------------------------------------------------------
    def apply_gradients(self, grads_and_vars: Iterable[tuple[Any, Variable]]) -> None:
        """Apply one update: ``optimizer.apply_gradients(zip(grads, model.trainable_variables))``."""
        pairs = list(grads_and_vars)
        self.apply([g for g, _ in pairs], [v for _, v in pairs])

    def apply(self, grads: list[Any], variables: list[Variable] | None = None) -> None:
        """Apply one update of ``grads`` to ``variables`` (same order)."""
        if variables is None:
            variables = [v for g in self._groups for v in g.variables]
        variables = list(variables)
        if len(grads) != len(variables):
            raise ValueError(f"{type(self).__name__}: got {len(grads)} gradients for {len(variables)} variables")
        if tuple(id(v) for v in variables) != self._var_ids or not all(g.still_packed() for g in self._groups):
            self._repack(variables)
        index = {id(v): i for i, v in enumerate(variables)}
        missing = []
        for group in self._groups:
            for var, view in zip(group.variables, group.grad_views):
                g = grads[index[id(var)]]
                if g is None:
                    view[...] = 0
                    missing.append(var.path)
                else:
                    view[...] = getattr(g, "data", g)
        if missing and not self._warned_missing:
            warnings.warn(f"Gradients do not exist for variables {missing} when minimizing the loss; "
                          "they are left unchanged by the gradient step", stacklevel=3)
            self._warned_missing = True
        lr = self.learning_rate
        self._clip()
        for group in self._groups:
            dtype = group.params.dtype.type
            if self.weight_decay:
                group.params -= dtype(lr * self.weight_decay) * group.params
            self.update(group, dtype(lr), self.iterations + 1)
            for var in group.variables:  # constraints project the updated weights, as in Keras
                if var.constraint is not None:
                    var.data[...] = var.constraint(var.data)
        self.iterations += 1

    def _repack(self, variables: list[Variable]) -> None:
        if self._groups and self.iterations:
            old = {id(v): (g, i) for g in self._groups for i, v in enumerate(g.variables)}
            saved = {name: {vid: g.slot_views(name)[i].copy() for vid, (g, i) in old.items()}
                     for name in self._slot_names}
            self.build(variables)
            for name in self._slot_names:  # carry the slots of variables that were already trained
                for group in self._groups:
                    for var, view in zip(group.variables, group.slot_views(name)):
                        if id(var) in saved[name]:
                            view[...] = saved[name][id(var)]
        else:
            self.build(variables)

    def _clip(self) -> None:
        # As Keras: one kind of clipping only, in the order clipnorm, global_clipnorm, clipvalue.
        if self.clipnorm is not None:
            for group in self._groups:
                for view in group.grad_views:
                    norm = float(xp.sqrt((view * view).sum()))
                    if norm > self.clipnorm:
                        view *= self.clipnorm / norm
        elif self.global_clipnorm is not None:
            norm = math.sqrt(sum(float(g.grads @ g.grads) for g in self._groups))
            if norm > self.global_clipnorm:
                for group in self._groups:
                    group.grads *= self.global_clipnorm / norm
        elif self.clipvalue is not None:
            for group in self._groups:
                xp.clip(group.grads, -self.clipvalue, self.clipvalue, out=group.grads)

    # -- what the last step saw (read by callbacks.Inspector, the gradient stop and the doctor) ----
    def last_gradients(self) -> list[tuple[Variable, Any]]:
        """The gradients of the last step, one ``(variable, array)`` pair per trained variable.

        The arrays are read-only views of the optimizer's gradient buffer after clipping, i.e.
        exactly what the update rule used; the next step overwrites them.  Empty before the first
        step.  Reading them costs nothing, which is why callbacks watch training through them.
        """
        pairs = []
        for group in self._groups:
            for var, view in zip(group.variables, group.grad_views):
                ro = view.view()
                ro.flags.writeable = False
                pairs.append((var, ro))
        return pairs

    def last_gradient_norm(self) -> float:
        """The global L2 norm ``sqrt(sum_W ||dC/dW||^2)`` of the last step's gradients (0.0 before any step)."""
        return math.sqrt(sum(float(g.grads.astype(xp.float64) @ g.grads.astype(xp.float64)) for g in self._groups))

    def update(self, group: _Group, lr: Any, step: int) -> None:
        """The update rule on flat buffers: ``group.params``, ``group.grads``, ``group.slots``."""
        raise NotImplementedError

    def _update_equations(self, lr: str) -> list[Equation]:
        """The rule of :meth:`update` in the course's notation, with learning rate ``lr`` and this optimizer's
        constants; each rule writes its own next to its ``update``."""
        return []

    def explain(self) -> Explanation:
        """The gradient-descent step this optimizer applies to every trainable weight W, with its numbers.

        ``print(optimizer.explain())``; ``model.explain()`` ends with it.
        """
        lr = f"{self.learning_rate:g}"
        e = Explanation(self.name, type(self).__name__, inputs=(), output="", counts_params=False,
                        titles=("gradient", "update (step t = 1, 2, ...)"))
        e.forward.append(Equation("g = dC/dW, from back-propagation, for every trainable weight W",
                                  r"g = \partial C / \partial W"))
        if self.clipnorm is not None:
            e.forward.append(Equation(f"g <- g min(1, {self.clipnorm:g} / ||g||)   (each weight's gradient)",
                                      rf"g \leftarrow g \min(1, {self.clipnorm:g} / \|g\|)"))
        elif self.global_clipnorm is not None:
            e.forward.append(Equation(f"g <- g min(1, {self.global_clipnorm:g} / ||all gradients||)",
                                      rf"g \leftarrow g \min(1, {self.global_clipnorm:g} / \|g_{{all}}\|)"))
        elif self.clipvalue is not None:
            e.forward.append(Equation(f"g <- clip(g, -{self.clipvalue:g}, {self.clipvalue:g})",
                                      rf"g \leftarrow \mathrm{{clip}}(g, -{self.clipvalue:g}, {self.clipvalue:g})"))
        if self.weight_decay:
            wd = self.weight_decay
            e.backward.append(Equation(f"W <- W - {lr} x {wd:g} W   (decoupled weight decay, before the step)",
                                       rf"W \leftarrow W - {lr} \cdot {wd:g}\, W"))
        rule = self._update_equations(lr)
        e.backward += rule
        if not rule:
            e.has_entry = False
            e.notes.append(f"{type(self).__name__} states no update equations: define `_update_equations(self, lr)` "
                           "next to its update() (SGD's is an example)")
        e.notes.append(f"learning rate lr = {lr}: the size of each step against the gradient")
        if isinstance(self._learning_rate, schedules.LearningRateSchedule):
            e.notes.append(f"the learning rate follows {type(self._learning_rate).__name__}: {lr} at step "
                           f"{self.iterations}")
        if self.decay:
            e.notes.append(f"Keras 2 decay: lr_t = lr / (1 + {self.decay:g} t), {lr} now")
        if self._slot_names:
            e.notes.append(f"kept for each weight, shaped like W: {', '.join(self._slot_names)}")
        return e

    def minimize(self, loss_fn: Any, var_list: list[Variable]) -> None:
        """Compute the gradient of ``loss_fn()`` and apply one step to ``var_list``."""
        from ..engine.tensor import GradientTape

        with GradientTape() as tape:
            loss = loss_fn()
        self.apply(tape.gradient(loss, var_list), var_list)

    # -- state and configuration --------------------------------------------------------------
    def _keras_state_layout(self) -> list[tuple[str, ...]]:
        """How Keras 3 orders this optimizer's slots in a saved file (after ``iterations`` and the rate).

        One tuple per group of slots Keras creates together: the slots of a group are interleaved
        variable by variable (Adam: m_0, v_0, m_1, v_1...), groups follow one another.  By default
        each slot is its own group, in ``_slot_names`` order.
        """
        return [(name,) for name in self._slot_names]

    def _keras_extra_state(self) -> list[tuple[str, Any]]:
        """Scalars Keras 3 stores after the slots (Nadam's momentum-schedule product); none here."""
        return []

    def get_slot_arrays(self) -> dict[str, list[Any]]:
        """Per-variable copies of each slot, in the order the variables were given."""
        return {name: [view.copy() for g in self._groups for view in g.slot_views(name)]
                for name in self._slot_names}

    def get_state(self, variables: list[Variable]) -> dict[str, Any]:
        """The training state, with slots listed in the order of ``variables`` (what saving stores).

        Returns ``{"iterations": int, "slots": {slot_name: [array per variable]}}``; slots are
        empty before the first step.
        """
        where = {id(v): (g, i) for g in self._groups for i, v in enumerate(g.variables)}
        slots: dict[str, list[Any]] = {}
        if self._groups and all(id(v) in where for v in variables):
            for name in self._slot_names:
                slots[name] = [where[id(v)][0].slot_views(name)[where[id(v)][1]].copy() for v in variables]
        return {"iterations": int(self.iterations), "slots": slots}

    def set_state(self, variables: list[Variable], state: dict[str, Any]) -> None:
        """Restore :meth:`get_state` output for ``variables``, so the next step continues the run.

        The variables are packed now (as the first ``apply`` would), then the slots are copied in.
        Every shape is checked before anything changes.
        """
        slots = state.get("slots") or {}
        unknown = sorted(set(slots) - set(self._slot_names))
        if unknown:
            raise ValueError(f"{type(self).__name__} has no slot(s) {unknown}; its slots are {list(self._slot_names)}")
        for name, arrays in slots.items():
            if len(arrays) != len(variables):
                raise ValueError(f"{type(self).__name__}: slot '{name}' holds {len(arrays)} arrays for "
                                 f"{len(variables)} trainable variables")
            for var, arr in zip(variables, arrays):
                if tuple(arr.shape) != tuple(var.shape):
                    raise ValueError(f"{type(self).__name__}: slot '{name}' of '{var.path}' has shape "
                                     f"{tuple(arr.shape)}, the variable has shape {tuple(var.shape)}")
        self.iterations = int(state.get("iterations", 0))
        if not slots:
            return
        self.build(list(variables))
        index = {id(v): i for i, v in enumerate(variables)}
        for name, arrays in slots.items():
            for group in self._groups:
                for var, view in zip(group.variables, group.slot_views(name)):
                    view[...] = arrays[index[id(var)]]

    def get_config(self) -> dict[str, Any]:
        lr = self._learning_rate
        return {
            "name": self.name,
            "learning_rate": schedules.serialize(lr) if isinstance(lr, schedules.LearningRateSchedule) else lr,
            "weight_decay": self.weight_decay, "clipnorm": self.clipnorm, "clipvalue": self.clipvalue,
            "global_clipnorm": self.global_clipnorm,
            **({"decay": self.decay} if self.decay else {}),  # Keras 2's time-based decay, when used
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Optimizer":
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.get(config["learning_rate"])
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} learning_rate={self.learning_rate:g} iterations={self.iterations}>"


def floatx_scalar(value: float) -> Any:
    """A scalar of the default float type (keeps float32 arithmetic in float32)."""
    return xp.dtype(backend.floatx()).type(value)
