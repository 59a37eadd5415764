"""Attention layers with Keras' names and weights: MultiHeadAttention, Attention (Luong), AdditiveAttention (Bahdanau).

Each computes scores S between queries and keys, A = softmax(S) over the keys, and O = A V; the
softmax, the masks, the dropout on A and the backward of all three live in ``engine.ops.attention``.
"""

from __future__ import annotations

from typing import Any

from ..checks import check_integer, check_number
from ..engine.ops import attention as _att
from ..engine.ops import math as m
from ..engine.ops import nn
from ..explanation import Equation, Explanation, Param, dc
from . import attention_masks as _masks
from .base import Layer, as_shape
from .input_spec import _to_tensors
from .weight_options import set_weight_options, weight_options_config

_OPTIONS = ("kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer", "kernel_constraint",
            "bias_constraint")


class MultiHeadAttention(Layer):
    """Multi-head attention (Vaswani et al.), Keras 3's layer and weight layout.

    Per head h:  Q_h = query W^Q_h + b^Q_h, K_h = key W^K_h + b^K_h, V_h = value W^V_h + b^V_h,
    O_h = softmax(Q_h K_h^T / sqrt(key_dim) + mask) V_h;  output = sum_h O_h W^O_h + b^O.

    Parameters
    ----------
    num_heads, key_dim : int
        Number of heads and the size of each query/key head.
    value_dim : int, optional
        Size of each value head (``key_dim`` by default).
    dropout : float
        Dropout on the attention weights, in training.
    use_bias : bool
    output_shape : int, optional
        The last axis of the output (the query's by default).
    attention_axes : None
        Only the default (attention over the sequence axis of (batch, T, features) inputs).
    kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer, kernel_constraint, bias_constraint :
        As for Dense.

    Notes
    -----
    Weights in Keras' order: query kernel (d_model, heads, key_dim), query bias (heads, key_dim), key kernel and
    bias, value kernel (d_value, heads, value_dim) and bias (heads, value_dim), output kernel
    (heads, value_dim, d_out), output bias (d_out,).  ``call(query, value, key=None, query_mask=None,
    value_mask=None, key_mask=None, attention_mask=None, return_attention_scores=False, training=None,
    use_causal_mask=False)``; ``attention_mask`` is boolean (batch, T_q, T_v), True where a query may
    attend.  The masks riding on query, value and key (Embedding(mask_zero=True), Masking) join it as in
    Keras (see :mod:`glassnet.layers.attention_masks`), and the output carries the query's mask.  A query
    that may attend to nothing gets attention weights of 0.
    """

    # Keras: the output carries the query's mask; masks riding on query, value and key restrict the attention.
    supports_masking = True

    def __init__(self, num_heads: int, key_dim: int, value_dim: int | None = None, dropout: float = 0.0,
                 use_bias: bool = True, output_shape: Any = None, attention_axes: Any = None,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None, activity_regularizer: Any = None,
                 kernel_constraint: Any = None, bias_constraint: Any = None, seed: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        who = f"MultiHeadAttention '{self.name}'"
        self.num_heads = check_integer(num_heads, "num_heads", who)
        self.key_dim = check_integer(key_dim, "key_dim", who)
        self.value_dim = check_integer(value_dim, "value_dim", who, optional=True) or self.key_dim
        self.dropout = check_number(dropout, "dropout", who, low=0, high=1, high_open=True)
        self.use_bias = bool(use_bias)
        if isinstance(output_shape, (list, tuple)):
            if len(output_shape) != 1:
                raise ValueError(f"{who}: output_shape must be one int (the last axis), got {output_shape}")
            output_shape = output_shape[0]
        self._output_dim = check_integer(output_shape, "output_shape", who, optional=True)
        if attention_axes is not None and \
                ([attention_axes] if isinstance(attention_axes, int) else list(attention_axes)) not in ([1], [-2]):
            # Keras saves the default as [1] (the sequence axis of (batch, T, features)), so that is accepted
            raise ValueError(f"{who}: attention_axes={attention_axes!r} is not supported; only the default "
                             "(None: attend over the sequence axis of (batch, T, features) inputs)")
        if activity_regularizer is not None:
            raise ValueError(f"{who}: activity_regularizer is not supported")
        set_weight_options(self, **{o: v for o, v in zip(_OPTIONS, (
            kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer, kernel_constraint,
            bias_constraint))})
        self.seed = seed
        self._shapes: Any = None  # (query_shape, value_shape, key_shape) once the weights exist

    # -- weights ---------------------------------------------------------------------------------
    def build(self, query_shape: Any, value_shape: Any = None, key_shape: Any = None) -> None:
        # Layer.__call__ builds from the query alone; the weights wait for the value's shape (in call).
        if value_shape is not None:
            self._build_weights(tuple(query_shape), tuple(value_shape),
                                tuple(value_shape if key_shape is None else key_shape))
        self.built = True

    def _build_weights(self, q: tuple, v: tuple, k: tuple) -> None:
        who = f"MultiHeadAttention '{self.name}'"
        for what, shape in (("query", q), ("value", v), ("key", k)):
            if len(shape) != 3 or shape[-1] is None:
                raise ValueError(f"{who}: {what} must be (batch, T, features) with known features, got {shape}")
        h, kd, vd = self.num_heads, self.key_dim, self.value_dim
        d_out = self._output_dim or q[-1]

        def weight(name: str, shape: tuple, kind: str) -> Any:
            return self.add_weight(shape, getattr(self, f"{kind}_initializer"),
                                   regularizer=getattr(self, f"{kind}_regularizer"),
                                   constraint=getattr(self, f"{kind}_constraint"), name=name)

        for part, d, size in (("query", q[-1], kd), ("key", k[-1], kd), ("value", v[-1], vd)):
            setattr(self, f"{part}_kernel", weight(f"{part}_kernel", (d, h, size), "kernel"))
            setattr(self, f"{part}_bias", weight(f"{part}_bias", (h, size), "bias") if self.use_bias else None)
        self.output_kernel = weight("output_kernel", (h, vd, d_out), "kernel")
        self.output_bias = weight("output_bias", (d_out,), "bias") if self.use_bias else None
        self._shapes = (q, v, k)

    def _keras_variable_groups(self) -> list[tuple[str, list[Any]]]:
        """Keras keeps these weights in four EinsumDense sublayers; saved files use its paths."""
        return [(f"{part}_dense", [w for w in (getattr(self, f"{part}_kernel", None),
                                              getattr(self, f"{part}_bias", None)) if w is not None])
                for part in ("query", "key", "value", "output")]

    def get_build_config(self) -> dict[str, Any] | None:
        if self._shapes is None:
            return None
        q, v, k = self._shapes
        return {"shapes_dict": {"query_shape": q, "value_shape": v, "key_shape": k}}  # Keras 3's form

    def build_from_config(self, config: dict[str, Any]) -> None:
        config = config.get("shapes_dict", config)  # files of glassnet 0.1 held the shapes directly
        if self._shapes is None and config.get("value_shape") is not None:
            self.build(as_shape(config["query_shape"]), as_shape(config["value_shape"]),
                       as_shape(config.get("key_shape") or config["value_shape"]))

    # -- call ------------------------------------------------------------------------------------
    def _project(self, x: Any, part: str, size: int) -> Any:
        # (B, T, D) @ W (D, H, size) + b (H, size) -> (B, H, T, size): one dense on the flattened heads.
        kernel, bias = getattr(self, f"{part}_kernel"), getattr(self, f"{part}_bias")
        flat = self.num_heads * size
        z = nn.dense(x, m.reshape(kernel, (kernel.shape[0], flat)), None if bias is None else m.reshape(bias, (flat,)))
        return m.transpose(m.reshape(z, (x.shape[0], x.shape[1], self.num_heads, size)), (0, 2, 1, 3))

    def call(self, query: Any, value: Any = None, key: Any = None, query_mask: Any = None, value_mask: Any = None,
             key_mask: Any = None, attention_mask: Any = None, return_attention_scores: bool = False,
             training: Any = None, use_causal_mask: bool = False) -> Any:
        who = f"MultiHeadAttention '{self.name}'"
        if value is None:
            raise ValueError(f"{who}: call(query, value) needs the value tensor "
                             "(pass the query twice for self-attention)")
        # Keras fills each *_mask argument left as None from the mask riding on its tensor (key: only when
        # a key tensor is given).
        query_mask = getattr(query, "_keras_mask", None) if query_mask is None else query_mask
        value_mask = getattr(value, "_keras_mask", None) if value_mask is None else value_mask
        if key_mask is None and key is not None:
            key_mask = getattr(key, "_keras_mask", None)
        value = _to_tensors(value)
        key = value if key is None else _to_tensors(key)
        if self._shapes is None:
            self._build_weights((None,) + query.shape[1:], (None,) + value.shape[1:], (None,) + key.shape[1:])
        q = self._project(query, "query", self.key_dim)  # (B, H, Tq, key_dim)
        k = self._project(key, "key", self.key_dim)  # (B, H, Tk, key_dim)
        v = self._project(value, "value", self.value_dim)  # (B, H, Tk, value_dim)
        query_mask = _masks.checked(who, "query_mask", query_mask, query.shape[:2])
        value_mask = _masks.checked(who, "value_mask", value_mask, value.shape[:2])
        key_mask = _masks.checked(who, "key_mask", key_mask, key.shape[:2])
        mask = _masks.attention_mask_of(who, attention_mask, use_causal_mask, query_mask, value_mask, key_mask,
                                        query.shape[1], key.shape[1], query.shape[0])
        if mask is not None and mask.ndim == 3:
            mask = mask[:, None]  # the same mask for every head
        o, a = _att.scaled_dot_product_attention(q, k, v, mask, dropout_rate=self.dropout, training=bool(training),
                                                 return_scores=True)
        h, vd = self.num_heads, self.value_dim
        o = m.reshape(m.transpose(o, (0, 2, 1, 3)), (query.shape[0], query.shape[1], h * vd))
        out = nn.dense(o, m.reshape(self.output_kernel, (h * vd, self.output_kernel.shape[-1])), self.output_bias)
        if query_mask is not None:
            out._keras_mask = query_mask  # Keras: the output carries the query's mask
        return (out, a) if return_attention_scores else out

    def compute_output_shape(self, query_shape: Any, value_shape: Any = None, key_shape: Any = None) -> Any:
        return tuple(query_shape[:-1]) + (self._output_dim or query_shape[-1],)

    def _explain(self) -> Explanation:
        q, v, k = self._shapes or (("N", "Tq", "d_q"), ("N", "Tv", "d_v"), ("N", "Tv", "d_k"))
        q, v, k = (tuple("N" if n is None else n for n in s) for s in (q, v, k))
        h, kd, vd = self.num_heads, self.key_dim, self.value_dim
        d_out = self._output_dim or q[-1]
        n, tq, tk = q[0], q[1], k[1]
        sym = {"query": q, "key": k, "value": v, "Q": (n, h, tq, kd), "K": (n, h, tk, kd), "V": (n, h, tk, vd),
               "S": (n, h, tq, tk), "A": (n, h, tq, tk), "O": (n, h, tq, vd), "a": (n, tq, d_out),
               "W_Q": (q[-1], h, kd), "W_K": (k[-1], h, kd), "W_V": (v[-1], h, vd), "W_O": (h, vd, d_out),
               "K_T": (n, h, kd, tk), "A_T": (n, h, tk, tq), "query_T": (q[-1], n, tq)}  # ^T: the last two axes
        e = Explanation(self.name, "MultiHeadAttention", sym)
        for part, d, size in (("query", q[-1], kd), ("key", k[-1], kd), ("value", v[-1], vd)):
            e.params.append(Param(f"W_{part[0].upper()}", f"{part}_kernel", (d, h, size)))
            if self.use_bias:
                e.params.append(Param(f"b_{part[0].upper()}", f"{part}_bias", (h, size)))
        e.params.append(Param("W_O", "output_kernel", (h, vd, d_out)))
        if self.use_bias:
            e.params.append(Param("b_O", "output_bias", (d_out,)))
        b = " + b" if self.use_bias else ""
        e.forward += [
            Equation(f"Q = query W_Q{b}_Q,  K = key W_K{b}_K,  V = value W_V{b}_V   (per head)",
                     r"Q = x_q W_Q,\; K = x_k W_K,\; V = x_v W_V", "query @ W_Q -> Q"),
            Equation(f"S = Q K^T / sqrt({kd}) (+ mask: -1e9 where masked)", rf"S = Q K^\top / \sqrt{{{kd}}}",
                     "Q @ K_T -> S"),
            Equation("A = softmax(S) over the keys" + (f", dropout {self.dropout:g} in training" if self.dropout
                                                        else ""), r"A = \mathrm{softmax}(S)", "S -> A"),
            Equation("O = A V", "O = A V", "A @ V -> O"),
            Equation(f"a = sum_h O_h W_O,h{b}_O", r"a = \sum_h O_h W_{O,h} + b_O", "O @ W_O -> a"),
        ]
        e.backward += [
            Equation("dC/dV = A^T delta_O,  dC/dA = delta_O V^T", dc("V") + r" = A^\top \delta_O", "A_T @ O -> V"),
            Equation("dC/dS = A * (dC/dA - sum_k(dC/dA * A))",
                     dc("S") + r" = A \odot (\partial A - \textstyle\sum_k \partial A \odot A)", "A * A -> S"),
            Equation(f"dC/dQ = dC/dS K / sqrt({kd}),  dC/dK = dC/dS^T Q / sqrt({kd})",
                     dc("Q") + rf" = \partial S\, K / \sqrt{{{kd}}}", "S @ K -> Q"),
            Equation("dC/dW_Q = query^T dC/dQ (and the same for K, V, O), dC/dquery = dC/dQ W_Q^T",
                     dc("W_Q") + r" = x_q^\top \partial Q", "query_T @ Q -> W_Q"),
        ]
        e.notes.append(f"{h} heads computed together (batched matmuls over (N, heads)), no loop over heads")
        return e

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "num_heads": self.num_heads, "key_dim": self.key_dim,
                "value_dim": self.value_dim, "dropout": self.dropout, "use_bias": self.use_bias,
                "output_shape": self._output_dim, "attention_axes": None, "seed": self.seed,
                **weight_options_config(self, *_OPTIONS)}


