"""``keras.layers.RNN(cell)``: any cell looped over the time steps of (batch, timesteps, features).

The loop is a Python loop over t (never over samples); each step calls the cell on x_t (batch, features)
and the previous states, so the tape records every step and back-propagation through time is the tape
walking them in reverse.  When the cell is exactly one of glassnet's SimpleRNNCell, LSTMCell or GRUCell
(and no dropout is active), the layer hands the whole sequence to the fused op SimpleRNN, LSTM and GRU
use (:mod:`glassnet.engine.ops.recurrent`), which computes the same numbers faster.

Masks (bool (batch, timesteps), from ``Embedding(mask_zero=True)``, ``Masking`` or ``mask=``) skip steps
as Keras does: a masked step keeps the states and outputs the previous output (zeros before the first kept
step), or zeros with ``zero_output_for_mask=True``.
"""

from __future__ import annotations

from typing import Any

from .. import activations as _activations
from .. import serialization, tree
from ..backend import xp
from ..engine.ops import math as m
from ..engine.ops import recurrent as rec
from ..engine.tensor import Tensor, as_tensor
from ..explanation import Explanation
from .base import InputSpec, Layer
from .rnn_cells import GRUCell, LSTMCell, SimpleRNNCell
from .rnn_explain import explain_rnn
from .rnn_stacked import StackedRNNCells, call_cell, check_cell, initial_state_of, output_size_of


def _pack(structure: Any, flat: list[Any]) -> Any:
    """``flat``'s leaves in the nesting of ``structure`` (lists), consumed in order."""
    leaves = iter(flat)

    def fill(s: Any) -> Any:
        return [fill(x) for x in s] if isinstance(s, (list, tuple)) else next(leaves)

    return fill(structure)


