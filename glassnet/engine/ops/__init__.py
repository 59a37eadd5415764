"""Primitive operations: each one's forward and backward side by side.

One module per kind of layer: ``math`` (element-wise, reductions, shapes), ``nn`` (dense,
activations, cross-entropies, dropout), ``conv`` (convolutions), ``pooling``, ``normalization``
(batch and layer norm), ``attention`` (scaled dot-product attention), ``spatial`` (upsampling, resizing, padding, cropping), ``recurrent`` (SimpleRNN, LSTM
and GRU over whole sequences, sharing ``sequences``), ``embedding`` (the lookup) and ``fused`` (conv ->
ReLU -> 2x2 max pool in one pass).  ``im2col`` holds the window geometry and array kernels they share.

For ``keras.ops`` (issue 14): ``elementwise`` (trigonometry, logs, erf...), ``scans`` (cumsum, cumprod, prod,
logsumexp), ``indexing`` (gathers and scatters behind flip, pad, sort, scatter, segment_sum...), ``linalg``
(inv, det, solve, Cholesky) and ``fourier`` (fft on (real, imag) pairs).
"""

from . import (
    attention,
    conv,
    elementwise,
    embedding,
    fourier,
    fused,
    im2col,
    indexing,
    linalg,
    math,
    nn,
    normalization,
    pooling,
    recurrent,
    scans,
    sequences,
    spatial,
)

__all__ = ["attention", "conv", "embedding", "fused", "im2col", "math", "nn", "normalization", "pooling", "recurrent", "sequences",
           "spatial"]
__all__ += ["elementwise", "fourier", "indexing", "linalg", "scans"]
