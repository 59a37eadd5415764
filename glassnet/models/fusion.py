"""Layer fusion in ``Sequential`` and Functional models: ``Conv2D(activation="relu")`` followed by
``MaxPooling2D(2)`` runs as one op.

The two layers stay two layers (weights, configs, ``summary()`` and saving are unchanged); only the
computation is done in one pass by :func:`glassnet.engine.ops.fused.conv2d_relu_max_pool`, which
gives the same values and gradients (the tests check both against the unfused pair).  Set
``model.fuse_layers = False`` to run every layer separately, e.g. to step through them.
"""

from __future__ import annotations

from typing import Any

from .. import activations
from ..engine.ops.fused import conv2d_relu_max_pool


def can_fuse(conv: Any, pool: Any) -> bool:
    """Whether ``conv`` then ``pool`` is a ReLU Conv2D followed by a 2x2/stride-2 'valid' max pooling."""
    from ..layers.convolutional import Conv2D
    from ..layers.pooling import MaxPooling2D

    return (type(conv) is Conv2D and type(pool) is MaxPooling2D and conv.built and pool.built
            and conv.activation is activations.relu and conv.activity_regularizer is None
            and tuple(pool.pool_size) == (2, 2) and tuple(pool.strides) == (2, 2) and pool.padding == "valid")


def conv_relu_max_pool(conv: Any, pool: Any, inputs: Any) -> Any:
    """Run the fused pair on ``inputs`` with the same shape checks the layers make."""
    if conv.input_spec is not None:
        conv.input_spec.check(conv.name, inputs.shape)
    conv._check_size(inputs)
    return conv2d_relu_max_pool(inputs, conv.kernel, conv.bias, conv.strides, conv.padding, conv.dilation_rate)
