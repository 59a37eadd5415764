"""keras.applications: VGG16, ResNet50, MobileNetV2 against real Keras 3 (built with the same arguments).

Each architecture at a small input size: same layer names, same parameter count, and Keras'
randomly initialised weights (saved by Keras as ``.weights.h5``) give the same predictions here.
"""

from __future__ import annotations

import h5py
import numpy as np
import pytest

import glassnet as gn
from glassnet import applications
from glassnet.utils.get_file import OfflineError

CASES = {
    "VGG16": {"include_top": False, "input_shape": (32, 32, 3), "pooling": "max"},
    "ResNet50": {"include_top": True, "input_shape": (32, 32, 3), "classes": 7, "classifier_activation": None},
    "MobileNetV2": {"include_top": True, "input_shape": (32, 32, 3), "classes": 5, "classifier_activation": None},
}


@pytest.fixture(scope="module")
def keras_models(keras):

    models = {name: getattr(keras.applications, name)(weights=None, **kwargs) for name, kwargs in CASES.items()}
    # Freshly initialised batch norms are identities and MobileNetV2's output then vanishes (~1e-12):
    # random statistics and scales make the comparison meaningful.
    rng = np.random.default_rng(0)
    for layer in models["MobileNetV2"].layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            c = layer.gamma.shape[0]
            for var, value in [(layer.gamma, rng.uniform(0.5, 1.5, c)), (layer.beta, rng.normal(0, 0.1, c)),
                               (layer.moving_mean, rng.normal(0, 0.1, c)),
                               (layer.moving_variance, rng.uniform(0.5, 1.5, c))]:
                var.assign(value.astype(np.float32))
    return models


@pytest.mark.parametrize("name", list(CASES))
def test_same_layers_parameters_and_predictions_as_keras(name, keras_models, tmp_path, keras):

    theirs = keras_models[name]
    path = tmp_path / "w.weights.h5"
    theirs.save_weights(path)
    ours = getattr(applications, name)(weights=str(path), **CASES[name])
    assert [layer.name for layer in ours.layers[1:]] == [layer.name for layer in theirs.layers[1:]]
    assert ours.count_params() == theirs.count_params()
    assert ours.name == theirs.name
    x = np.random.default_rng(0).uniform(0, 255, (2, 32, 32, 3)).astype(np.float32)
    module = {"VGG16": applications.vgg16, "ResNet50": applications.resnet50,
              "MobileNetV2": applications.mobilenet_v2}[name]
    x = module.preprocess_input(x)
    expected = keras.ops.convert_to_numpy(theirs(x, training=False))
    got = ours.predict(x, verbose=0)
    assert np.abs(expected).max() > 1e-3  # a real signal, not all zeros
    np.testing.assert_allclose(got, expected, atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("mode, module", [("caffe", "vgg16"), ("caffe", "resnet50"), ("tf", "mobilenet_v2")])
def test_preprocess_input_matches_keras(mode, module, keras):

    x = np.random.default_rng(1).uniform(0, 255, (2, 4, 5, 3)).astype(np.float32)
    ours = getattr(applications, module).preprocess_input(x)
    theirs = keras.ops.convert_to_numpy(getattr(keras.applications, module).preprocess_input(x.copy()))
    np.testing.assert_allclose(ours, theirs, atol=1e-4)
    torch_mode = applications.imagenet_utils.preprocess_input(x, mode="torch")
    np.testing.assert_allclose(torch_mode[..., 0], (x[..., 0] / 255 - 0.485) / 0.229, rtol=1e-5, atol=1e-5)


def test_imagenet_weights_come_from_keras_cache(tmp_path, monkeypatch, keras_models, keras):
    """weights='imagenet' reads Keras' legacy .h5 file from $KERAS_HOME/models, by Keras' file name."""
    from keras.src.legacy.saving.legacy_h5_format import save_weights_to_hdf5_group

    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    kwargs = {"include_top": False, "input_shape": (96, 96, 3), "alpha": 0.35}
    with pytest.raises(OfflineError, match="mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_96_no_top.h5"):
        applications.MobileNetV2(weights="imagenet", **kwargs)
    theirs = keras.applications.MobileNetV2(weights=None, **kwargs)
    (tmp_path / "models").mkdir()
    with h5py.File(tmp_path / "models" / "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_96_no_top.h5",
                   "w") as f:
        save_weights_to_hdf5_group(f, theirs)
    ours = applications.MobileNetV2(weights="imagenet", **kwargs)
    for a, b in zip(ours.weights, theirs.weights):
        np.testing.assert_array_equal(np.asarray(a.numpy()), keras.ops.convert_to_numpy(b))


def test_decode_predictions(tmp_path, monkeypatch):
    import json

    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(applications.imagenet_utils, "_CLASS_INDEX", None)
    preds = np.zeros((2, 1000), dtype=np.float32)
    preds[0, [3, 7]] = [0.9, 0.1]
    preds[1, 999] = 1.0
    with pytest.raises(OfflineError, match="imagenet_class_index.json"):
        applications.vgg16.decode_predictions(preds)
    (tmp_path / "models").mkdir()
    index = {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}
    (tmp_path / "models" / "imagenet_class_index.json").write_text(json.dumps(index))
    top = applications.resnet50.decode_predictions(preds, top=2)
    assert top[0] == [("n00000003", "class_3", pytest.approx(0.9)), ("n00000007", "class_7", pytest.approx(0.1))]
    assert top[1][0][:2] == ("n00000999", "class_999")
    with pytest.raises(ValueError, match="1000"):
        applications.imagenet_utils.decode_predictions(np.zeros((2, 10)))


def test_transfer_learning_freezes_the_base():
    base = applications.MobileNetV2(input_shape=(32, 32, 3), include_top=False, weights=None, alpha=0.35)
    base.trainable = False
    inputs = gn.Input((32, 32, 3))
    x = base(inputs, training=False)
    x = gn.layers.GlobalAveragePooling2D()(x)
    outputs = gn.layers.Dense(3, activation="softmax")(x)
    model = gn.Model(inputs, outputs)
    before = [np.array(w.numpy()) for w in base.weights]
    head_before = np.array(model.layers[-1].kernel.numpy())
    model.compile("adam", "sparse_categorical_crossentropy")
    rng = np.random.default_rng(0)
    model.fit(rng.uniform(-1, 1, (4, 32, 32, 3)).astype(np.float32), np.array([0, 1, 2, 0]), epochs=1,
              batch_size=4, verbose=0)
    assert not base.trainable_weights and len(model.trainable_weights) == 2
    for b, w in zip(before, base.weights):
        np.testing.assert_array_equal(b, w.numpy())  # frozen, BN statistics included
    assert not np.array_equal(head_before, model.layers[-1].kernel.numpy())


@pytest.mark.parametrize("call, message", [
    (lambda: applications.VGG16(weights="nowhere.h5"), "weights"),
    (lambda: applications.ResNet50(weights="imagenet", classes=10), "classes"),
    (lambda: applications.VGG16(weights=None, input_shape=(16, 16, 3), include_top=False), "at least 32"),
    (lambda: applications.ResNet50(weights=None, include_top=True, input_shape=(None, None, 3)), "known"),
    (lambda: applications.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3), pooling="sum"),
     "pooling"),
    (lambda: applications.MobileNetV2(weights="imagenet", alpha=0.6), "alpha"),
])
def test_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()
