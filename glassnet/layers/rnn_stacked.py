"""StackedRNNCells: several cells used as one, each step's output feeding the next cell (Keras' stacked RNN).

``RNN([cell_1, cell_2])`` wraps its list in this class.  The stack's state is the list of the cells'
states (``state_size = [cell_1.state_size, cell_2.state_size]``), its output the last cell's.
"""

from __future__ import annotations

from typing import Any

from .. import serialization
from ..explanation import Equation, Explanation
from .base import Layer
from .explaining import weight_params
from .rnn_cells import zero_states


def check_cell(cell: Any, owner: str) -> None:
    """Refuse, naming ``owner``, an object that cannot be a cell (no ``call`` or no ``state_size``)."""
    if not callable(getattr(cell, "call", None)):
        raise ValueError(f"{owner}: a cell needs a call(inputs, states) method, got {type(cell).__name__}")
    if getattr(cell, "state_size", None) is None:
        raise ValueError(f"{owner}: the cell {type(cell).__name__} has no state_size attribute (an int, or a list "
                         "of ints, one per state tensor); set self.state_size in its __init__")


def output_size_of(cell: Any) -> int:
    """The step output's features: ``cell.output_size``, else the size of its first state."""
    size = getattr(cell, "output_size", None)
    if size is None:
        size = cell.state_size
        while isinstance(size, (list, tuple)):
            size = size[0]
    return int(size)


def call_cell(cell: Any, inputs: Any, states: Any, training: Any) -> tuple[Any, Any]:
    """``cell(inputs, states)`` through ``Layer.__call__`` (builds, passes ``training`` if it takes it)."""
    if isinstance(cell, Layer):
        return cell(inputs, states, training=training)
    return cell.call(inputs, states)


def initial_state_of(cell: Any, batch_size: int, dtype: Any) -> Any:
    """The cell's ``get_initial_state(batch_size)`` when it has one, else zeros of its ``state_size``."""
    fn = getattr(cell, "get_initial_state", None)
    if callable(fn):
        return fn(batch_size=batch_size)
    return zero_states(cell.state_size, batch_size, dtype)


class StackedRNNCells(Layer):
    """Use ``cells`` as one cell: ``o_t = cell_n(... cell_1(x_t, s1_(t-1)) ...)``, states [s1, ..., sn].

    Parameters
    ----------
    cells : list of cells
        Each a layer with ``state_size`` and ``call(inputs, states)`` (SimpleRNNCell, LSTMCell...).

    Examples
    --------
    >>> import glassnet as keras
    >>> cells = keras.layers.StackedRNNCells([keras.layers.LSTMCell(4), keras.layers.GRUCell(2)])
    >>> keras.layers.RNN(cells)(keras.ops.ones((3, 5, 6))).shape
    (3, 2)
    """

    def __init__(self, cells: list[Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(cells, (list, tuple)) or not cells:
            raise ValueError(f"StackedRNNCells '{self.name}': cells must be a non-empty list of cells")
        for cell in cells:
            check_cell(cell, f"StackedRNNCells '{self.name}'")
        self.cells = list(cells)

    @property
    def state_size(self) -> list[Any]:
        """Each cell's state_size, in order."""
        return [c.state_size for c in self.cells]

    @property
    def output_size(self) -> int:
        """The last cell's output size."""
        return output_size_of(self.cells[-1])

    def build(self, input_shape: Any) -> None:
        shape = tuple(input_shape)
        for cell in self.cells:  # each cell reads the previous one's output
            if isinstance(cell, Layer) and not cell.built:
                cell._maybe_build(shape)
            shape = (shape[0], output_size_of(cell))
        self.built = True

    def get_initial_state(self, batch_size: int | None = None) -> list[Any]:
        """Each cell's initial states."""
        return [initial_state_of(c, int(batch_size or 1), self.dtype) for c in self.cells]

    def call(self, inputs: Any, states: Any, training: Any = None) -> tuple[Any, list[Any]]:
        new_states = []
        for cell, state in zip(self.cells, states):
            nested = isinstance(state, (list, tuple))
            inputs, state = call_cell(cell, inputs, list(state) if nested else [state], training)
            if not nested and isinstance(state, (list, tuple)) and len(state) == 1:
                state = state[0]  # a cell with one state keeps it unwrapped, as it came
            new_states.append(state)
        return inputs, new_states

    def _explain(self) -> Explanation:
        e = Explanation(self.name, "StackedRNNCells")
        for i, cell in enumerate(self.cells, 1):
            step = cell.explain()
            e.forward.append(Equation(f"cell {i} ({type(cell).__name__} '{cell.name}'): input = the output of cell "
                                      f"{i - 1}" if i > 1 else f"cell 1 ({type(cell).__name__} '{cell.name}'): x_t"))
            e.forward += [Equation("  " + eq.text, eq.latex) for eq in step.forward]
            e.backward += [Equation(f"  cell {i}: " + eq.text, eq.latex) for eq in step.backward]
            e.params += step.params if step.has_entry else weight_params(cell)
        e.notes.append("o_t = the last cell's output; the states are [states of cell 1, ..., states of cell n]")
        return e

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "cells": [serialization.serialize(c) for c in self.cells]}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "StackedRNNCells":
        config = dict(config)
        cells = [serialization.deserialize(c) for c in config.pop("cells")]
        return cls(cells, **config)
