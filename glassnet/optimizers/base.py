"""The optimizer base class: one fused update over all parameters at once.

On its first step an optimizer packs the variables it trains into one contiguous buffer per dtype and
re-points each variable at its slice of that buffer (a view, see ``packing.py``); slot variables
(momentum, Adam's m and v) are flat buffers of the same layout.  Each step then runs the update rule
over whole buffers, not weight by weight.

The common rules (SGD, Adam, AdamW, RMSprop) have a one-pass kernel (``kernels.py``).  When it runs
compiled, :meth:`Optimizer.apply` calls it once per variable on the gradient array the tape produced,
so nothing is copied and weight decay is folded into the same pass.  Otherwise (no numba,
``GLASSNET_JIT=0``, clipping, or a rule without a kernel) the gradients are copied into a twin
buffer, clipped, and the rule's NumPy reference runs over whole buffers, a dozen calls in all.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from typing import Any

from .. import backend, jit
from ..backend import xp
from ..checks import check_number
from ..engine.tensor import Tensor, Variable
from ..explanation import Equation, Explanation
from . import kernels, schedules
from .packing import _Group
from .state import OptimizerState

_FUSED: dict[type, bool] = {}  # per class: does update() run the fused kernel


class Optimizer(OptimizerState):
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
        self._positions: list[list[int]] = []
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
        # where each group's variables stand in the list apply() is given (the same list while _var_ids match)
        index = {id(v): i for i, v in enumerate(variables)}
        self._positions = [[index[id(v)] for v in group.variables] for group in self._groups]

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
        lr = self.learning_rate
        fused = self._fused_rule()
        clipping = self.clipnorm is not None or self.global_clipnorm is not None or self.clipvalue is not None
        # One compiled pass per variable, reading the tape's gradient where it lies: no copy into the
        # gradient buffer and no separate weight-decay pass.  Clipping needs all gradients first.
        direct = fused and not clipping and jit.enabled()
        missing = []
        for group, positions in zip(self._groups, self._positions):
            arrays = []
            for var, view, position in zip(group.variables, group.grad_views, positions):
                g = grads[position]
                if g is None:
                    view[...] = 0
                    missing.append(var.path)
                    arrays.append(view)
                    continue
                g = g.data if isinstance(g, Tensor) else g
                if direct and isinstance(g, xp.ndarray) and g.shape == view.shape and g.dtype == view.dtype:
                    arrays.append(g)
                else:
                    view[...] = g
                    arrays.append(view)
            group.grad_arrays = arrays
        if missing and not self._warned_missing:
            warnings.warn(f"Gradients do not exist for variables {missing} when minimizing the loss; "
                          "they are left unchanged by the gradient step", stacklevel=3)
            self._warned_missing = True
        if not direct:
            self._clip()
            for group in self._groups:
                group.grad_arrays = group.grad_views
        step = self.iterations + 1
        for group in self._groups:
            dtype = group.params.dtype.type
            decay = dtype(lr * self.weight_decay) if self.weight_decay else dtype(0)
            if direct:
                self._run_kernel(group, lr, step, decay, per_variable=True)
            elif fused:
                self._run_kernel(group, lr, step, decay, per_variable=False)
            else:
                if decay:
                    group.params -= decay * group.params
                self.update(group, dtype(lr), step)
            for var in group.variables:  # constraints project the updated weights, as in Keras
                if var.constraint is not None:
                    var.data[...] = var.constraint(var.data)
        self.iterations += 1

    # -- fused kernels (optimizers/kernels.py) -------------------------------------------------------
    def _kernel_call(self, lr: float, step: int, dtype: Any) -> tuple[Any, tuple[str | None, ...], tuple[Any, ...]]:
        """The fused kernel of this rule, the slots it takes (None: an unused placeholder) and the scalars
        after ``decay`` ... in the kernel's order.  Rules without a kernel do not define it."""
        raise NotImplementedError

    def _fused_rule(self) -> bool:
        """Whether :meth:`update` is the one-pass kernel of :meth:`_kernel_call` (not overridden below it)."""
        cls = type(self)
        known = _FUSED.get(cls)
        if known is None:
            def owner(name: str) -> type:
                return next(k for k in cls.__mro__ if name in vars(k))
            known = _FUSED[cls] = owner("_kernel_call") is owner("update") and owner("update") is not Optimizer
        return known

    def _run_kernel(self, group: _Group, lr: float, step: int, decay: Any, per_variable: bool) -> None:
        """Run the rule's kernel over the whole group, or variable by variable on the tape's gradients."""
        dtype = group.params.dtype.type
        kernel, slot_names, scalars = self._kernel_call(lr, step, dtype)
        tiny = kernels.flush_threshold(group.params.dtype)  # slots below it are set to 0 (subnormals)
        if not per_variable:
            slots = [group.tmp if n is None else group.slots[n] for n in slot_names]
            kernel(group.params, group.grads, *slots, group.tmp, decay, tiny, *scalars)
            return
        # The caller checked jit.enabled() once for the step; the compiled function is called directly
        # on slices made once per group (a Python-level call per variable costs microseconds that count
        # on small networks).
        compiled = jit.compiles(group.params.dtype)
        fn = kernel.compiled() if compiled else kernel.reference  # numba has no float16
        segments = group.segments.get(slot_names)
        if segments is None:
            segments = group.segments[slot_names] = [
                (group.params[lo:hi], *(group.tmp[lo:hi] if n is None else group.slots[n][lo:hi] for n in slot_names),
                 group.tmp[lo:hi]) for lo, hi in zip(group.offsets[:-1], group.offsets[1:])]
        # A large variable is cut over the threads the kernels may use (read only when there is one to cut).
        threads = jit.workers() if compiled and group.params.size >= kernels.SPLIT_MIN else 1
        for (p, *rest), g in zip(segments, group.grad_arrays):
            if threads < 2:  # nothing to cut: the call itself, without run_split's packing (~1 us a call)
                fn(p, g.reshape(-1), *rest, decay, tiny, *scalars)
            else:
                kernels.run_split(fn, (p, g.reshape(-1), *rest), (decay, tiny, *scalars), threads)

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

        The arrays are read-only views of exactly what the update rule used: the optimizer's gradient
        buffer after clipping, or, when the compiled kernels read the gradients where back-propagation
        left them, those arrays.  The next step replaces them.  Empty before the first step.  Reading
        them costs nothing, which is why callbacks watch training through them.
        """
        pairs = []
        for group in self._groups:
            for var, view in zip(group.variables, group.grad_arrays):
                ro = view.view()
                ro.flags.writeable = False
                pairs.append((var, ro))
        return pairs

    def last_gradient_norm(self) -> float:
        """The global L2 norm ``sqrt(sum_W ||dC/dW||^2)`` of the last step's gradients (0.0 before any step)."""
        total = 0.0
        for group in self._groups:
            for g in group.grad_arrays:
                flat = g.reshape(-1).astype(xp.float64)
                total += float(flat @ flat)
        return math.sqrt(total)

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

    # -- configuration ---------------------------------------------------------------------------
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
