"""SimpleRNN, LSTM and GRU: layers that read a sequence (batch, timesteps, features) step by step.

Each layer owns its weights (in a ``cell`` sublayer, so saved files group them as Keras 3 does:
``lstm/cell/vars/0..2`` = kernel, recurrent_kernel, bias), its options and its equations; the
whole-sequence forward and back-propagation through time live in :mod:`glassnet.engine.ops.recurrent`.

Masks: a mask (bool, (batch, timesteps)) skips steps as Keras does.  It arrives on its own from
``Embedding(mask_zero=True)`` or ``Masking`` (or as ``mask=``); with ``return_sequences`` the layer
passes it on, otherwise the mask ends here.
"""

from __future__ import annotations

from typing import Any

from .. import activations as _activations
from .. import backend
from ..backend import rng, xp
from ..checks import check_integer, check_number
from ..engine.ops import nn
from ..engine.ops import recurrent as rec
from ..engine.tensor import as_tensor
from ..explanation import Explanation, Param
from .base import InputSpec, Layer
from .recurrent_explain import explain_recurrent
from .weight_options import set_weight_options, weight_options_config

_OPTIONS = ("kernel_initializer", "recurrent_initializer", "bias_initializer", "kernel_regularizer",
            "recurrent_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint",
            "recurrent_constraint", "bias_constraint")


class RecurrentCell(Layer):
    """Holds a recurrent layer's three weights, under the name Keras 3 saves them (``cell``)."""


