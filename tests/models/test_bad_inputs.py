"""Bad input gets a clear error that names the layer, argument or shape at fault."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import glassnet as keras
from glassnet import layers
from glassnet.models import user_arrays


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


def test_huge_finite_values_whose_sum_overflows_are_not_called_infinite() -> None:
    """The quick check sums the array in its own dtype; a sum that overflows is checked element by element."""
    x = np.full((10, 4), 3e38, "float32")          # finite, but 40 of them sum past float32's maximum
    with np.errstate(over="ignore"):
        assert not np.isfinite(x.sum())
    model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(1)])
    model.compile("sgd", "mse")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)    # the check itself warns of nothing
        user_arrays.refuse_non_finite(x, "x", "")
    with np.errstate(over="ignore"):                     # the products of such values overflow, as in NumPy
        model.predict(x, verbose=0)                      # accepted: no "contains an infinite value"
    x[9, 3] = -np.inf
    with pytest.raises(ValueError, match=r"contains an infinite value \(first at sample 9"):
        model.predict(x, verbose=0)


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


# ================================================================================================
# The bad-input table (issue 8, section 3): one row per mistake, so adding a case is adding a row.
# Each row: (id, a call that makes the mistake, the exception or warning class expected, words the
# message must contain).  Warning rows are checked with pytest.warns, the others with pytest.raises.
# ================================================================================================
def _x(n: int = 10, features: int = 4) -> np.ndarray:
    return np.random.default_rng(0).random((n, features)).astype("float32")


def _labels(n: int = 10, classes: int = 3) -> np.ndarray:
    return np.arange(n) % classes


def _fit(model: keras.Model | None = None, x: object = None, y: object = None, **kwargs: object) -> object:
    """``model.fit`` (a small classifier by default) on 10 samples, silently unless a row sets verbose."""
    kwargs.setdefault("verbose", 0)
    model = model or _classifier()
    return model.fit(_x() if x is None else x, _labels() if y is None else y, **kwargs)


def _twin() -> keras.Model:
    """A two-input Functional model named 'twin' with inputs 'a' (3 features) and 'b' (2 features)."""
    a, b = keras.Input(shape=(3,), name="a"), keras.Input(shape=(2,), name="b")
    out = layers.Dense(1, name="score")(layers.Concatenate()([a, b]))
    model = keras.Model([a, b], out, name="twin")
    model.compile("sgd", "mse")
    return model


def _twin_data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return np.zeros((6, 3), "float32"), np.zeros((6, 2), "float32"), np.zeros((6, 1), "float32")


def _head(units: int, activation: str | None, loss: object, features: int = 4) -> keras.Sequential:
    """A one-layer model whose output layer is called 'head'."""
    model = keras.Sequential([keras.Input(shape=(features,)), layers.Dense(units, activation=activation, name="head")])
    model.compile("adam", loss)
    return model


def _dense_with_weights(name: str = "probs") -> layers.Dense:
    dense = layers.Dense(2, name=name)
    dense(np.zeros((1, 2), "float32"))
    return dense


def _with_bad(array: np.ndarray, index: tuple[int, ...], value: float) -> np.ndarray:
    array = array.copy()
    array[index] = value
    return array


def _image_model() -> keras.Sequential:
    model = keras.Sequential([keras.Input(shape=(28, 28)), layers.Flatten(), layers.Dense(10, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    return model


_OPTIMIZERS = [keras.optimizers.SGD, keras.optimizers.Adam, keras.optimizers.AdamW, keras.optimizers.RMSprop,
               keras.optimizers.Adagrad, keras.optimizers.Adadelta, keras.optimizers.Adamax, keras.optimizers.Nadam]

BAD_INPUTS: list[tuple[str, object, type, list[str]]] = [
    # -- fit/evaluate/predict arguments: wrong type or value, named ---------------------------------
    ("validation_split_str", lambda: _fit(validation_split="0.2"), TypeError,
     ["fit()", "validation_split", "0 <= validation_split < 1", "'0.2'"]),
    ("validation_split_negative", lambda: _fit(validation_split=-0.2), ValueError, ["validation_split", "-0.2"]),
    ("validation_split_one", lambda: _fit(validation_split=1.0), ValueError, ["validation_split", "(0, 1)"]),
    ("batch_size_str", lambda: _fit(batch_size="32"), TypeError, ["batch_size", "positive integer", "'32'"]),
    ("epochs_str", lambda: _fit(epochs="3"), TypeError, ["epochs", "non-negative integer"]),
    ("epochs_fraction", lambda: _fit(epochs=2.5), TypeError, ["epochs", "2.5"]),
    ("verbose_str", lambda: _fit(verbose="loud"), TypeError, ["verbose", "'auto'", "'loud'"]),
    ("verbose_negative", lambda: _fit(verbose=-1), ValueError, ["verbose", "-1"]),
    ("steps_per_epoch_zero", lambda: _fit(steps_per_epoch=0), ValueError, ["steps_per_epoch", "positive integer"]),
    ("initial_epoch_negative", lambda: _fit(initial_epoch=-1), ValueError, ["initial_epoch", "-1"]),
    ("initial_epoch_str", lambda: _fit(initial_epoch="1"), TypeError, ["initial_epoch", "'1'"]),
    ("shuffle_str", lambda: _fit(shuffle="yes"), TypeError, ["shuffle", "True or False", "'yes'"]),
    ("validation_freq_zero", lambda: _fit(validation_split=0.2, validation_freq=0), ValueError,
     ["validation_freq", "positive integer"]),
    ("validation_batch_size_str", lambda: _fit(validation_split=0.2, validation_batch_size="8"), TypeError,
     ["validation_batch_size"]),
    ("class_weight_nan", lambda: _fit(class_weight={0: float("nan"), 1: 1.0, 2: 1.0}), ValueError,
     ["class_weight[0]", "finite"]),
    ("evaluate_batch_size_zero", lambda: _classifier().evaluate(_x(), _labels(), batch_size=0, verbose=0), ValueError,
     ["evaluate()", "batch_size"]),
    ("predict_verbose_str", lambda: _classifier().predict(_x(), verbose="loud"), TypeError, ["predict()", "verbose"]),
    ("predict_steps_negative", lambda: _classifier().predict(_x(), steps=-1, verbose=0), ValueError,
     ["predict()", "steps"]),
    # -- the number and names of the input arrays ------------------------------------------------
    ("fit_three_arrays_for_two_inputs", lambda: _twin().fit(list(_twin_data()[:2]) + [_twin_data()[1]],
                                                           _twin_data()[2], verbose=0), ValueError,
     ["model 'twin'", "2 inputs", "'a'", "'b'", "fit()", "3 arrays"]),
    ("fit_one_array_for_two_inputs", lambda: _twin().fit(_twin_data()[0], _twin_data()[2], verbose=0), ValueError,
     ["model 'twin'", "2 inputs", "1 array"]),
    ("evaluate_three_arrays", lambda: _twin().evaluate([*_twin_data()[:2], _twin_data()[1]], _twin_data()[2],
                                                       verbose=0), ValueError, ["evaluate()", "3 arrays"]),
    ("predict_three_arrays", lambda: _twin().predict([*_twin_data()[:2], _twin_data()[1]], verbose=0), ValueError,
     ["predict()", "2 inputs", "3 arrays"]),
    ("dict_unknown_key", lambda: _twin().fit({"a": _twin_data()[0], "b": _twin_data()[1], "c": _twin_data()[1]},
                                             _twin_data()[2], verbose=0), ValueError,
     ["'c'", "model 'twin' inputs", "'a'", "'b'"]),
    ("dict_missing_key", lambda: _twin().fit({"a": _twin_data()[0]}, _twin_data()[2], verbose=0), ValueError,
     ["missing", "'b'", "model 'twin' inputs"]),
    ("predict_dict_misspelt_key", lambda: _twin().predict({"a": _twin_data()[0], "bb": _twin_data()[1]},
                                                           verbose=0), ValueError, ["missing", "'b'", "'bb'"]),
    ("labels_dict_unknown_key", lambda: _twin().fit(list(_twin_data()[:2]), {"nope": _twin_data()[2]}, verbose=0),
     ValueError, ["missing", "model 'twin' outputs"]),
    # -- a file name where data belongs ----------------------------------------------------------
    ("x_is_a_path_string", lambda: _fit(x="data.csv"), TypeError,
     ["x is a string", "'data.csv'", "load it first", "np.loadtxt", "pandas.read_csv"]),
    ("y_is_a_path_string", lambda: _fit(y="labels.csv"), TypeError, ["y is a string", "load it first"]),
    ("x_is_a_pathlib_path", lambda: _fit(x=__import__("pathlib").Path("data.csv")), TypeError, ["x is a path"]),
    ("evaluate_x_is_a_string", lambda: _classifier().evaluate("data.csv", _labels(), verbose=0), TypeError,
     ["evaluate x is a string", "load it first"]),
    ("predict_x_is_a_string", lambda: _classifier().predict("data.csv", verbose=0), TypeError, ["x is a string"]),
    ("x_holds_file_names", lambda: _fit(x=np.array(["a.png", "b.png"]), y=_labels(2)), TypeError,
     ["x must be numeric", "strings", "'a.png'"]),
    # -- optimizer hyper-parameters (every optimizer's learning_rate, then each other argument) ------
    *[(f"{cls.__name__}_learning_rate_str", (lambda cls=cls: cls(learning_rate="fast")), TypeError,
       [cls.__name__, "learning_rate", "'fast'"]) for cls in _OPTIMIZERS],
    ("learning_rate_negative", lambda: keras.optimizers.SGD(learning_rate=-0.1), ValueError,
     ["SGD", "learning_rate", ">= 0", "-0.1"]),
    ("learning_rate_nan", lambda: keras.optimizers.Adam(learning_rate=float("nan")), ValueError,
     ["Adam", "learning_rate", "nan"]),
    ("learning_rate_infinite", lambda: keras.optimizers.RMSprop(learning_rate=float("inf")), ValueError,
     ["RMSprop", "learning_rate", "inf"]),
    ("learning_rate_set_later", lambda: setattr(keras.optimizers.Adam(), "learning_rate", "fast"), TypeError,
     ["Adam", "learning_rate"]),
    ("beta_1_above_one", lambda: keras.optimizers.Adam(beta_1=1.5), ValueError, ["Adam", "beta_1", "[0, 1)"]),
    ("beta_2_str", lambda: keras.optimizers.Nadam(beta_2="0.999"), TypeError, ["Nadam", "beta_2", "'0.999'"]),
    ("beta_1_negative", lambda: keras.optimizers.Adamax(beta_1=-0.1), ValueError, ["Adamax", "beta_1"]),
    ("epsilon_negative", lambda: keras.optimizers.RMSprop(epsilon=-1e-7), ValueError, ["RMSprop", "epsilon"]),
    ("momentum_str", lambda: keras.optimizers.SGD(momentum="high"), TypeError, ["SGD", "momentum", "'high'"]),
    ("momentum_above_one", lambda: keras.optimizers.RMSprop(momentum=1.5), ValueError, ["RMSprop", "momentum"]),
    ("rho_above_one", lambda: keras.optimizers.Adadelta(rho=1.5), ValueError, ["Adadelta", "rho"]),
    ("weight_decay_negative", lambda: keras.optimizers.AdamW(weight_decay=-0.01), ValueError,
     ["AdamW", "weight_decay"]),
    ("clipnorm_zero", lambda: keras.optimizers.Adam(clipnorm=0), ValueError, ["Adam", "clipnorm", "> 0"]),
    ("clipvalue_str", lambda: keras.optimizers.SGD(clipvalue="1"), TypeError, ["SGD", "clipvalue"]),
    ("global_clipnorm_negative", lambda: keras.optimizers.Adam(global_clipnorm=-1.0), ValueError,
     ["global_clipnorm"]),
    ("initial_accumulator_negative", lambda: keras.optimizers.Adagrad(initial_accumulator_value=-0.1), ValueError,
     ["Adagrad", "initial_accumulator_value"]),
    # -- layer hyper-parameters ------------------------------------------------------------------
    ("dropout_rate_str", lambda: layers.Dropout("half", name="drop"), TypeError,
     ["Dropout 'drop'", "rate", "[0, 1)", "'half'"]),
    ("dropout_rate_one", lambda: layers.Dropout(1.0, name="drop"), ValueError, ["Dropout 'drop'", "rate", "1.0"]),
    ("dropout_rate_negative", lambda: layers.Dropout(-0.1), ValueError, ["rate", "[0, 1)"]),
    ("dense_units_zero", lambda: layers.Dense(0, name="d"), ValueError, ["Dense 'd'", "units", "positive integer"]),
    ("dense_units_negative", lambda: layers.Dense(-3, name="d"), ValueError, ["Dense 'd'", "units", "-3"]),
    ("dense_units_fraction", lambda: layers.Dense(2.5, name="d"), TypeError, ["Dense 'd'", "units", "2.5"]),
    ("dense_units_str", lambda: layers.Dense("10", name="d"), TypeError, ["Dense 'd'", "units", "'10'"]),
    ("conv_filters_zero", lambda: layers.Conv2D(0, 3, name="c"), ValueError, ["Conv2D 'c'", "filters"]),
    ("conv_kernel_size_str", lambda: layers.Conv2D(8, "3", name="c"), TypeError, ["Conv2D 'c'", "kernel_size"]),
    ("conv_kernel_size_entry_str", lambda: layers.Conv2D(8, (3, "3")), TypeError, ["kernel_size", "'3'"]),
    ("conv_strides_zero", lambda: layers.Conv2D(8, 3, strides=0), ValueError, ["strides", "0"]),
    ("conv_strides_fraction", lambda: layers.Conv1D(8, 3, strides=1.5), TypeError, ["Conv1D", "strides", "1.5"]),
    ("conv1d_kernel_size_pair", lambda: layers.Conv1D(8, (3, 3)), TypeError, ["Conv1D", "kernel_size", "(3, 3)"]),
    ("pool_size_zero", lambda: layers.MaxPooling2D(0, name="p"), ValueError, ["MaxPooling2D 'p'", "pool_size"]),
    ("pool_size_str", lambda: layers.AveragePooling1D("2"), TypeError, ["AveragePooling1D", "pool_size"]),
    ("upsampling_size_zero", lambda: layers.UpSampling2D(0), ValueError, ["UpSampling2D", "size"]),
    ("padding_negative", lambda: layers.ZeroPadding2D(-1), ValueError, ["ZeroPadding2D", "padding"]),
    ("reshape_not_a_tuple", lambda: layers.Reshape(784), TypeError, ["Reshape", "target_shape", "784"]),
    ("batchnorm_momentum_str", lambda: layers.BatchNormalization(momentum="0.9"), TypeError,
     ["BatchNormalization", "momentum"]),
    ("rescaling_scale_str", lambda: layers.Rescaling("1/255"), TypeError, ["Rescaling", "scale", "'1/255'"]),
    ("leaky_relu_slope_str", lambda: layers.LeakyReLU("0.1"), TypeError, ["LeakyReLU", "negative_slope"]),
    ("input_shape_str", lambda: keras.Input(shape=("28",)), TypeError, ["Input", "shape", "'28'"]),
    # -- set_weights: every array checked before any is assigned ---------------------------------
    ("set_weights_strings", lambda: _dense_with_weights().set_weights([np.full((2, 2), "a"), np.zeros(2)]),
     ValueError, ["Layer 'probs'", "'probs/kernel'", "strings"]),
    ("set_weights_objects", lambda: _dense_with_weights().set_weights([np.zeros((2, 2)), np.array([None, 1])]),
     ValueError, ["Layer 'probs'", "'probs/bias'", "Python objects"]),
    ("set_weights_complex", lambda: _dense_with_weights().set_weights([np.zeros((2, 2), complex), np.zeros(2)]),
     ValueError, ["'probs/kernel'", "complex"]),
    ("set_weights_shape", lambda: _dense_with_weights().set_weights([np.zeros((3, 2)), np.zeros(2)]),
     ValueError, ["'probs/kernel'", "(2, 2)", "(3, 2)"]),
    # -- non-finite numbers in the data ----------------------------------------------------------
    ("sample_weight_nan", lambda: _fit(sample_weight=_with_bad(np.ones(10), (9,), np.nan)), ValueError,
     ["sample_weight", "NaN", "sample 9", "finite"]),
    ("sample_weight_infinite", lambda: _fit(sample_weight=_with_bad(np.ones(10), (3,), np.inf)), ValueError,
     ["sample_weight", "infinite", "sample 3"]),
    ("sample_weight_strings", lambda: _fit(sample_weight=np.full(10, "1")), TypeError, ["sample_weight", "numbers"]),
    ("evaluate_sample_weight_nan", lambda: _classifier().evaluate(
        _x(), _labels(), sample_weight=_with_bad(np.ones(10), (2,), np.nan), verbose=0), ValueError,
     ["evaluate sample_weight", "NaN"]),
    ("x_nan", lambda: _fit(x=_with_bad(_x(), (6, 1), np.nan)), ValueError, ["x contains NaN", "sample 6"]),
    ("y_infinite", lambda: _fit(_head(1, None, "mse"), y=_with_bad(np.zeros((10, 1)), (4, 0), np.inf)), ValueError,
     ["y contains an infinite value", "sample 4"]),
    # -- empty data: refused alike by fit, evaluate and predict ---------------------------------
    ("evaluate_empty", lambda: _classifier().evaluate(_x(0), _labels(0), verbose=0), ValueError,
     ["evaluate()", "0 samples"]),
    ("fit_empty", lambda: _fit(x=_x(0), y=_labels(0)), ValueError, ["fit()", "0 samples"]),
    ("predict_empty", lambda: _classifier().predict(_x(0), verbose=0), ValueError, ["predict()", "0 samples"]),
    ("validation_data_empty", lambda: _fit(validation_data=(_x(0), _labels(0))), ValueError,
     ["validation_data", "0 samples"]),
    # -- newcomer mistakes -----------------------------------------------------------------------
    ("one_unit_with_sparse_loss", lambda: _fit(_head(1, None, "sparse_categorical_crossentropy")), ValueError,
     ["'head'", "1 unit", "one output unit per class", "Dense(10, activation='softmax')", "sigmoid",
      "binary_crossentropy"]),
    ("one_unit_with_sparse_loss_in_evaluate", lambda: _head(1, None, "sparse_categorical_crossentropy").evaluate(
        _x(), _labels(), verbose=0), ValueError, ["one prediction per class", "sigmoid"]),
    ("softmax_on_one_unit", lambda: _fit(_head(1, "softmax", "binary_crossentropy"), y=_labels(classes=2)),
     keras.HintWarning, ["'head'", "softmax", "single unit", "always 1.0", "sigmoid"]),
    ("softmax_output_from_logits", lambda: _fit(_head(3, "softmax", keras.losses.SparseCategoricalCrossentropy(
        from_logits=True))), keras.HintWarning, ["'head'", "softmax", "from_logits=True", "activation=None"]),
    ("sigmoid_output_from_logits", lambda: _fit(_head(1, "sigmoid", keras.losses.BinaryCrossentropy(
        from_logits=True)), y=_labels(classes=2)), keras.HintWarning, ["'head'", "sigmoid", "from_logits=True"]),
    ("predict_without_batch_axis", lambda: _image_model().predict(np.zeros((28, 28), "float32"), verbose=0),
     ValueError, ["batch axis is missing", "(None, 28, 28)", "(28, 28)", "x[None]", "np.expand_dims(x, 0)"]),
    ("call_without_batch_axis", lambda: _image_model()(np.zeros((28, 28), "float32")), ValueError,
     ["batch axis is missing", "x[None]"]),
    ("fit_through_step", lambda: _fit(_head(1, "step", "mse"), y=np.zeros((10, 1))), keras.HintWarning,
     ["'head'", "step", "zero", "perceptron learning rule"]),
    ("raw_pixels", lambda: _fit(_image_model(), x=np.random.default_rng(0).integers(0, 256, (10, 28, 28))),
     keras.HintWarning, ["far from unit scale", "255", "Rescaling", "Normalization", "HintWarning"]),
]


@pytest.mark.parametrize("call,expected,words", [pytest.param(c, e, w, id=i) for i, c, e, w in BAD_INPUTS])
def test_bad_input_gets_a_clear_message(call, expected: type, words: list[str]) -> None:
    if issubclass(expected, Warning):
        with pytest.warns(expected) as record:
            call()
        message = " ".join(str(w.message) for w in record if issubclass(w.category, expected))
    else:
        with pytest.raises(expected) as info:
            call()
        message = str(info.value)
    missing = [word for word in words if word not in message]
    assert not missing, f"the message lacks {missing}: {message}"


def test_the_table_ids_are_unique() -> None:
    ids = [row[0] for row in BAD_INPUTS]
    assert len(ids) == len(set(ids))


# -- what must NOT happen: hints on correct usage, half-applied weights ------------------------------
@pytest.mark.parametrize("build", [
    pytest.param(lambda: (_classifier(), _x(), _labels()), id="softmax_classifier"),
    pytest.param(lambda: (_head(1, "sigmoid", "binary_crossentropy"), _x(), _labels(classes=2)), id="sigmoid_binary"),
    pytest.param(lambda: (_head(3, None, keras.losses.SparseCategoricalCrossentropy(from_logits=True)), _x(),
                          _labels()), id="logits_output_with_from_logits"),
    pytest.param(lambda: (_head(2, "relu", "mse"), _x() * 4 - 2, np.zeros((10, 2))), id="standardised_regression"),
    pytest.param(lambda: (_twin(), list(_twin_data()[:2]), _twin_data()[2]), id="two_inputs"),
    pytest.param(lambda: (keras.Sequential([keras.Input(shape=(28, 28)), layers.Rescaling(1 / 255), layers.Flatten(),
                                            layers.Dense(2, activation="softmax")]),
                          np.full((10, 28, 28), 200.0), _labels(classes=2)), id="raw_pixels_behind_rescaling"),
])
def test_correct_usage_gives_no_hint(build) -> None:
    model, x, y = build()
    if not model.compiled:
        model.compile("adam", "sparse_categorical_crossentropy")
    with warnings.catch_warnings():
        warnings.simplefilter("error", keras.HintWarning)
        model.fit(x, y, epochs=2, verbose=0)
        model.evaluate(x, y, verbose=0)


def test_a_hint_is_given_once_per_model_and_can_be_silenced() -> None:
    assert issubclass(keras.HintWarning, UserWarning)
    model, pixels = _image_model(), np.full((10, 28, 28), 255.0)
    with pytest.warns(keras.HintWarning, match="far from unit scale"):
        model.fit(pixels, _labels(), verbose=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", keras.HintWarning)
        model.fit(pixels, _labels(), verbose=0)  # the same model: said once is enough
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", keras.HintWarning)  # the documented way to silence hints
        _image_model().fit(pixels, _labels(), verbose=0)


def test_set_weights_is_all_or_nothing() -> None:
    dense = _dense_with_weights()
    before = dense.get_weights()
    with pytest.raises(ValueError, match="'probs/bias'"):
        dense.set_weights([np.ones((2, 2)), np.array(["x", "y"])])  # a good kernel, then a bad bias
    for old, now in zip(before, dense.get_weights()):
        np.testing.assert_array_equal(old, now)
    dense.set_weights([[[1, 2], [3, 4]], [5, 6]])  # nested lists of numbers are arrays too
    np.testing.assert_array_equal(dense.get_weights()[1], [5, 6])


def test_negative_sample_weights_are_allowed_as_in_keras() -> None:
    history = _fit(sample_weight=np.r_[np.ones(9), -1.0])
    assert np.isfinite(history.history["loss"][0])


def test_valid_hyper_parameters_are_kept_as_given() -> None:
    opt = keras.optimizers.Adam(learning_rate=np.float32(0.01), beta_1=0, clipnorm=1)
    assert (opt.learning_rate, opt.beta_1, opt.clipnorm) == (pytest.approx(0.01), 0.0, 1.0)
    assert layers.Dropout(0).rate == 0.0 and layers.Dense(np.int64(3)).units == 3
    assert layers.Conv2D(4, [3, 5], strides=np.int64(2)).kernel_size == (3, 5)
    assert layers.ZeroPadding2D(((1, 2), (3, 4))).padding == ((1, 2), (3, 4))
    assert keras.Input(shape=(28.0,)).shape == (None, 28)
    _fit(verbose=False, shuffle=False, validation_split=0, batch_size=np.int64(4))
