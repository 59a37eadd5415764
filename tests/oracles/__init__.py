"""Test oracles: PyTorch twins of glassnet tensors and models, and the shared table of op samples."""

from .samples import SAMPLE_IDS, SAMPLES, Case, OpSample
from .torch_ref import keras_clip, keras_reduce, keras_relu, to_numpy, to_torch, torch_linear, torch_mlp_from

__all__ = ["SAMPLES", "SAMPLE_IDS", "Case", "OpSample", "keras_clip", "keras_reduce", "keras_relu", "to_numpy",
           "to_torch", "torch_linear", "torch_mlp_from"]
