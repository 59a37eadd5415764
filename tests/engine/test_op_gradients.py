"""Finite differences in float64 for every primitive, activation, loss and issue-2 layer.

One table (``tests/oracles/samples.py`` and ``samples_cnn.py``) drives every test here; a coverage test
makes sure each public op of every module of ``engine/ops`` (math, nn, conv, pooling, normalization,
spatial, fused: any module added there is counted too), each activation name, each loss class and each
issue-2 layer has at least one sample.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import numpy as np
import pytest
from oracles import SAMPLES, OpSample

import glassnet as gn
from glassnet import layers, losses
from glassnet.engine import ops
from glassnet.engine.gradcheck import GradientCheckError, check_gradients
from glassnet.engine.ops import math as m
from glassnet.engine.ops import nn

CORE_LAYERS = ["Dense", "Activation", "Flatten", "Reshape", "Dropout", "Add", "Subtract", "Multiply", "Average",
                 "Maximum", "Minimum", "Concatenate", "ReLU", "LeakyReLU", "Softmax"]


# Public functions of engine/ops that are not differentiable ops, so have no sample: the window geometry
# and array kernels of im2col.py (exercised by every conv, pooling and fused sample), the helpers the
# recurrent ops share in sequences.py (exercised by every recurrent sample), the shared argument
# checks, the output-size rule of the transposed convolution, the causal mask's table of booleans and
# the comparisons of compare.py (boolean/integer results: no gradient; tests/engine/test_array_ops.py),
# and the compiled kernels' modules (loops on plain arrays behind the conv and recurrent ops, checked
# against their NumPy references in test_conv_kernels.py and test_recurrent_kernels.py).
NOT_OPS = {"im2col.*", "sequences.*", "compare.*", "conv_kernels.*", "recurrent_kernels.*", "parallel.*", "conv.check_conv_args", "conv.conv_transpose_output_length",
           "attention.causal_mask"}


def _public_functions(module: object) -> set[str]:
    return {name for name, fn in inspect.getmembers(module, inspect.isfunction)
            if fn.__module__ == module.__name__ and not name.startswith("_")}


def engine_ops() -> set[str]:
    """``"module.function"`` for every public function of every module in ``engine/ops``, less ``NOT_OPS``."""
    names = set()
    for info in pkgutil.iter_modules(ops.__path__):
        if f"{info.name}.*" in NOT_OPS:
            continue
        module = importlib.import_module(f"{ops.__name__}.{info.name}")
        names |= {f"{info.name}.{n}" for n in _public_functions(module)}
    return names - NOT_OPS


def test_the_op_list_reaches_every_room_of_engine_ops() -> None:
    """Guards the coverage test below against finding nothing to check."""
    found = engine_ops()
    for op in ("math.add", "nn.dense", "conv.conv2d", "conv.conv1d", "conv.conv2d_transpose", "pooling.max_pool2d",
               "pooling.avg_pool1d", "normalization.batch_norm", "spatial.upsample2d", "spatial.resize_bilinear",
               "spatial.pad2d", "spatial.crop2d", "fused.conv2d_relu_max_pool"):
        assert op in found
    assert NOT_OPS - {"im2col.*", "sequences.*", "compare.*", "conv_kernels.*", "recurrent_kernels.*", "parallel.*"} <= ({f"conv.{n}" for n in _public_functions(ops.conv)}
                                                     | {f"attention.{n}" for n in _public_functions(ops.attention)}), \
        "a stale NOT_OPS entry"


def test_every_primitive_activation_loss_and_layer_has_a_sample() -> None:
    covered = {s.covers for s in SAMPLES}
    expected = engine_ops()
    expected |= {f"activation.{n}" for n in gn.activations.names()}
    expected |= {f"loss.{type(losses.get(n)).__name__}" for n in losses.names()}
    expected |= {f"layer.{n}" for n in CORE_LAYERS}
    assert expected - covered == set()


@pytest.mark.parametrize("sample", SAMPLES, ids=str)
def test_gradient_matches_finite_differences(sample: OpSample) -> None:
    gn.set_floatx("float64")
    case = sample.build(np.random.default_rng(0))
    errors = check_gradients(case.fn, case.inputs, wrt=case.wrt, rtol=sample.rtol)
    assert len(errors) == len(case.inputs if case.wrt is None else case.wrt)


@pytest.mark.parametrize("sample", SAMPLES, ids=str)
def test_float32_in_float32_out(sample: OpSample) -> None:
    """No op silently promotes float32 to float64 (values or gradients): it would halve the speed."""
    case = sample.build(np.random.default_rng(0))
    tensors = [x if isinstance(x, gn.Variable) else gn.Tensor(np.asarray(x, dtype=np.float32), requires_grad=True)
               for x in case.inputs]
    with gn.GradientTape() as tape:
        out = case.fn(*tensors)
        target = m.sum(out)
    assert out.dtype == np.float32, f"{sample.name}: output is {out.dtype}"
    wrt = range(len(tensors)) if case.wrt is None else case.wrt
    for i, g in zip(wrt, tape.gradient(target, [tensors[i] for i in wrt])):
        assert g is None or np.asarray(g).dtype == np.float32, f"{sample.name}: gradient {i} is {np.asarray(g).dtype}"


# --- the checker itself must be able to fail ---------------------------------------------------------------
def test_check_gradients_catches_a_wrong_backward() -> None:
    def doubled_wrong(a: gn.Tensor) -> gn.Tensor:  # forward 3a, backward claims 2
        return gn.engine.record(a.data * 3, (a,), lambda g: (2 * g,))

    with pytest.raises(GradientCheckError, match=r"input 0 \(shape \(2, 3\)\)"):
        check_gradients(doubled_wrong, [np.ones((2, 3))])
    errors = check_gradients(doubled_wrong, [np.ones((2, 3))], raise_on_failure=False)
    assert errors[0] == pytest.approx(1 / 3, rel=1e-6)


def test_check_gradients_catches_the_diagonal_only_softmax_bug() -> None:
    def diagonal_softmax(z: gn.Tensor) -> gn.Tensor:
        s = nn.softmax(z).data
        return gn.engine.record(s, (z,), lambda g: (g * s * (1 - s),))

    with pytest.raises(GradientCheckError):
        check_gradients(diagonal_softmax, [np.random.default_rng(0).normal(size=(3, 4))])


def test_check_gradients_on_layer_weights_needs_float64() -> None:
    layer = layers.Dense(2)
    layer(np.ones((1, 3), dtype=np.float32))
    with pytest.raises(TypeError, match="float64"):
        check_gradients(lambda x, k, b: layer(x), [np.ones((1, 3)), layer.kernel, layer.bias])


def test_check_gradients_restores_inputs_and_respects_wrt() -> None:
    gn.set_floatx("float64")
    layer = layers.Dense(2)
    layer(np.ones((1, 3)))
    before = layer.kernel.numpy().copy()
    errors = check_gradients(lambda x, k: layer(x), [np.ones((2, 3)), layer.kernel], wrt=[1])
    assert len(errors) == 1
    np.testing.assert_array_equal(layer.kernel.numpy(), before)
    assert layer.kernel.requires_grad


# --- failure paths: the message names the argument and the shapes at fault -------------------------------------
def test_matmul_of_a_scalar_names_the_shapes() -> None:
    with pytest.raises(ValueError, match=r"matmul.*\(\).*\(3,\)"):
        m.matmul(gn.Tensor(np.array(2.0)), gn.Tensor(np.ones(3)))


def test_sparse_cross_entropy_rejects_bad_labels() -> None:
    logits = np.zeros((3, 4))
    with pytest.raises(ValueError, match=r"\[0, 3\] for 4 classes"):
        losses.SparseCategoricalCrossentropy(from_logits=True)(np.array([0, 4, 1]), logits)
    with pytest.raises(ValueError, match=r"labels of shape \(3,\)|shape \(2,\)"):
        losses.SparseCategoricalCrossentropy(from_logits=True)(np.array([0, 1]), logits)
    with pytest.raises(ValueError, match="whole numbers"):
        losses.SparseCategoricalCrossentropy()(np.array([0.0, np.nan, 1.0]), np.full((3, 4), 0.25))
    with pytest.raises(ValueError, match="categorical_crossentropy"):
        losses.SparseCategoricalCrossentropy()(np.eye(4)[:3], np.full((3, 4), 0.25))


def test_categorical_cross_entropy_with_integer_labels_suggests_the_sparse_loss() -> None:
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy"):
        losses.CategoricalCrossentropy()(np.array([0, 2, 1]), np.full((3, 4), 0.25))


def test_regression_loss_shape_mismatch_names_both_shapes() -> None:
    with pytest.raises(ValueError, match=r"mean_squared_error.*\(3, 2\).*\(3, 4\)"):
        losses.MeanSquaredError()(np.zeros((3, 2)), np.zeros((3, 4)))


def test_unknown_reduction_is_named() -> None:
    with pytest.raises(ValueError, match="'average'"):
        losses.MeanSquaredError(reduction="average")


def test_variable_assign_names_the_variable_and_shapes() -> None:
    v = gn.Variable(np.zeros((2, 3)), name="dense/kernel")
    with pytest.raises(ValueError, match=r"dense/kernel.*\(3, 2\).*\(2, 3\)"):
        v.assign(np.zeros((3, 2)))


def test_nan_predictions_are_not_hidden_by_the_loss() -> None:
    value = losses.MeanSquaredError()(np.zeros((2, 2)), np.array([[0.0, np.nan], [1.0, 1.0]]))
    assert np.isnan(float(value))
    assert np.isnan(nn.relu(gn.Tensor(np.array([np.nan]))).numpy()).all()


def test_fused_cross_entropy_stays_exact_at_extreme_logits() -> None:
    """Probabilities from a softmax op use its logits: no clipping at 1e-7, so the loss is the true 2000."""
    z = gn.Tensor(np.array([[1000.0, -1000.0]]), requires_grad=True)
    with gn.GradientTape() as tape:
        loss = losses.CategoricalCrossentropy()(np.array([[0.0, 1.0]]), nn.softmax(z))
    assert float(loss) == pytest.approx(2000.0)
    np.testing.assert_allclose(tape.gradient(loss, z), [[1.0, -1.0]])
    clipped = losses.CategoricalCrossentropy()(np.array([[0.0, 1.0]]), nn.softmax(z).numpy())
    assert float(clipped) == pytest.approx(-np.log(1e-7), rel=1e-6)  # plain arrays: Keras' clipping
