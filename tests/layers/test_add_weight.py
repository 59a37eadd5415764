"""``Layer.add_weight`` in Keras 3's signature, Keras 2's (``name`` first) and glassnet's older positional one."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn


def guide_layers(lib):
    """"Making new layers and models via subclassing": Linear and ComputeSum, as the guide writes them."""

    class Linear(lib.layers.Layer):
        def __init__(self, units=32, input_dim=32):
            super().__init__()
            self.w = self.add_weight(shape=(input_dim, units), initializer="random_normal", trainable=True)
            self.b = self.add_weight(shape=(units,), initializer="zeros", trainable=True)

        def call(self, inputs):
            return lib.ops.matmul(inputs, self.w) + self.b

    class ComputeSum(lib.layers.Layer):
        def __init__(self, input_dim):
            super().__init__()
            self.total = self.add_weight(initializer="zeros", shape=(input_dim,), trainable=False)

        def call(self, inputs):
            self.total.assign_add(lib.ops.sum(inputs, axis=0))
            return self.total

    return Linear, ComputeSum


def test_guide_layers_behave_as_in_keras(keras):
    x = np.ones((2, 2), dtype=np.float32)
    for lib in (gn, keras):
        linear, compute_sum = guide_layers(lib)
        layer = linear(4, 2)
        assert [tuple(w.shape) for w in layer.weights] == [(2, 4), (4,)]
        assert len(layer.trainable_weights) == 2
        summer = compute_sum(2)
        summer(x)
        np.testing.assert_allclose(np.asarray(summer(x)), [4.0, 4.0])
        assert len(summer.trainable_weights) == 0 and len(summer.non_trainable_weights) == 1


def test_keras3_keywords_and_defaults():
    layer = gn.layers.Layer(name="host")
    w = layer.add_weight(shape=(3, 2), name="w", autocast=False, aggregation="mean")
    assert w.shape == (3, 2) and w.trainable and w.path == "host/w" and np.abs(w.numpy()).sum() > 0  # glorot
    scalar = layer.add_weight()
    assert scalar.shape == ()
    count = layer.add_weight(shape=(), dtype="int64", name="count", trainable=False)
    assert count.dtype == np.int64 and int(count.numpy()) == 0  # integer weights start at zeros, as in Keras
    both = layer.add_weight((2,), "ones", "float32")  # Keras 3 takes shape, initializer, dtype by position
    np.testing.assert_array_equal(both.numpy(), [1.0, 1.0])


def test_keras2_name_first_and_glassnet_positional_order():
    layer = gn.layers.Layer(name="old")
    w = layer.add_weight("kernel", (2, 3), "float32", "ones", None, False)
    assert w.path == "old/kernel" and w.shape == (2, 3) and not w.trainable
    np.testing.assert_array_equal(w.numpy(), np.ones((2, 3)))
    v = layer.add_weight(name="v", shape=(2,), initializer="zeros", trainable=None, use_resource=True)
    assert v.trainable and v.shape == (2,)
    older = layer.add_weight((2,), "ones", None, False, "l2", "scale")  # glassnet's former positional order
    assert older.path == "old/scale" and not older.trainable and older.regularizer is not None


def test_failures_name_the_argument():
    layer = gn.layers.Layer(name="bad")
    with pytest.raises(TypeError, match="'shape' both by position and as a keyword"):
        layer.add_weight((2,), shape=(3,))
    with pytest.raises(TypeError, match="unexpected keyword argument.*'colour'"):
        layer.add_weight(shape=(2,), colour="red")
    with pytest.raises(ValueError, match="aggregation='max'"):
        layer.add_weight(shape=(2,), aggregation="max")
    with pytest.raises(NotImplementedError, match="overwrite_with_gradient"):
        layer.add_weight(shape=(2,), overwrite_with_gradient=True)