class _ScoreAttention(Layer):
    """What Attention and AdditiveAttention share: the [query, value(, key)] inputs, masks, softmax and A V."""

    def __init__(self, use_scale: bool, dropout: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        who = f"{type(self).__name__} '{self.name}'"
        self.use_scale = bool(use_scale)
        self.dropout = check_number(dropout, "dropout", who, low=0, high=1, high_open=True)

    def _split(self, inputs: Any) -> tuple[Any, Any, Any]:
        if not isinstance(inputs, (list, tuple)) or len(inputs) not in (2, 3):
            raise ValueError(f"{type(self).__name__} '{self.name}' takes [query, value] or [query, value, key], got "
                             f"{type(inputs).__name__}")
        q, v = inputs[0], inputs[1]
        return q, v, inputs[2] if len(inputs) == 3 else v

    # Keras: the output carries the query's mask (compute_mask below); a value mask hides keys.
    supports_masking = True

    def build(self, input_shape: Any) -> None:
        if not isinstance(input_shape, list):
            self._split(input_shape[0] if input_shape else None)  # one tensor: refused with the message
        q, v, k = self._split(list(input_shape))
        if len(q) != 3 or len(v) != 3 or len(k) != 3:
            raise ValueError(f"{type(self).__name__} '{self.name}': inputs must be (batch, T, dim), got {input_shape}")
        self._build_scores(q[-1])
        self.built = True

    def _build_scores(self, dim: Any) -> None:
        raise NotImplementedError

    def call(self, inputs: Any, mask: Any = None, return_attention_scores: bool = False, training: Any = None,
             use_causal_mask: bool = False) -> Any:
        q, v, k = self._split(inputs)
        q_mask, v_mask = _masks.score_masks(f"{type(self).__name__} '{self.name}'", mask, q.shape, v.shape)
        scores = self._scores(q, k)  # (B, Tq, Tv)
        keys = _masks.keys_visible(v_mask, use_causal_mask, q.shape[1], v.shape[1])
        out, a = _att.attend(scores, v, keys, self.dropout, bool(training), return_scores=True)
        if q_mask is not None:  # Keras zeroes the outputs of masked queries: O = where(q_mask, O, 0)
            out = m.where(q_mask[..., None], out, 0.0)
        return (out, a) if return_attention_scores else out

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        # Keras: the query's mask (the first of [query_mask, value_mask]), checked like the call's.
        if mask is None:
            return None
        q, v, _ = self._split(inputs)
        q_mask, _ = _masks.score_masks(f"{type(self).__name__} '{self.name}'", mask, q.shape, v.shape)
        return q_mask

    def compute_output_shape(self, input_shape: Any) -> Any:
        q, v, _ = self._split(list(input_shape))
        return tuple(q[:-1]) + (v[-1],)

    def _explain_common(self, kind: str, score: Equation, score_back: Equation) -> Explanation:
        shapes = self._build_shape or [("N", "Tq", "d"), ("N", "Tv", "d")]
        q, v, k = (tuple("N" if n is None else n for n in s) for s in self._split(list(shapes)))
        e = Explanation(self.name, kind, {"Q": q, "V": v, "K": k, "S": (q[0], q[1], k[1]), "A": (q[0], q[1], k[1]),
                                          "O": (q[0], q[1], v[-1])})
        e.forward += [score, Equation("A = softmax(S) over the keys (masked keys get -1e9)", r"A = \mathrm{softmax}(S)",
                                      "S -> A"), Equation("O = A V", "O = A V", "A @ V -> O")]
        e.backward += [Equation("dC/dV = A^T delta,  dC/dA = delta V^T", dc("V") + r" = A^\top \delta", "A^T @ O -> V"),
                       Equation("dC/dS = A * (dC/dA - sum_k(dC/dA * A))",
                                dc("S") + r" = A \odot (\partial A - \textstyle\sum_k \partial A \odot A)", "A * A -> S"),
                       score_back]
        e.params = [Param(w.name, w.name, tuple(w.shape)) for w in self.weights]
        return e

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "use_scale": self.use_scale, "dropout": self.dropout}