class _Recurrent(Layer):
    """What SimpleRNN, LSTM and GRU share: options, weights, dropout, states, config and shapes.

    Subclasses set ``_gates`` (columns per unit of the kernel), ``_states`` (h, or h and c) and
    ``_run`` (the engine op).  The arguments are documented once, on :class:`LSTM`.
    """

    _gates = 1
    _state_names: tuple[str, ...] = ("h",)
    supports_masking = True

    def __init__(self, units: int, activation: Any = "tanh", recurrent_activation: Any = "sigmoid",
                 use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, recurrent_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, kernel_constraint: Any = None, recurrent_constraint: Any = None,
                 bias_constraint: Any = None, dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 return_sequences: bool = False, return_state: bool = False, go_backwards: bool = False,
                 stateful: bool = False, unroll: bool = False, seed: int | None = None, **kwargs: Any) -> None:
        kwargs.pop("time_major", None)  # Keras 2; inputs here are always (batch, timesteps, features)
        zero_output_for_mask = kwargs.pop("zero_output_for_mask", False)  # in Keras 3 configs
        super().__init__(**kwargs)
        who = f"{type(self).__name__} '{self.name}'"
        if zero_output_for_mask:
            raise ValueError(f"{who}: zero_output_for_mask=True is not implemented (a masked step repeats the "
                             "previous output, Keras' default)")
        self.units = check_integer(units, "units", who)
        self.activation = self._activation(activation, "activation", who)
        self.recurrent_activation = self._activation(recurrent_activation, "recurrent_activation", who)
        self.use_bias = bool(use_bias)
        set_weight_options(self, kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
                           bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                           recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                           activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
                           recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint)
        # rate 1 would divide the kept units by 1 - rate = 0
        self.dropout = check_number(dropout, "dropout", who, low=0, high=1, high_open=True)
        self.recurrent_dropout = check_number(recurrent_dropout, "recurrent_dropout", who, low=0, high=1,
                                              high_open=True)
        self.return_sequences, self.return_state = bool(return_sequences), bool(return_state)
        self.go_backwards, self.stateful, self.unroll = bool(go_backwards), bool(stateful), bool(unroll)
        self.seed = check_integer(seed, "seed", who, low=0, optional=True)
        self._generator = backend.default_rng(seed) if seed is not None else None
        self._kept_states: list[Any] | None = None
        self.input_spec = InputSpec(ndim=3)

    @staticmethod
    def _activation(value: Any, argument: str, who: str) -> str:
        name = _activations.serialize(_activations.get(value))
        if name not in rec.ACTIVATIONS:
            raise ValueError(f"{who}: {argument}={name!r} is not available in a recurrent layer (its derivative "
                             f"is written from its output); choose one of {', '.join(sorted(rec.ACTIVATIONS))}")
        return name

    # -- weights --------------------------------------------------------------------------------
    def _bias_shape(self) -> tuple[int, ...]:
        return (self._gates * self.units,)

    def build(self, input_shape: Any) -> None:
        if not isinstance(input_shape, tuple) or len(input_shape) != 3 or input_shape[-1] is None:
            raise ValueError(f"{type(self).__name__} '{self.name}' expects inputs of shape (batch, timesteps, "
                             f"features) with known features, got {input_shape}")
        ku = self._gates * self.units
        self.cell = RecurrentCell(name=f"{self.name}_cell", dtype=self.dtype)
        add = self.cell.add_weight
        # Set without Layer's tracking: the weights belong to the cell (saved under cell/vars, as Keras 3).
        object.__setattr__(self, "kernel", add((input_shape[-1], ku), self.kernel_initializer, name="kernel",
                                               regularizer=self.kernel_regularizer, constraint=self.kernel_constraint))
        object.__setattr__(self, "recurrent_kernel", add((self.units, ku), self.recurrent_initializer,
                                                         name="recurrent_kernel", regularizer=self.recurrent_regularizer,
                                                         constraint=self.recurrent_constraint))
        bias = None
        if self.use_bias:
            bias = add(self._bias_shape(), self.bias_initializer, regularizer=self.bias_regularizer,
                       constraint=self.bias_constraint, name="bias")
        object.__setattr__(self, "bias", bias)
        if bias is not None:
            self._init_bias()
        self.cell.built = True
        self.input_spec = InputSpec(ndim=3, axes={-1: input_shape[-1]})
        self.built = True

    def _init_bias(self) -> None:
        """Adjust the freshly initialised bias (LSTM's unit_forget_bias)."""

    # -- call -----------------------------------------------------------------------------------
    def call(self, inputs: Any, mask: Any = None, training: Any = None, initial_state: Any = None) -> Any:
        x = as_tensor(inputs)
        batch = x.shape[0]
        gen = self._generator
        if training and self.dropout > 0:  # one input mask per sequence, the same at every step (Keras)
            x = nn.dropout(x, self.dropout, (batch, 1, x.shape[-1]), gen)
        rmask = None
        if training and self.recurrent_dropout > 0:
            keep = backend.to_array((gen or rng()).random((batch, self.units)) >= self.recurrent_dropout)
            rmask = (keep / (1 - self.recurrent_dropout)).astype(x.dtype)
        states = self._initial_states(initial_state, batch)
        out, final = self._run(x, states, mask, rmask)
        if self.stateful:  # Keras: the last states start the next batch, until reset_states()
            self._kept_states = [s.data.copy() for s in final]
        self.add_activity_loss(out)  # divided by the batch size, as in Keras 3
        return [out, *final] if self.return_state else out

    def _initial_states(self, initial_state: Any, batch: int) -> Any:
        n = len(self._state_names)
        if initial_state is not None:
            states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
            if len(states) != n:
                raise ValueError(f"{type(self).__name__} '{self.name}': initial_state must be {n} tensor(s) "
                                 f"({', '.join(self._state_names)}), got {len(states)}")
            return states
        kept = self._kept_states
        if self.stateful and kept is not None and kept[0].shape[0] == batch:
            return kept
        return None

    def reset_states(self, states: Any = None) -> None:
        """Forget the kept states of a ``stateful`` layer (the next batch starts from zeros, or ``states``)."""
        self._kept_states = None if states is None else [xp.asarray(s) for s in
                                                          (states if isinstance(states, (list, tuple)) else [states])]

    reset_state = reset_states

    @property
    def states(self) -> list[Any] | None:
        """The states a ``stateful`` layer carries to its next batch (``None`` before the first one)."""
        return self._kept_states

    def _op_args(self, mask: Any, rmask: Any) -> dict[str, Any]:
        return {"mask": mask, "go_backwards": self.go_backwards, "return_sequences": self.return_sequences,
                "activation": self.activation, "recurrent_mask": rmask, "state_gradients": self.return_state,
                "owner": f"{type(self).__name__} '{self.name}'"}

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """The input mask for ``return_sequences`` (one per step), else ``None``; states carry none."""
        mask = mask[0] if isinstance(mask, (list, tuple)) else mask
        out = mask if self.return_sequences else None
        return [out] + [None] * len(self._state_names) if self.return_state else out

    # -- shapes and config ----------------------------------------------------------------------
    def compute_output_shape(self, input_shape: Any) -> Any:
        batch, steps = input_shape[0], input_shape[1]
        out = (batch, steps, self.units) if self.return_sequences else (batch, self.units)
        if self.return_state:
            return [out] + [(batch, self.units)] * len(self._state_names)
        return out

    def _explain(self) -> Explanation:
        return explain_recurrent(self)

    def params(self, n_in: Any) -> list[Param]:
        """The weights as the layer counts them, for its explanation."""
        ku = self._gates * self.units
        out = [Param("W", "kernel", (n_in, ku)), Param("U", "recurrent_kernel", (self.units, ku))]
        if self.use_bias:
            out.append(Param("b", "bias", self._bias_shape()))
        return out

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "units": self.units, "activation": self.activation,
                "recurrent_activation": self.recurrent_activation, "use_bias": self.use_bias,
                **weight_options_config(self, *_OPTIONS), "dropout": self.dropout,
                "recurrent_dropout": self.recurrent_dropout, "return_sequences": self.return_sequences,
                "return_state": self.return_state, "go_backwards": self.go_backwards, "stateful": self.stateful,
                "unroll": self.unroll, "seed": self.seed}


