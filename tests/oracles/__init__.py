"""Test oracles: PyTorch twins of glassnet tensors and models, and the shared table of op samples."""

# samples_cnn adds the convolution, pooling, batch-norm, resampling and fused samples to the one table;
# samples_rnn the recurrent ops and the embedding lookup, samples_attention attention and layer norm, samples_arrays
# tile/split/take/einsum (issue 12).
from . import (  # noqa: F401
    samples_arrays,
    samples_attention,
    samples_cnn,
    samples_keras_ops,  # issue 14: the keras.ops primitives (elementwise, scans, indexing) and compositions
    samples_losses_extra,  # issue 14: focal, Dice, Tversky, Circle losses
    samples_rnn,
)
from .samples import SAMPLES, Case, OpSample
from .torch_ref import keras_clip, keras_reduce, keras_relu, to_numpy, to_torch, torch_linear, torch_mlp_from

SAMPLE_IDS = [s.name for s in SAMPLES]
assert len(set(SAMPLE_IDS)) == len(SAMPLE_IDS), "sample names must be unique"

__all__ = ["SAMPLES", "SAMPLE_IDS", "Case", "OpSample", "keras_clip", "keras_reduce", "keras_relu", "to_numpy",
           "to_torch", "torch_linear", "torch_mlp_from"]