class Attention(_ScoreAttention):
    """Dot-product (Luong) attention: ``Attention()([query, value])`` or ``([query, value, key])``.

    score_mode "dot": S = scale * Q K^T;  "concat": S = c * sum_d tanh(scale * (Q_i + K_j));  O = softmax(S) V.
    ``scale`` (and ``c``, concat only) are trainable scalars, initialised to 1, present with ``use_scale=True``.
    ``call(inputs, mask=[query_mask, value_mask], return_attention_scores=False, training=None,
    use_causal_mask=False)``.
    """

    def __init__(self, use_scale: bool = False, score_mode: str = "dot", dropout: float = 0.0, seed: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(use_scale, dropout, **kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError(f"Attention '{self.name}': score_mode must be 'dot' or 'concat', got {score_mode!r}")
        self.score_mode = score_mode
        self.seed = seed

    def _build_scores(self, dim: Any) -> None:
        self.scale = self.add_weight((), "ones", name="scale") if self.use_scale else None
        self.concat_score_weight = (self.add_weight((), "ones", name="concat_score_weight")
                                    if self.score_mode == "concat" else None)

    def _scores(self, q: Any, k: Any) -> Any:
        if self.score_mode == "dot":
            s = m.matmul(q, m.transpose(k, (0, 2, 1)))
            return s if self.scale is None else m.multiply(s, self.scale)
        pair = m.add(m.expand_dims(q, -2), m.expand_dims(k, -3))  # (B, Tq, Tv, d)
        if self.scale is not None:
            pair = m.multiply(pair, self.scale)
        return m.multiply(m.sum(nn.tanh(pair), axis=-1), self.concat_score_weight)

    def _explain(self) -> Explanation:
        s = "scale * " if self.use_scale else ""
        if self.score_mode == "dot":
            score = Equation(f"S = {s}Q K^T", r"S = " + (r"s\," if s else "") + r"Q K^\top", "Q @ K^T -> S")
            back = Equation(f"dC/dQ = {s}dC/dS K,  dC/dK = {s}dC/dS^T Q", dc("Q") + r" = \partial S\, K",
                            "S @ K -> Q")
        else:
            score = Equation(f"S_ij = c * sum_d tanh({s}(Q_i + K_j))", r"S_{ij} = c \sum_d \tanh(Q_i + K_j)")
            back = Equation("dC/dQ_i = sum_j dC/dS_ij c (1 - tanh^2)", dc("Q") + r" = \sum_j \partial S_{ij}\, c (1 - t^2)")
        return self._explain_common("Attention", score, back)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "score_mode": self.score_mode, "seed": self.seed}


class AdditiveAttention(_ScoreAttention):
    """Additive (Bahdanau) attention: S_ij = sum_d scale_d tanh(Q_i + K_j)_d,  O = softmax(S) V.

    ``scale`` (dim,) is trainable (glorot_uniform) with ``use_scale=True`` (the default).
    """

    def __init__(self, use_scale: bool = True, dropout: float = 0.0, **kwargs: Any) -> None:
        super().__init__(use_scale, dropout, **kwargs)

    def _build_scores(self, dim: Any) -> None:
        self.scale = self.add_weight((dim,), "glorot_uniform", name="scale") if self.use_scale else None

    def _scores(self, q: Any, k: Any) -> Any:
        t = nn.tanh(m.add(m.expand_dims(q, -2), m.expand_dims(k, -3)))  # (B, Tq, Tv, d)
        return m.sum(t if self.scale is None else m.multiply(t, self.scale), axis=-1)

    def _explain(self) -> Explanation:
        s = "scale_d " if self.use_scale else ""
        return self._explain_common(
            "AdditiveAttention", Equation(f"S_ij = sum_d {s}tanh(Q_i + K_j)_d", r"S_{ij} = \sum_d s_d \tanh(Q_i + K_j)_d"),
            Equation(f"dC/dQ_i = sum_j dC/dS_ij {s}(1 - tanh^2(Q_i + K_j))",
                     dc("Q") + r" = \sum_j \partial S_{ij}\, s (1 - t^2)"))
