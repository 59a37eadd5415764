"""SimpleRNNCell, LSTMCell and GRUCell: one time step of a recurrent layer, for ``keras.layers.RNN``.

A cell maps ``(x_t, [s_(t-1)...])`` to ``(o_t, [s_t...])``; :class:`~glassnet.layers.rnn.RNN` loops it
over time.  The step is written with glassnet's differentiable ops (``@``, ``+``, ``*``, slices,
activations), so the tape gives the backward of one step and, chained over the steps, back-propagation
through time: a user's cell written the same way trains the same way.

Weights, shapes, gate orders and defaults are Keras 3's (x_t (batch, in), h (batch, u)):

* ``SimpleRNNCell``: kernel W (in, u), recurrent_kernel U (u, u), bias (u,);   h_t = tanh(x_t W + h_(t-1) U + b)
* ``LSTMCell``: W (in, 4u), U (u, 4u), bias (4u,), gates i, f, c, o (``unit_forget_bias`` starts b_f at 1)
* ``GRUCell``: W (in, 3u), U (u, 3u), gates z, r, h; ``reset_after=True`` (default): bias (2, 3u) = [b_in, b_rec]

Dropout (training only) multiplies x_t, and recurrent dropout h_(t-1), by one mask per sequence, drawn
at the first step and kept until the RNN layer resets it (``reset_dropout_mask``) at the end of its call.
"""

from __future__ import annotations

from typing import Any

from .. import activations as _activations
from .. import backend
from ..backend import rng, xp
from ..checks import check_integer, check_number
from ..engine.ops import math as m
from ..engine.tensor import Tensor, as_tensor
from ..explanation import Explanation
from .base import Layer
from .rnn_explain import explain_cell
from .weight_options import add_weight_with_options, set_weight_options, weight_options_config

_OPTIONS = ("kernel_initializer", "recurrent_initializer", "bias_initializer", "kernel_regularizer",
            "recurrent_regularizer", "bias_regularizer", "kernel_constraint", "recurrent_constraint",
            "bias_constraint")


def zero_states(state_size: Any, batch_size: int, dtype: Any) -> Any:
    """Zeros for each state of ``state_size`` (an int, or a nest of ints), as (batch, size) tensors."""
    if isinstance(state_size, (list, tuple)):
        return [zero_states(s, batch_size, dtype) for s in state_size]
    return Tensor(xp.zeros((batch_size, int(state_size)), dtype=dtype))