class SimpleRNN(_Recurrent):
    """Fully connected recurrent layer: ``h_t = activation(x_t W + h_{t-1} U + b)``.

    Same arguments as :class:`LSTM` without ``recurrent_activation`` and ``unit_forget_bias``.

    Examples
    --------
    >>> import glassnet as keras
    >>> keras.layers.SimpleRNN(4)(keras.ops.ones((2, 5, 3))).shape
    (2, 4)
    """

    def __init__(self, units: int, activation: Any = "tanh", **kwargs: Any) -> None:
        kwargs.pop("recurrent_activation", None)
        super().__init__(units, activation, "sigmoid", **kwargs)

    def _run(self, x: Any, states: Any, mask: Any, rmask: Any) -> Any:
        h0 = None if states is None else states[0]
        return rec.simple_rnn(x, self.kernel, self.recurrent_kernel, self.bias, h0, **self._op_args(mask, rmask))

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        del config["recurrent_activation"]
        return config


class LSTM(_Recurrent):
    """Long Short-Term Memory layer (Hochreiter & Schmidhuber 1997), Keras' gate order i, f, c, o.

    Parameters
    ----------
    units : int
        Size of the state h (and c).
    activation, recurrent_activation : str
        For the candidate and tanh(c) (``"tanh"``) and for the gates (``"sigmoid"``); any of
        ``glassnet.engine.ops.recurrent.ACTIVATIONS``.
    use_bias : bool
        Whether to add the bias b.
    kernel_initializer, recurrent_initializer, bias_initializer : str or Initializer
        ``"glorot_uniform"``, ``"orthogonal"``, ``"zeros"``.
    unit_forget_bias : bool
        Start the forget gate's bias at 1 (Jozefowicz et al. 2015), as Keras does.
    kernel_regularizer, recurrent_regularizer, bias_regularizer, activity_regularizer : optional
        Penalties added to the loss.
    kernel_constraint, recurrent_constraint, bias_constraint : optional
        Applied after each optimizer step.
    dropout : float
        Fraction of the input features dropped while training (one mask per sequence).
    recurrent_dropout : float
        Fraction of h_{t-1} dropped before the recurrent product while training (one mask per sequence).
    return_sequences : bool
        Output every step's h (batch, timesteps, units) instead of the last (batch, units).
    return_state : bool
        Also return the final states [h, c].
    go_backwards : bool
        Read the sequence from its end (the outputs come in that order).
    stateful : bool
        Keep the final states as the next batch's initial states (until ``reset_states()``).
    unroll : bool
        Accepted for Keras compatibility; the loop over time is always a Python loop here.
    seed : int, optional
        Seed of the dropout masks.

    Examples
    --------
    >>> import glassnet as keras
    >>> keras.layers.LSTM(8, return_sequences=True)(keras.ops.ones((2, 5, 3))).shape
    (2, 5, 8)
    """

    _gates = 4
    _state_names = ("h", "c")

    def __init__(self, units: int, activation: Any = "tanh", recurrent_activation: Any = "sigmoid",
                 unit_forget_bias: bool = True, **kwargs: Any) -> None:
        kwargs.pop("implementation", None)  # Keras 2's kernel choice: one implementation here
        super().__init__(units, activation, recurrent_activation, **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)

    def _init_bias(self) -> None:
        if self.unit_forget_bias:
            self.bias.data[self.units:2 * self.units] = 1

    def _run(self, x: Any, states: Any, mask: Any, rmask: Any) -> Any:
        return rec.lstm(x, self.kernel, self.recurrent_kernel, self.bias, states,
                        recurrent_activation=self.recurrent_activation, **self._op_args(mask, rmask))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "unit_forget_bias": self.unit_forget_bias}


class GRU(_Recurrent):
    """Gated Recurrent Unit (Cho et al. 2014) in Keras 3's ``reset_after=True`` form, gates z, r, h.

    Same arguments as :class:`LSTM` without ``unit_forget_bias``; the bias is (2, 3 units): the input
    and the recurrent biases.  ``reset_after=False`` (Keras 2's default) is not implemented.
    """

    _gates = 3

    def __init__(self, units: int, activation: Any = "tanh", recurrent_activation: Any = "sigmoid",
                 reset_after: bool = True, **kwargs: Any) -> None:
        kwargs.pop("implementation", None)
        super().__init__(units, activation, recurrent_activation, **kwargs)
        if reset_after is not True:
            raise ValueError(f"GRU '{self.name}': reset_after=False is not implemented; use reset_after=True "
                             "(Keras 3's default)")
        self.reset_after = True

    def _bias_shape(self) -> tuple[int, ...]:
        return (2, 3 * self.units)

    def _run(self, x: Any, states: Any, mask: Any, rmask: Any) -> Any:
        h0 = None if states is None else states[0]
        return rec.gru(x, self.kernel, self.recurrent_kernel, self.bias, h0,
                       recurrent_activation=self.recurrent_activation, **self._op_args(mask, rmask))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "reset_after": self.reset_after}
