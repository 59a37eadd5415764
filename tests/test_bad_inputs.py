"""Bad input gets a clear error that names the layer, argument or shape at fault."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as keras
from glassnet import layers


def _classifier(features: int = 4, classes: int = 3) -> keras.Sequential:
    model = keras.Sequential([keras.Input(shape=(features,)), layers.Dense(8, activation="relu", name="hidden"),
                              layers.Dense(classes, activation="softmax", name="probs")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def test_wrong_input_shape_names_the_model_and_both_shapes() -> None:
    model = _classifier()
    with pytest.raises(ValueError, match=r"expected shape \(None, 4\).*\(None, 5\)"):
        model.predict(np.zeros((2, 5), "float32"), verbose=0)


def test_wrong_feature_count_names_the_layer() -> None:
    dense = layers.Dense(3, name="my_dense")
    dense(np.zeros((2, 4), "float32"))
    with pytest.raises(ValueError, match=r"layer 'my_dense'.*axis -1.*value 4.*\(None, 6\)"):
        dense(np.zeros((2, 6), "float32"))


def test_incompatible_layer_in_functional_graph() -> None:
    inp = keras.Input(shape=(28, 28))
    with pytest.raises(ValueError, match="min_ndim|incompatible|Reshape"):
        layers.Reshape((10, 10))(inp)


def test_integer_labels_with_categorical_crossentropy_suggest_the_sparse_loss() -> None:
    model = _classifier()
    model.compile("adam", "categorical_crossentropy")
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy"):
        model.fit(np.zeros((8, 4), "float32"), np.zeros(8, "int64"), verbose=0)


def test_one_hot_labels_with_sparse_loss_suggest_the_categorical_loss() -> None:
    model = _classifier()
    with pytest.raises(ValueError, match="one-hot labels.*categorical_crossentropy"):
        model.fit(np.zeros((8, 4), "float32"), np.eye(3)[np.zeros(8, int)], verbose=0)


def test_label_out_of_range_is_reported() -> None:
    model = _classifier(classes=3)
    with pytest.raises(ValueError, match=r"labels must be integers in \[0, 2\]"):
        model.fit(np.zeros((8, 4), "float32"), np.full(8, 7), verbose=0)


def test_regression_label_shape_mismatch() -> None:
    model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(2)])
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match=r"mean_squared_error: labels of shape \(8, 3\).*\(8, 2\)"):
        model.fit(np.zeros((8, 4), "float32"), np.zeros((8, 3), "float32"), verbose=0)


@pytest.mark.parametrize("kind,call", [
    ("optimizer", lambda: _classifier().compile(optimizer="adamm", loss="mse")),
    ("loss", lambda: _classifier().compile(optimizer="adam", loss="mean_sqared_error")),
    ("activation", lambda: layers.Dense(3, activation="rellu")),
    ("initializer", lambda: layers.Dense(3, kernel_initializer="glorot")),
    ("regularizer", lambda: layers.Dense(3, kernel_regularizer="l3")),
    ("metric", lambda: _classifier().compile(optimizer="adam", loss="mse", metrics=["acuracy"])),
])
def test_unknown_string_alias_lists_the_valid_names(kind: str, call) -> None:
    with pytest.raises(ValueError, match=rf"Unknown {kind} .*Valid {kind} names: "):
        call()


def test_fit_before_compile_says_what_to_do() -> None:
    model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(2)])
    with pytest.raises(RuntimeError, match=r"compile\(\) before fit\(\)"):
        model.fit(np.zeros((4, 4)), np.zeros((4, 2)))
    with pytest.raises(RuntimeError, match=r"compile\(\) before evaluate\(\)"):
        model.evaluate(np.zeros((4, 4)), np.zeros((4, 2)))


@pytest.mark.parametrize("where", ["x", "y"])
def test_nan_in_data_names_the_array_and_sample(where: str) -> None:
    x = np.zeros((10, 4), "float32")
    y = np.zeros((10, 1), "float32")
    (x if where == "x" else y)[6, 0] = np.nan
    model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(1)])
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match=rf"^{where} contains NaN \(first at sample 6"):
        model.fit(x, y, verbose=0)


def test_infinite_value_in_validation_data() -> None:
    x = np.zeros((10, 4), "float32")
    y = np.zeros((10, 1), "float32")
    bad = x.copy()
    bad[2, 1] = np.inf
    model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(1)])
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="validation_data x contains an infinite value"):
        model.fit(x, y, validation_data=(bad, y), verbose=0)


def test_sample_count_mismatch() -> None:
    model = _classifier()
    with pytest.raises(ValueError, match=r"same number of samples.*x: 10.*y: 9"):
        model.fit(np.zeros((10, 4)), np.zeros(9), verbose=0)


@pytest.mark.parametrize("kwargs,message", [
    ({"batch_size": 0}, "batch_size must be a positive integer"),
    ({"batch_size": 2.5}, "batch_size must be a positive integer"),
    ({"epochs": -1}, "epochs must be a non-negative integer"),
    ({"validation_split": 1.5}, r"validation_split must be in \(0, 1\)"),
    ({"validation_split": 1e-17}, "leaves no validation samples"),
    ({"validation_split": 0.95}, "leaves no training samples"),
    ({"validation_data": (np.zeros((2, 4)),)}, "validation_data must be a tuple"),
])
def test_bad_fit_arguments(kwargs: dict, message: str) -> None:
    model = _classifier()
    with pytest.raises(ValueError, match=message):
        model.fit(np.zeros((10, 4)), np.zeros(10), verbose=0, **kwargs)


def test_string_data_is_rejected_with_its_dtype() -> None:
    model = _classifier()
    with pytest.raises(TypeError, match="x must be numeric"):
        model.fit(np.array([["a"] * 4] * 3), np.zeros(3), verbose=0)


def test_bad_layer_arguments_name_the_layer() -> None:
    with pytest.raises(ValueError, match="Dense 'tiny': units must be a positive integer"):
        layers.Dense(0, name="tiny")
    with pytest.raises(ValueError, match="Dropout 'drop': rate must be in"):
        layers.Dropout(1.5, name="drop")
    with pytest.raises(ValueError, match="Input: every size in shape must be positive"):
        keras.Input(shape=(0, 3))
    with pytest.raises(TypeError, match="Dense: unexpected keyword argument"):
        layers.Dense(3, activaton="relu")


def test_merge_layers_check_their_inputs() -> None:
    a, b = keras.Input(shape=(3,)), keras.Input(shape=(4,))
    with pytest.raises(ValueError, match="Add layer 'add.*same shape"):
        layers.Add()([a, b])
    with pytest.raises(ValueError, match="must be called on a list of at least 2"):
        layers.Add()([a])
    c = keras.Input(shape=(2, 3))
    with pytest.raises(ValueError, match="Concatenate layer .*matching shapes"):
        layers.Concatenate(axis=-1)([keras.Input(shape=(3, 3)), c])


def test_symbolic_tensor_cannot_be_used_as_data() -> None:
    inp = keras.Input(shape=(3,))
    with pytest.raises(TypeError, match="holds no data"):
        np.asarray(inp)


def test_to_categorical_rejects_bad_labels() -> None:
    with pytest.raises(ValueError, match="whole numbers"):
        keras.utils.to_categorical([0.5, 1.0])
    with pytest.raises(ValueError, match="out of range for num_classes=2"):
        keras.utils.to_categorical([0, 3], num_classes=2)
    with pytest.raises(ValueError, match="non-negative"):
        keras.utils.to_categorical([-1, 0])


def test_no_loss_in_compile_is_reported_at_fit() -> None:
    model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(2)])
    model.compile("sgd")
    with pytest.raises(RuntimeError, match="needs a loss"):
        model.fit(np.zeros((4, 4)), np.zeros((4, 2)), verbose=0)


def test_models_refuse_pickle() -> None:
    import pickle

    with pytest.raises(TypeError, match="not pickled"):
        pickle.dumps(_classifier())
