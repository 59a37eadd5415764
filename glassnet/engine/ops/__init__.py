"""Primitive operations: each one's forward and backward side by side.

One module per kind of layer: ``math`` (element-wise, reductions, shapes), ``nn`` (dense,
activations, cross-entropies, dropout), ``conv`` (convolutions), ``pooling``, ``normalization``
(batch norm), ``spatial`` (upsampling, resizing, padding, cropping) and ``fused`` (conv -> ReLU ->
2x2 max pool in one pass).  ``im2col`` holds the window geometry and array kernels they share.
"""

from . import conv, fused, im2col, math, nn, normalization, pooling, spatial

__all__ = ["conv", "fused", "im2col", "math", "nn", "normalization", "pooling", "spatial"]
