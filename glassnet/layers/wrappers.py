"""Wrappers: ``Bidirectional`` (a recurrent layer read both ways) and ``TimeDistributed`` (a layer per step)."""

from __future__ import annotations

from typing import Any

from .. import serialization
from ..backend import xp
from ..engine.ops import math as m
from ..engine.tensor import Tensor, as_tensor
from ..explanation import Equation, Explanation
from .base import Layer
from .explaining import io_shapes

MERGE_MODES = ("concat", "sum", "mul", "ave", None)


def _renamed_copy(layer: Layer, name: str, **changes: Any) -> Layer:
    """A fresh (unbuilt) layer from ``layer``'s config, renamed, with ``changes`` applied."""
    config = {**layer.get_config(), **changes, "name": name}
    return type(layer).from_config(config)


def _config_of(layer: Layer) -> dict[str, Any]:
    """``layer`` serialized without its build config: the wrapper builds it (and loads its weights)."""
    return {k: v for k, v in serialization.serialize(layer).items() if k != "build_config"}


def _strip(name: str, prefix: str) -> str:
    return name[len(prefix):] if name.startswith(prefix) else name


class Bidirectional(Layer):
    """Run a recurrent layer forwards and a copy of it backwards, and merge the two outputs (Keras).

    Parameters
    ----------
    layer : SimpleRNN, LSTM or GRU
        Its config is cloned twice: ``forward_<name>`` and ``backward_<name>`` (``go_backwards=True``);
        the layer given is not used itself.
    merge_mode : {"concat", "sum", "mul", "ave", None}
        How the two outputs combine; ``None`` returns both as a list.
    backward_layer : optional
        Your own backward layer (``go_backwards=True``, same ``return_sequences``/``return_state``).

    With ``return_sequences`` the backward outputs are put back in time order before merging, and a
    masked step outputs zeros (Keras' ``zero_output_for_mask`` in Bidirectional).  ``return_state``
    returns the states of the forward layer, then those of the backward layer.

    Examples
    --------
    >>> import glassnet as keras
    >>> keras.layers.Bidirectional(keras.layers.LSTM(4))(keras.ops.ones((2, 5, 3))).shape
    (2, 8)
    """

    supports_masking = True

    def __init__(self, layer: Any, merge_mode: str | None = "concat", weights: Any = None,
                 backward_layer: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        who = f"Bidirectional '{self.name}'"
        _check_recurrent(layer, who, "layer")
        if merge_mode not in MERGE_MODES:
            raise ValueError(f"{who}: merge_mode={merge_mode!r} is not one of 'concat', 'sum', 'mul', 'ave' or None")
        self.merge_mode = merge_mode
        self.forward_layer = _renamed_copy(layer, "forward_" + _strip(layer.name, "forward_"))
        if backward_layer is None:
            backward_layer = _renamed_copy(layer, "backward_" + _strip(layer.name, "backward_"), go_backwards=True)
        else:
            _check_recurrent(backward_layer, who, "backward_layer")
            for attr in ("return_sequences", "return_state"):
                if getattr(backward_layer, attr) != getattr(layer, attr):
                    raise ValueError(f"{who}: backward_layer '{backward_layer.name}' must have the same {attr} as "
                                     f"layer '{layer.name}' ({getattr(layer, attr)})")
            if backward_layer.go_backwards == layer.go_backwards:
                raise ValueError(f"{who}: backward_layer '{backward_layer.name}' must read the other way "
                                 f"(go_backwards={not layer.go_backwards})")
        self.backward_layer = backward_layer
        object.__setattr__(self, "layer", layer)  # Keras' attribute; not tracked: its copies hold the weights
        self.return_sequences, self.return_state = layer.return_sequences, layer.return_state
        if weights is not None:
            self._initial_weights = list(weights)

    def build(self, input_shape: Any) -> None:
        self.forward_layer._maybe_build(input_shape)
        self.backward_layer._maybe_build(input_shape)
        if getattr(self, "_initial_weights", None) is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None
        self.built = True

    def call(self, inputs: Any, mask: Any = None, training: Any = None, initial_state: Any = None) -> Any:
        kw: dict[str, Any] = {"training": training}
        if mask is not None:
            kw["mask"] = mask
        fs = bs = None
        if initial_state is not None:
            states = list(initial_state)
            half = len(states) // 2
            fs, bs = states[:half], states[half:]
        y = self.forward_layer(inputs, initial_state=fs, **kw)
        y_rev = self.backward_layer(inputs, initial_state=bs, **kw)
        states = []
        if self.return_state:
            states = list(y[1:]) + list(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = m.getitem(y_rev, (slice(None), slice(None, None, -1)))  # back to time order
            if mask is not None:  # masked steps output zeros, as Keras' Bidirectional forces
                keep = Tensor(xp.asarray(mask)[..., None].astype(y.dtype))
                y, y_rev = m.multiply(y, keep), m.multiply(y_rev, keep)
        if self.merge_mode == "concat":
            out: Any = m.concatenate([y, y_rev], axis=-1)
        elif self.merge_mode == "sum":
            out = m.add(y, y_rev)
        elif self.merge_mode == "ave":
            out = m.multiply(m.add(y, y_rev), 0.5)
        elif self.merge_mode == "mul":
            out = m.multiply(y, y_rev)
        else:
            out = [y, y_rev]
        if self.return_state:
            return (out if isinstance(out, list) else [out]) + states
        return out

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        mask = mask[0] if isinstance(mask, (list, tuple)) else mask
        out = mask if self.return_sequences else None
        outs = [out, out] if self.merge_mode is None else [out]
        if self.return_state:
            return outs + [None] * (2 * len(self.forward_layer._state_names))
        return outs if self.merge_mode is None else out

    def reset_states(self, states: Any = None) -> None:
        self.forward_layer.reset_states()
        self.backward_layer.reset_states()

    def _weight_children(self) -> list[tuple[str, Layer]]:
        return [("forward_layer", self.forward_layer), ("backward_layer", self.backward_layer)]

    def _explain(self) -> Explanation:
        x, a = io_shapes(self, (None, "T", "d"), None)
        symbols = {"x": x} if a is None or not isinstance(a, tuple) else {"x": x, "a": a, "g": a}
        e = Explanation(self.name, "Bidirectional", symbols)
        for sub in (self.forward_layer, self.backward_layer):
            e.params += sub.explain().params
        kind = type(self.forward_layer).__name__
        merge = {"concat": "[a_f, a_b] (concatenated features)", "sum": "a_f + a_b", "mul": "a_f * a_b",
                 "ave": "(a_f + a_b) / 2", None: "the list [a_f, a_b]"}[self.merge_mode]
        e.forward.append(Equation(f"a_f = {kind}(x_1, ..., x_T)   ({self.forward_layer.name})",
                                  r"a_f = \mathrm{RNN}_f(x_{1..T})", ""))
        e.forward.append(Equation(f"a_b = {kind}(x_T, ..., x_1), put back in time order   ({self.backward_layer.name})",
                                  r"a_b = \mathrm{RNN}_b(x_{T..1})", ""))
        e.forward.append(Equation(f"a = {merge}", r"a = \mathrm{merge}(a_f, a_b)", "x -> a" if "a" in symbols else ""))
        e.backward.append(Equation("dC/dx = dC/dx through the forward layer + through the backward layer "
                                   "(each by back-propagation through time)", r"\frac{\partial C}{\partial x}",
                                   "g -> x" if "g" in symbols else ""))
        for sub in (self.forward_layer, self.backward_layer):
            e.backward.append(Equation(f"dC/dW, dC/dU, dC/db of {sub.name}: back-propagation through time over its "
                                       "own reading order (see its explain())", "", ""))
        return e

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "layer": _config_of(self.forward_layer), "merge_mode": self.merge_mode,
                "backward_layer": _config_of(self.backward_layer)}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Bidirectional":
        config = dict(config)
        # The wrapped layers are templates (copied into forward_layer/backward_layer): never build them,
        # even if the config (Keras') carries their build_config.
        layer = serialization.deserialize(_unbuilt(config.pop("layer")))
        backward = config.pop("backward_layer", None)
        if backward is not None:
            backward = serialization.deserialize(_unbuilt(backward))
        return cls(layer, backward_layer=backward, **config)


def _unbuilt(entry: Any) -> Any:
    return {k: v for k, v in entry.items() if k != "build_config"} if isinstance(entry, dict) else entry


def _check_recurrent(layer: Any, who: str, argument: str) -> None:
    if not isinstance(layer, Layer) or not all(hasattr(layer, a) for a in ("go_backwards", "return_sequences",
                                                                           "return_state")):
        shown = f"{type(layer).__name__} '{layer.name}'" if isinstance(layer, Layer) else repr(layer)[:60]
        raise ValueError(f"{who}: {argument} must be a recurrent layer (SimpleRNN, LSTM, GRU), got {shown}")


class TimeDistributed(Layer):
    """Apply ``layer`` to every time step: (batch, T, ...) -> layer on (batch * T, ...) -> (batch, T, ...).

    One call on all the steps at once (no loop over time), so the layer's weights are shared by the
    steps and its gradients add up over them.  A mask passes through unchanged.

    Examples
    --------
    >>> import glassnet as keras
    >>> keras.layers.TimeDistributed(keras.layers.Dense(2))(keras.ops.ones((4, 5, 3))).shape
    (4, 5, 2)
    """

    supports_masking = True

    def __init__(self, layer: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(layer, Layer):
            raise ValueError(f"TimeDistributed '{self.name}': layer must be a Layer instance, got {repr(layer)[:60]}")
        self.layer = layer

    def build(self, input_shape: Any) -> None:
        if not isinstance(input_shape, tuple) or len(input_shape) < 3:
            raise ValueError(f"TimeDistributed '{self.name}' expects inputs of at least 3 axes (batch, timesteps, "
                             f"...), got {input_shape}")
        self.layer._maybe_build((None,) + tuple(input_shape[2:]))
        self.built = True

    def call(self, inputs: Any, mask: Any = None, training: Any = None) -> Any:
        x = as_tensor(inputs)
        if x.ndim < 3:
            raise ValueError(f"TimeDistributed '{self.name}' expects inputs of at least 3 axes (batch, timesteps, "
                             f"...), got shape {x.shape}")
        batch, steps = x.shape[0], x.shape[1]
        flat = m.reshape(x, (batch * steps,) + tuple(x.shape[2:]))
        kw: dict[str, Any] = {"training": training}
        mask = None if mask is None else xp.asarray(mask)
        if mask is not None and mask.ndim > 2 and self.layer._call_accepts("mask"):  # a mask inside each step
            kw["mask"] = mask.reshape((batch * steps,) + mask.shape[2:])
        out = self.layer(flat, **kw)
        return m.reshape(out, (batch, steps) + tuple(out.shape[1:]))

    def _explain(self) -> Explanation:
        x, a = io_shapes(self, (None, "T", "d"), None)
        inner = self.layer.explain()
        symbols = {"x": x} if a is None or not isinstance(a, tuple) else {"x": x, "a": a, "g": a}
        e = Explanation(self.name, "TimeDistributed", symbols, params=list(inner.params))
        for key, shape in inner.symbols.items():
            if key not in ("x", "a", "g"):
                e.symbols.setdefault(key, shape)
        e.forward.append(Equation(f"a[:, t] = {type(self.layer).__name__}(x[:, t]) for every t, as one call on "
                                  "(batch * T, ...)", r"a_{:,t} = f(x_{:,t})", "x -> a" if "a" in symbols else ""))
        e.backward.append(Equation("dC/dx[:, t] = the layer's backward at each step; its weight gradients add up "
                                   "over the steps", r"\frac{\partial C}{\partial x_{:,t}}",
                                   "g -> x" if "g" in symbols else ""))
        return e

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "layer": _config_of(self.layer)}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "TimeDistributed":
        config = dict(config)
        return cls(serialization.deserialize(config.pop("layer")), **config)
