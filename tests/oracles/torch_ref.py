"""PyTorch twins of glassnet tensors, layers and Keras' loss conventions (a test oracle only)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

# Keras clips probabilities to [eps, 1 - eps] before taking logs (backend.epsilon()).
KERAS_EPS = 1e-7

torch.set_num_threads(1)  # the oracle's few tiny ops gain nothing from threads on a shared 2-core box


def to_torch(arrays: Sequence[Any], requires_grad: bool = True) -> list[torch.Tensor]:
    """float64 leaf tensors holding copies of ``arrays`` (glassnet Tensors or NumPy arrays)."""
    out = []
    for a in arrays:
        data = np.array(getattr(a, "data", a), dtype=np.float64, copy=True)
        out.append(torch.tensor(data, dtype=torch.float64, requires_grad=requires_grad))
    return out


def to_numpy(t: torch.Tensor | None) -> np.ndarray | None:
    """A NumPy copy of a torch tensor (``None`` stays ``None``)."""
    return None if t is None else t.detach().cpu().numpy().copy()


def keras_reduce(values: torch.Tensor, sample_weight: torch.Tensor | None, reduction: str | None) -> torch.Tensor:
    """Keras' loss reduction: weight the per-sample values, then sum / mean over every entry / nothing."""
    if sample_weight is not None:
        sw = sample_weight
        while sw.ndim < values.ndim:
            sw = sw.unsqueeze(-1)
        values = values * sw
    if reduction in (None, "none"):
        return values
    if reduction == "sum":
        return values.sum()
    return values.sum() / values.numel()  # "sum_over_batch_size": divides by the count, not the weights


def keras_clip(p: torch.Tensor) -> torch.Tensor:
    """Probabilities clipped as Keras does before a log."""
    return p.clamp(KERAS_EPS, 1 - KERAS_EPS)


def torch_linear(kernel: torch.Tensor, bias: torch.Tensor | None) -> torch.nn.Linear:
    """A ``torch.nn.Linear`` with a Keras Dense layer's weights (Keras stores (in, out), torch (out, in))."""
    layer = torch.nn.Linear(kernel.shape[0], kernel.shape[1], bias=bias is not None, dtype=kernel.dtype)
    with torch.no_grad():
        layer.weight.copy_(kernel.T)
        if bias is not None:
            layer.bias.copy_(bias)
    return layer


def torch_mlp_from(model: Any, activation: str = "tanh") -> torch.nn.Sequential:
    """A torch MLP with the weights of a glassnet model made of Dense layers (same activation between them).

    The last Dense layer is linear; the hidden ones use ``activation``.
    """
    dense = [layer for layer in model.layers if hasattr(layer, "kernel")]
    modules: list[torch.nn.Module] = []
    for i, layer in enumerate(dense):
        kernel = torch.tensor(np.asarray(layer.kernel.numpy(), dtype=np.float64))
        bias = None if layer.bias is None else torch.tensor(np.asarray(layer.bias.numpy(), dtype=np.float64))
        modules.append(torch_linear(kernel, bias))
        if i < len(dense) - 1:
            acts = {"tanh": torch.nn.Tanh, "relu": torch.nn.ReLU, "sigmoid": torch.nn.Sigmoid}
            modules.append(acts[activation]())
    return torch.nn.Sequential(*modules)


def keras_relu(x: torch.Tensor, negative_slope: float = 0.0, max_value: float | None = None,
               threshold: float = 0.0) -> torch.Tensor:
    """Keras' ``relu(x, negative_slope, max_value, threshold)``: above the threshold x (clipped to
    [0, max_value] when a cap is given), below it slope * (x - threshold)."""
    upper = x if max_value is None else torch.clamp(x, 0.0, max_value)
    return torch.where(x > threshold, upper, negative_slope * (x - threshold))


__all__ = ["F", "KERAS_EPS", "keras_clip", "keras_reduce", "keras_relu", "to_numpy", "to_torch", "torch",
           "torch_linear", "torch_mlp_from"]


# --- recurrent layers: Keras' weights in torch's nn.RNN / nn.LSTM / nn.GRU ------------------------------------
def keras_to_torch_gates(cell: str, a: np.ndarray) -> np.ndarray:
    """Keras' gate blocks along the last axis in torch's order: GRU z r h -> r z n (LSTM i f c o is torch's i f g o).

    The GRU swap is its own inverse, so the same call maps torch's order back to Keras'.
    """
    if cell.lower() != "gru":
        return a
    z, r, h = np.split(a, 3, axis=-1)
    return np.concatenate([r, z, h], axis=-1)


def torch_to_keras_weight(cell: str, a: np.ndarray) -> np.ndarray:
    """A torch ``(k u, n)`` RNN weight (or its gradient) in Keras' ``(n, k u)`` layout and gate order."""
    return keras_to_torch_gates(cell, a.T)


def load_keras_rnn_weights(module: torch.nn.Module, cell: str, kernel: np.ndarray, recurrent_kernel: np.ndarray,
                           bias: np.ndarray, suffix: str = "") -> None:
    """Copy a Keras RNN's weights into layer 0 of a torch RNN module (``suffix="_reverse"``: its backward direction).

    torch keeps ``(k u, n)`` matrices and two biases; Keras keeps ``(n, k u)`` and one bias (GRU: a (2, 3u)
    input and recurrent pair), so the recurrent bias is zero except for the GRU.
    """
    gru = cell.lower() == "gru"
    with torch.no_grad():
        getattr(module, f"weight_ih_l0{suffix}").copy_(torch.tensor(keras_to_torch_gates(cell, kernel).T))
        getattr(module, f"weight_hh_l0{suffix}").copy_(torch.tensor(keras_to_torch_gates(cell, recurrent_kernel).T))
        getattr(module, f"bias_ih_l0{suffix}").copy_(torch.tensor(keras_to_torch_gates(cell, bias[0] if gru else bias)))
        recurrent_bias = getattr(module, f"bias_hh_l0{suffix}")
        if gru:
            recurrent_bias.copy_(torch.tensor(keras_to_torch_gates(cell, bias[1])))
        else:
            recurrent_bias.zero_()