class _Cell(Layer):
    """What the three cells share: units, activations, weight options, dropout masks and zero states.

    Subclasses set ``_gates`` (kernel columns per unit) and ``_state_names``; the arguments are
    documented once, on :class:`LSTMCell`.
    """

    _gates = 1
    _state_names: tuple[str, ...] = ("h",)

    def __init__(self, units: int, activation: Any = "tanh", recurrent_activation: Any = "sigmoid",
                 use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, recurrent_regularizer: Any = None, bias_regularizer: Any = None,
                 kernel_constraint: Any = None, recurrent_constraint: Any = None, bias_constraint: Any = None,
                 dropout: float = 0.0, recurrent_dropout: float = 0.0, seed: int | None = None,
                 **kwargs: Any) -> None:
        kwargs.pop("implementation", None)  # Keras' choice of kernel split: one implementation here
        super().__init__(**kwargs)
        who = f"{type(self).__name__} '{self.name}'"
        self.units = check_integer(units, "units", who)
        self.activation = _activations.get(activation)
        self.recurrent_activation = _activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        set_weight_options(self, kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
                           bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                           recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                           kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
                           bias_constraint=bias_constraint)
        # rate 1 would divide the kept units by 1 - rate = 0
        self.dropout = check_number(dropout, "dropout", who, low=0, high=1, high_open=True)
        self.recurrent_dropout = check_number(recurrent_dropout, "recurrent_dropout", who, low=0, high=1,
                                              high_open=True)
        self.seed = check_integer(seed, "seed", who, low=0, optional=True)
        self._generator = backend.default_rng(seed) if seed is not None else None
        self._dropout_mask: Any = None
        self._recurrent_dropout_mask: Any = None

    # Keras reads these two as attributes of any cell (RNN's output and state shapes).
    @property
    def state_size(self) -> Any:
        """One int per state tensor (an int when there is one state)."""
        return self.units

    @property
    def output_size(self) -> int:
        """Features of the step output o_t."""
        return self.units

    # -- weights --------------------------------------------------------------------------------
    def _bias_shape(self) -> tuple[int, ...]:
        return (self._gates * self.units,)

    def build(self, input_shape: Any) -> None:
        features = input_shape[-1] if isinstance(input_shape, (tuple, list)) and input_shape else None
        if not isinstance(features, int):
            raise ValueError(f"{type(self).__name__} '{self.name}' expects step inputs of shape (batch, features) "
                             f"with known features, got {input_shape}")
        ku = self._gates * self.units
        self.kernel = add_weight_with_options(self, "kernel", (features, ku))
        # Keras names the options recurrent_*, not recurrent_kernel_*
        self.recurrent_kernel = self.add_weight((self.units, ku), self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint, name="recurrent_kernel")
        self.bias = add_weight_with_options(self, "bias", self._bias_shape()) if self.use_bias else None
        if self.bias is not None:
            self._init_bias()
        self.built = True

    def _init_bias(self) -> None:
        """Adjust the freshly initialised bias (LSTMCell's unit_forget_bias)."""

    # -- dropout masks: one per sequence, as Keras' DropoutRNNCell ------------------------------
    def _mask(self, like: Tensor, rate: float) -> Any:
        keep = backend.to_array((self._generator or rng()).random(like.shape) >= rate)  # host draw -> device
        return (keep / (1 - rate)).astype(like.dtype)

    def get_dropout_mask(self, step_input: Any) -> Any:
        """The input dropout mask of this sequence (drawn on first use), or ``None`` without dropout."""
        if self._dropout_mask is None and self.dropout > 0:
            self._dropout_mask = self._mask(as_tensor(step_input), self.dropout)
        return self._dropout_mask

    def get_recurrent_dropout_mask(self, state: Any) -> Any:
        """The mask on h_(t-1) of this sequence (drawn on first use), or ``None`` without recurrent dropout."""
        if self._recurrent_dropout_mask is None and self.recurrent_dropout > 0:
            self._recurrent_dropout_mask = self._mask(as_tensor(state), self.recurrent_dropout)
        return self._recurrent_dropout_mask

    def reset_dropout_mask(self) -> None:
        """Forget the input mask: the next sequence draws its own."""
        self._dropout_mask = None

    def reset_recurrent_dropout_mask(self) -> None:
        """Forget the recurrent mask: the next sequence draws its own."""
        self._recurrent_dropout_mask = None

    def _dropped(self, x: Tensor, h: Tensor, training: Any) -> tuple[Tensor, Tensor]:
        """x_t and h_(t-1) times their dropout masks while training (unchanged otherwise)."""
        if training and self.dropout > 0:
            x = m.multiply(x, self.get_dropout_mask(x))
        if training and self.recurrent_dropout > 0:
            h = m.multiply(h, self.get_recurrent_dropout_mask(h))
        return x, h

    # -- states ----------------------------------------------------------------------------------
    def get_initial_state(self, batch_size: int | None = None) -> list[Tensor]:
        """Zeros for every state, (batch_size, units) each."""
        return zero_states([self.units] * len(self._state_names), int(batch_size or 1), self.dtype)

    @staticmethod
    def _states(states: Any) -> list[Tensor]:
        return [as_tensor(s) for s in (states if isinstance(states, (list, tuple)) else [states])]

    # -- config and equations --------------------------------------------------------------------
    def _explain(self) -> Explanation:
        return explain_cell(self)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "units": self.units, "activation": _activations.serialize(self.activation),
                "recurrent_activation": _activations.serialize(self.recurrent_activation),
                "use_bias": self.use_bias, **weight_options_config(self, *_OPTIONS), "dropout": self.dropout,
                "recurrent_dropout": self.recurrent_dropout, "seed": self.seed}


class SimpleRNNCell(_Cell):
    """One step of SimpleRNN: ``h_t = activation(x_t W + h_(t-1) U + b)``; the output is h_t.

    Same arguments as :class:`LSTMCell` without ``recurrent_activation`` and ``unit_forget_bias``.

    Examples
    --------
    >>> import glassnet as keras
    >>> cell = keras.layers.SimpleRNNCell(4)
    >>> out, states = cell(keras.ops.ones((2, 3)), [keras.ops.zeros((2, 4))])
    >>> out.shape, len(states)
    ((2, 4), 1)
    """

    def __init__(self, units: int, activation: Any = "tanh", **kwargs: Any) -> None:
        kwargs.pop("recurrent_activation", None)
        super().__init__(units, activation, "sigmoid", **kwargs)

    def call(self, inputs: Any, states: Any, training: Any = None) -> tuple[Tensor, Any]:
        x, h_prev = self._dropped(as_tensor(inputs), self._states(states)[0], training)
        z = x @ self.kernel + h_prev @ self.recurrent_kernel
        h = self.activation(z + self.bias if self.use_bias else z)
        return h, ([h] if isinstance(states, (list, tuple)) else h)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        del config["recurrent_activation"]
        return config


