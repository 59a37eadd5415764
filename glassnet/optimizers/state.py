"""An optimizer's training state as per-variable arrays: what saving stores and resuming restores."""

from __future__ import annotations

from typing import Any

from ..engine.tensor import Variable
from .packing import _Group


class OptimizerState:
    """Mixin of :class:`~glassnet.optimizers.Optimizer`: its slots read and written variable by variable."""

    _slot_names: tuple[str, ...] = ()
    _groups: list[_Group]
    iterations: int

    def build(self, variables: list[Variable]) -> None:
        """Pack ``variables`` and create the slots (defined by the optimizer)."""
        raise NotImplementedError

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
