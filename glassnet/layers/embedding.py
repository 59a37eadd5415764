"""Embedding: integer indices -> dense vectors, a learned lookup table."""

from __future__ import annotations

from typing import Any

from ..backend import xp
from ..checks import check_integer
from ..engine.ops import embedding as embedding_ops
from ..engine.tensor import Tensor
from ..explanation import Equation, Explanation, Param, dc
from .base import Layer
from .explaining import io_shapes
from .weight_options import add_weight_with_options, set_weight_options, weight_options_config


class Embedding(Layer):
    """Map each integer index in ``[0, input_dim)`` to a row of a trainable table E (input_dim, output_dim).

    Parameters
    ----------
    input_dim : int
        Size of the vocabulary (largest index + 1).
    output_dim : int
        Length of each vector.
    embeddings_initializer : str or Initializer
        ``"uniform"`` (U(-0.05, 0.05)) as in Keras.
    embeddings_regularizer, activity_regularizer, embeddings_constraint : optional
        Penalty on E, penalty on the output, constraint on E after each step.
    mask_zero : bool
        Index 0 is padding: the output carries the mask ``inputs != 0`` (:meth:`compute_mask`) to the
        next layers, and a recurrent layer skips the padded steps.
    input_length : int, optional
        Keras 2's fixed sequence length; accepted and ignored.

    Examples
    --------
    >>> import glassnet as keras
    >>> keras.layers.Embedding(10, 4)(keras.ops.convert_to_tensor([[1, 2, 3]])).shape
    (1, 3, 4)
    """

    _keeps_integer_input = True

    def __init__(self, input_dim: int, output_dim: int, embeddings_initializer: Any = "uniform",
                 embeddings_regularizer: Any = None, activity_regularizer: Any = None,
                 embeddings_constraint: Any = None, mask_zero: bool = False, input_length: int | None = None,
                 **kwargs: Any) -> None:
        for keras3_only in ("sparse", "lora_rank", "lora_alpha"):  # in Keras 3 configs; dense, no LoRA here
            kwargs.pop(keras3_only, None)
        super().__init__(**kwargs)
        who = f"Embedding '{self.name}'"
        self.input_dim = check_integer(input_dim, "input_dim", who)
        self.output_dim = check_integer(output_dim, "output_dim", who)
        self.input_length = check_integer(input_length, "input_length", who, optional=True)
        self.mask_zero = bool(mask_zero)
        set_weight_options(self, embeddings_initializer=embeddings_initializer,
                           embeddings_regularizer=embeddings_regularizer, activity_regularizer=activity_regularizer,
                           embeddings_constraint=embeddings_constraint)

    def build(self, input_shape: Any) -> None:
        self.embeddings = add_weight_with_options(self, "embeddings", (self.input_dim, self.output_dim))
        self.built = True

    def call(self, inputs: Any) -> Any:
        # a[..., :] = E[index]; the backward scatter-adds into the rows used (engine.ops.embedding)
        out = embedding_ops.embedding(inputs, self.embeddings, owner=f"Embedding '{self.name}'")
        self.add_activity_loss(out)  # divided by the batch size, as in Keras 3
        return out

    @property
    def supports_masking(self) -> bool:  # type: ignore[override]
        """True with ``mask_zero``: the output then carries a mask (Keras)."""
        return self.mask_zero

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """``inputs != 0`` when ``mask_zero`` (index 0 is padding), else ``None``."""
        if not self.mask_zero:
            return None
        return xp.asarray(inputs.data if isinstance(inputs, Tensor) else inputs) != 0

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape) + (self.output_dim,)

    def _explain(self) -> Explanation:
        x, a = io_shapes(self, (None, "T"), None)
        a = a if a is not None else tuple(x) + (self.output_dim,)
        e = Explanation(self.name, "Embedding", {"x": x, "E": (self.input_dim, self.output_dim), "a": a, "g": a})
        e.params.append(Param("E", "embeddings", (self.input_dim, self.output_dim)))
        e.forward.append(Equation("a[n, t] = E[x[n, t]]   (a row lookup)", r"a_{nt} = E_{x_{nt}}", "E -> a"))
        e.backward.append(Equation("dC/dE[k] = sum of g[n, t] over the positions with x[n, t] = k",
                                   dc("E") + r"_k = \sum_{x_{nt} = k} g_{nt}", "g -> E"))
        e.notes.append("the indices get no gradient (they are not differentiable)")
        if self.mask_zero:
            e.notes.append("mask_zero: index 0 is padding; compute_mask gives x != 0")
        return e

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "input_dim": self.input_dim, "output_dim": self.output_dim,
                **weight_options_config(self, "embeddings_initializer", "embeddings_regularizer",
                                        "activity_regularizer", "embeddings_constraint"),
                "mask_zero": self.mask_zero, "input_length": self.input_length}