class LSTMCell(_Cell):
    """One step of LSTM (Hochreiter & Schmidhuber 1997), Keras' gate order i, f, c, o; states [h, c].

    Parameters
    ----------
    units : int
        Size of h and c.
    activation, recurrent_activation : str or callable
        For the candidate and tanh(c) (``"tanh"``) and for the gates (``"sigmoid"``).
    use_bias : bool
        Whether to add the bias b.
    kernel_initializer, recurrent_initializer, bias_initializer : str or Initializer
        ``"glorot_uniform"``, ``"orthogonal"``, ``"zeros"``.
    unit_forget_bias : bool
        Start the forget gate's bias at 1 (Jozefowicz et al. 2015), as Keras does.
    kernel_regularizer, recurrent_regularizer, bias_regularizer : optional
        Penalties added to the loss.
    kernel_constraint, recurrent_constraint, bias_constraint : optional
        Applied after each optimizer step.
    dropout, recurrent_dropout : float
        Fractions of x_t and of h_(t-1) dropped while training, one mask per sequence.
    seed : int, optional
        Seed of the dropout masks.

    Examples
    --------
    >>> import glassnet as keras
    >>> rnn = keras.layers.RNN(keras.layers.LSTMCell(4), return_sequences=True, return_state=True)
    >>> out, h, c = rnn(keras.ops.ones((2, 5, 3)))
    >>> out.shape, h.shape, c.shape
    ((2, 5, 4), (2, 4), (2, 4))
    """

    _gates = 4
    _state_names = ("h", "c")

    def __init__(self, units: int, activation: Any = "tanh", recurrent_activation: Any = "sigmoid",
                 unit_forget_bias: bool = True, **kwargs: Any) -> None:
        super().__init__(units, activation, recurrent_activation, **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)

    @property
    def state_size(self) -> list[int]:
        """[units, units]: h and c."""
        return [self.units, self.units]

    def _init_bias(self) -> None:
        if self.unit_forget_bias:
            self.bias.data[self.units:2 * self.units] = 1

    def call(self, inputs: Any, states: Any, training: Any = None) -> tuple[Tensor, list[Tensor]]:
        h_prev, c_prev = self._states(states)[:2]
        x, h_in = self._dropped(as_tensor(inputs), h_prev, training)
        z = x @ self.kernel + h_in @ self.recurrent_kernel
        if self.use_bias:
            z = z + self.bias
        u, act, gate = self.units, self.activation, self.recurrent_activation
        i, f = gate(z[:, :u]), gate(z[:, u:2 * u])
        g, o = act(z[:, 2 * u:3 * u]), gate(z[:, 3 * u:])
        c = f * c_prev + i * g
        h = o * act(c)
        return h, [h, c]

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "unit_forget_bias": self.unit_forget_bias}


class GRUCell(_Cell):
    """One step of GRU (Cho et al. 2014), gates z, r, h; Keras 3's ``reset_after=True`` by default.

    Same arguments as :class:`LSTMCell` without ``unit_forget_bias``.  With ``reset_after=True`` the
    bias is (2, 3 units), the input and the recurrent biases, and r multiplies h_(t-1) U_h after the
    product; with ``reset_after=False`` (Keras 2) the bias is (3 units,) and r multiplies h_(t-1) first.

    Examples
    --------
    >>> import glassnet as keras
    >>> keras.layers.RNN(keras.layers.GRUCell(4))(keras.ops.ones((2, 5, 3))).shape
    (2, 4)
    """

    _gates = 3

    def __init__(self, units: int, activation: Any = "tanh", recurrent_activation: Any = "sigmoid",
                 reset_after: bool = True, **kwargs: Any) -> None:
        super().__init__(units, activation, recurrent_activation, **kwargs)
        self.reset_after = bool(reset_after)

    def _bias_shape(self) -> tuple[int, ...]:
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def call(self, inputs: Any, states: Any, training: Any = None) -> tuple[Tensor, Any]:
        h_prev = self._states(states)[0]
        x, h_in = self._dropped(as_tensor(inputs), h_prev, training)
        u, act, gate, b = self.units, self.activation, self.recurrent_activation, self.bias
        xw = x @ self.kernel
        if self.reset_after:
            hu = h_in @ self.recurrent_kernel
            if b is not None:
                xw, hu = xw + b[0], hu + b[1]
            z = gate(xw[:, :u] + hu[:, :u])
            r = gate(xw[:, u:2 * u] + hu[:, u:2 * u])
            hh = act(xw[:, 2 * u:] + r * hu[:, 2 * u:])
        else:  # Keras 2: the reset gate scales h_(t-1) before its product with U_h
            if b is not None:
                xw = xw + b
            hu = h_in @ self.recurrent_kernel[:, :2 * u]
            z = gate(xw[:, :u] + hu[:, :u])
            r = gate(xw[:, u:2 * u] + hu[:, u:])
            hh = act(xw[:, 2 * u:] + (r * h_in) @ self.recurrent_kernel[:, 2 * u:])
        h = z * h_prev + (1 - z) * hh
        return h, ([h] if isinstance(states, (list, tuple)) else h)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "reset_after": self.reset_after}