class RNN(Layer):
    """Loop ``cell`` over time: ``(o_t, s_t) = cell(x_t, s_(t-1))`` for t = 1..T.

    Parameters
    ----------
    cell : Layer or list of Layers
        Has ``state_size`` (an int, or a list with one int per state tensor), optionally ``output_size``,
        and ``call(inputs, states, training=None)`` returning ``(output, new_states)``.  A list is
        stacked (:class:`StackedRNNCells`).
    return_sequences : bool
        Output every step's o_t (batch, timesteps, output_size) instead of the last (batch, output_size).
    return_state : bool
        Also return the final states (after the output).
    go_backwards : bool
        Read the sequence from its end (the outputs come in that order).
    stateful : bool
        Keep the final states as the next batch's initial states (until ``reset_states()``).
    unroll : bool
        Accepted for Keras compatibility; the loop is always a Python loop here.
    zero_output_for_mask : bool
        A masked step outputs zeros instead of repeating the previous output.

    Examples
    --------
    >>> import glassnet as keras
    >>> rnn = keras.layers.RNN(keras.layers.SimpleRNNCell(4), return_sequences=True)
    >>> rnn(keras.ops.ones((2, 5, 3))).shape
    (2, 5, 4)
    >>> stacked = keras.layers.RNN([keras.layers.LSTMCell(4), keras.layers.LSTMCell(2)])
    >>> stacked(keras.ops.ones((2, 5, 3))).shape
    (2, 2)
    """

    supports_masking = True

    def __init__(self, cell: Any, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 zero_output_for_mask: bool = False, **kwargs: Any) -> None:
        kwargs.pop("time_major", None)  # Keras 2; inputs here are always (batch, timesteps, features)
        super().__init__(**kwargs)
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(list(cell))
        check_cell(cell, f"RNN '{self.name}'")
        if not isinstance(cell.state_size, (int, list, tuple)):
            raise ValueError(f"RNN '{self.name}': the cell's state_size must be an int or a list of ints, got "
                             f"{cell.state_size!r}")
        self.cell = cell
        self.return_sequences, self.return_state = bool(return_sequences), bool(return_state)
        self.go_backwards, self.stateful, self.unroll = bool(go_backwards), bool(stateful), bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self._kept_states: list[Any] | None = None
        self._allow_fused = True  # tests switch the fused path off to check the generic loop against it
        self.input_spec = InputSpec(ndim=3)

    @property
    def state_size(self) -> list[Any]:
        """The cell's state sizes as a list (one entry per state; a stacked cell's entries are lists)."""
        size = self.cell.state_size
        return list(size) if isinstance(size, (list, tuple)) else [size]

    @property
    def _state_names(self) -> tuple[str, ...]:  # what Bidirectional counts to split initial states
        return tuple(f"state_{i}" for i in range(len(self.state_size)))

    # -- build -----------------------------------------------------------------------------------
    def build(self, input_shape: Any) -> None:
        if not isinstance(input_shape, tuple) or len(input_shape) != 3 or input_shape[-1] is None:
            raise ValueError(f"RNN '{self.name}' expects inputs of shape (batch, timesteps, features) with known "
                             f"features, got {input_shape}")
        step_shape = (None, input_shape[-1])
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell._maybe_build(step_shape)
        self.input_spec = InputSpec(ndim=3, axes={-1: input_shape[-1]})
        self.built = True

    # -- states ----------------------------------------------------------------------------------
    def get_initial_state(self, batch_size: int) -> list[Any]:
        """The states a sequence starts from: the cell's ``get_initial_state``, else zeros."""
        state = initial_state_of(self.cell, batch_size, self.cell.dtype if isinstance(self.cell, Layer) else
                                 self.dtype)
        return list(state) if isinstance(state, (list, tuple)) else [state]

    def _start_states(self, initial_state: Any, batch: int, dtype: Any) -> Any:
        """The starting states, in the nesting of ``get_initial_state``, checked against the state sizes."""
        default = self.get_initial_state(batch)
        flat_default = tree.flatten(default)
        given = initial_state
        if given is None and self.stateful and self._kept_states is not None \
                and self._kept_states[0].shape[0] == batch:
            given = self._kept_states
        if given is None:
            return default
        flat = [as_tensor(s) for s in tree.flatten(list(given) if isinstance(given, (list, tuple)) else [given])]
        if len(flat) != len(flat_default):
            raise ValueError(f"RNN '{self.name}': initial_state must be {len(flat_default)} tensor(s) (the cell's "
                             f"state_size is {self.cell.state_size}), got {len(flat)}")
        for i, (s, d) in enumerate(zip(flat, flat_default)):
            if tuple(s.shape) != tuple(d.shape):
                raise ValueError(f"RNN '{self.name}': initial_state[{i}] has shape {tuple(s.shape)}, expected "
                                 f"{tuple(d.shape)} (batch, state_size)")
        flat = [s if s.dtype == dtype else m.cast(s, dtype) for s in flat]  # float64 arrays into a float32 layer
        return _pack(default, flat)

    def reset_states(self, states: Any = None) -> None:
        """Forget the kept states of a ``stateful`` layer (the next batch starts from zeros, or ``states``)."""
        self._kept_states = None if states is None else [
            xp.asarray(s.data if isinstance(s, Tensor) else s)
            for s in tree.flatten(list(states) if isinstance(states, (list, tuple)) else [states])]

    reset_state = reset_states

    @property
    def states(self) -> list[Any] | None:
        """The states a ``stateful`` layer carries to its next batch (``None`` before the first one)."""
        return self._kept_states

    # -- call ------------------------------------------------------------------------------------
    def call(self, sequences: Any, initial_state: Any = None, mask: Any = None, training: Any = None) -> Any:
        x = as_tensor(sequences)
        batch, steps = x.shape[0], x.shape[1]
        if steps == 0:
            raise ValueError(f"RNN '{self.name}': the sequence has no time steps (shape {x.shape})")
        if mask is not None:
            mask = xp.asarray(mask.data if isinstance(mask, Tensor) else mask).astype(bool)
            if mask.shape != (batch, steps):
                raise ValueError(f"RNN '{self.name}': mask must have shape (batch, timesteps) = {(batch, steps)}, "
                                 f"got {mask.shape}")
        states = self._start_states(initial_state, batch, x.dtype)
        self._reset_dropout_masks(self.cell)
        try:
            op = self._fused_op(training, mask)
            out, final = op(x, states, mask) if op is not None else self._loop(x, states, mask, training)
        finally:
            self._reset_dropout_masks(self.cell)  # the next sequence draws its own masks (Keras)
        if self.stateful:  # Keras: the last states start the next batch, until reset_states()
            self._kept_states = [s.data.copy() for s in tree.flatten(final)]
        return [out, *final] if self.return_state else out

    def _loop(self, x: Tensor, states: Any, mask: Any, training: Any) -> tuple[Tensor, list[Any]]:
        """The generic path: the cell called once per step, masked steps carried through."""
        steps = x.shape[1]
        flat = tree.flatten(states)
        outputs: list[Tensor] = []
        previous: Tensor | None = None
        for t in (range(steps - 1, -1, -1) if self.go_backwards else range(steps)):
            out, new = call_cell(self.cell, x[:, t], states, training)
            out = as_tensor(out)
            new_flat = [as_tensor(s) for s in tree.flatten(new if isinstance(new, (list, tuple)) else [new])]
            if len(new_flat) != len(flat):
                raise ValueError(f"RNN '{self.name}': the cell {type(self.cell).__name__} returned {len(new_flat)} "
                                 f"state tensor(s) for {len(flat)} given (its state_size is {self.cell.state_size})")
            if mask is not None:
                keep = mask[:, t:t + 1]  # (batch, 1): broadcast over features
                if self.zero_output_for_mask or previous is None:
                    previous = m.zeros_like(out)
                out = m.where(keep, out, previous)
                new_flat = [m.where(keep, n, s) for n, s in zip(new_flat, flat)]
            flat, previous = new_flat, out
            states = _pack(states, flat)
            if self.return_sequences:
                outputs.append(out)
        result = m.stack(outputs, axis=1) if self.return_sequences else previous
        return result, list(states)

    def _fused_op(self, training: Any, mask: Any) -> Any:
        """The engine op computing the whole sequence for a built-in cell, or ``None`` (generic loop)."""
        cell = self.cell
        kind = type(cell)
        if not self._allow_fused or kind not in (SimpleRNNCell, LSTMCell, GRUCell):
            return None
        if (training and (cell.dropout > 0 or cell.recurrent_dropout > 0)) or getattr(cell, "reset_after", True) \
                is not True or (self.zero_output_for_mask and mask is not None):
            return None
        names = [_activations.serialize(cell.activation), _activations.serialize(cell.recurrent_activation)]
        if any(n not in rec.ACTIVATIONS for n in names):
            return None
        args = {"go_backwards": self.go_backwards, "return_sequences": self.return_sequences,
                "activation": names[0], "state_gradients": self.return_state, "owner": f"RNN '{self.name}'"}
        w = (cell.kernel, cell.recurrent_kernel, cell.bias)

        def run(x: Tensor, states: list[Any], mask: Any) -> tuple[Tensor, list[Any]]:
            if kind is SimpleRNNCell:
                return rec.simple_rnn(x, *w, states[0], mask=mask, **args)
            if kind is LSTMCell:
                return rec.lstm(x, *w, list(states), mask=mask, recurrent_activation=names[1], **args)
            return rec.gru(x, *w, states[0], mask=mask, recurrent_activation=names[1], **args)

        return run

    @staticmethod
    def _reset_dropout_masks(cell: Any) -> None:
        for c in getattr(cell, "cells", [cell]):
            for reset in ("reset_dropout_mask", "reset_recurrent_dropout_mask"):
                if callable(getattr(c, reset, None)):
                    getattr(c, reset)()

    # -- masks, shapes, equations, config --------------------------------------------------------
    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """The input mask for ``return_sequences`` (one per step), else ``None``; states carry none."""
        mask = mask[0] if isinstance(mask, (list, tuple)) else mask
        out = mask if self.return_sequences else None
        return [out] + [None] * len(self.state_size) if self.return_state else out

    def compute_output_shape(self, input_shape: Any) -> Any:
        batch, steps = input_shape[0], input_shape[1]
        size = output_size_of(self.cell)
        out = (batch, steps, size) if self.return_sequences else (batch, size)
        if not self.return_state:
            return out

        def shapes(s: Any) -> Any:
            return [shapes(x) for x in s] if isinstance(s, (list, tuple)) else (batch, int(s))

        return [out, *shapes(self.state_size)]

    def _explain(self) -> Explanation:
        return explain_rnn(self)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "return_sequences": self.return_sequences, "return_state": self.return_state,
                "go_backwards": self.go_backwards, "stateful": self.stateful, "unroll": self.unroll,
                "zero_output_for_mask": self.zero_output_for_mask, "cell": serialization.serialize(self.cell)}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "RNN":
        config = dict(config)
        cell = serialization.deserialize(config.pop("cell"))
        return cls(cell, **config)
