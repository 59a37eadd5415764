"""Image augmentation and re-framing layers: shapes, inference identity, seeds, properties, Keras parity.

Oracles: Keras 3's ``ops.image.affine_transform`` (the resampling every affine augmentation
uses, for given transforms) and Keras' Resizing / CenterCrop (deterministic).
"""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import layers
from glassnet.layers.augmentation_ops import affine_transform

AUGMENTATIONS = [
    lambda s: layers.RandomFlip(seed=s),
    lambda s: layers.RandomRotation(0.2, seed=s),
    lambda s: layers.RandomZoom(0.3, 0.2, seed=s),
    lambda s: layers.RandomTranslation(0.2, 0.1, seed=s),
    lambda s: layers.RandomCrop(5, 6, seed=s),
    lambda s: layers.RandomContrast(0.5, seed=s),
    lambda s: layers.RandomBrightness(0.3, seed=s),
]


@pytest.fixture
def images(rng) -> np.ndarray:
    return rng.uniform(0, 255, (4, 9, 12, 3)).astype(np.float32)


@pytest.mark.parametrize("make", AUGMENTATIONS)
def test_training_shapes_inference_identity_and_seeds(make, images):
    layer = make(3)
    out = layer(images, training=True)
    assert out.dtype == np.float32
    expected = (4, 5, 6, 3) if isinstance(layer, layers.RandomCrop) else images.shape
    assert out.shape == expected
    if isinstance(layer, layers.RandomCrop):  # inference: the centred window
        np.testing.assert_array_equal(layer(images).numpy(), images[:, 2:7, 3:9])
    else:  # inference: the identity
        np.testing.assert_array_equal(layer(images).numpy(), images)
        np.testing.assert_array_equal(layer(images, training=False).numpy(), images)
    # The same seed gives the same sequence of augmentations; two calls differ.
    twin = make(3)
    first, second = twin(images, training=True).numpy(), twin(images, training=True).numpy()
    np.testing.assert_array_equal(first, out.numpy())
    assert not np.array_equal(first, second)
    # Single images (no batch axis) work too.
    assert make(3)(images[0], training=True).shape == expected[1:]


def test_flip_twice_is_identity_and_flips_are_per_sample(images):
    a, b = layers.RandomFlip("horizontal", seed=5), layers.RandomFlip("horizontal", seed=5)
    flipped = a(images, training=True).numpy()
    # The same coins (same seed) flip back what they flipped.
    back = b(flipped, training=True).numpy()
    np.testing.assert_array_equal(back, images)
    many = np.repeat(images[:1], 64, axis=0)
    out = layers.RandomFlip("vertical", seed=0)(many, training=True).numpy()
    same = np.all(out == many, axis=(1, 2, 3))
    assert 10 < same.sum() < 54  # about half flipped
    np.testing.assert_array_equal(out[~same], many[~same][:, ::-1])


@pytest.mark.parametrize("make", [lambda: layers.RandomRotation(0.0), lambda: layers.RandomZoom(0.0),
                                  lambda: layers.RandomTranslation(0.0, 0.0), lambda: layers.RandomContrast(0.0),
                                  lambda: layers.RandomBrightness(0.0)])
def test_zero_factor_is_identity(make, images):
    np.testing.assert_allclose(make()(images, training=True).numpy(), images, atol=1e-3)


def test_quarter_turn_rotation_moves_pixels(images):
    square = images[:, :9, :9]
    out = layers.RandomRotation((0.25, 0.25))(square, training=True).numpy()
    np.testing.assert_allclose(out, np.rot90(square, k=1, axes=(1, 2)), atol=1e-3)


def test_brightness_and_contrast_stay_in_range(images):
    out = layers.RandomBrightness(0.9, value_range=(0, 255), seed=0)(images, training=True).numpy()
    assert out.min() >= 0 and out.max() <= 255
    shift = out - images
    assert not np.allclose(shift, 0)
    unit = images / 255
    out = layers.RandomContrast(0.9, value_range=(0, 1), seed=0)(unit, training=True).numpy()
    assert out.min() >= 0 and out.max() <= 1


def test_random_crop_windows_come_from_the_image(images):
    out = layers.RandomCrop(5, 6, seed=0)(images, training=True).numpy()
    for n in range(len(images)):  # each crop is a window of its own image
        windows = np.lib.stride_tricks.sliding_window_view(images[n], (5, 6), axis=(0, 1))
        assert np.any(np.all(windows.transpose(0, 1, 3, 4, 2) == out[n], axis=(2, 3, 4)))


@pytest.mark.parametrize("fill_mode", ["reflect", "wrap", "constant", "nearest"])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_affine_transform_matches_keras(fill_mode, interpolation, rng, keras):

    x = rng.uniform(0, 1, (3, 7, 8, 2)).astype(np.float32)
    theta = np.array([0.3, -1.0, 2.5])
    cos, sin = np.cos(theta), np.sin(theta)
    t = np.stack([1.2 * cos, -sin, 1.5 + 0 * cos, sin, 0.8 * cos, -2.0 + 0 * cos], axis=1).astype(np.float32)
    ours = affine_transform(x, t, interpolation, fill_mode, 0.5)
    theirs = np.asarray(keras.ops.image.affine_transform(
        x, np.concatenate([t, np.zeros((3, 2), np.float32)], axis=1), interpolation, fill_mode, 0.5))
    np.testing.assert_allclose(ours, theirs, atol=1e-5)


@pytest.mark.parametrize("name, args, kwargs", [
    ("Resizing", (5, 7), {}), ("Resizing", (17, 20), {"interpolation": "nearest"}),
    ("Resizing", (5, 7), {"crop_to_aspect_ratio": True}), ("CenterCrop", (5, 6), {}), ("CenterCrop", (12, 6), {}),
])
def test_deterministic_layers_match_keras(name, args, kwargs, images, keras):

    ours = getattr(layers, name)(*args, **kwargs)(images).numpy()
    theirs = np.asarray(getattr(keras.layers, name)(*args, **kwargs)(images))
    np.testing.assert_allclose(ours, theirs, atol=1e-3)


def test_resizing_and_center_crop_are_differentiable(images):
    x = gn.Variable(images)
    with gn.GradientTape() as tape:
        loss = gn.ops.sum(layers.CenterCrop(5, 6)(x)) + gn.ops.sum(layers.Resizing(18, 24)(x))
    g = np.asarray(tape.gradient(loss, x))
    # A 2x bilinear upsampling reads each pixel with total weight 4; the crop adds 1 inside its window.
    assert g.shape == images.shape and g[:, 2:7, 3:9].min() > g[:, 0, 0].max() - 1e-3


def test_augmentation_in_a_model_trains_and_predicts(images):
    model = gn.Sequential([gn.Input((9, 12, 3)), layers.RandomFlip("horizontal", seed=0),
                           layers.RandomRotation(0.1, seed=0), layers.Rescaling(1 / 255), layers.Flatten(),
                           layers.Dense(2)])
    model.compile("sgd", "sparse_categorical_crossentropy")
    model.fit(images, np.array([0, 1, 0, 1]), epochs=1, verbose=0)
    np.testing.assert_allclose(model.predict(images, verbose=0), model.predict(images, verbose=0))


@pytest.mark.parametrize("make, message", [
    (lambda: layers.RandomFlip("diagonal"), "mode"),
    (lambda: layers.RandomRotation(0.1, fill_mode="mirror"), "fill_mode"),
    (lambda: layers.RandomZoom(0.1, interpolation="cubic"), "interpolation"),
    (lambda: layers.RandomRotation((0.3, 0.1)), "factor"),
    (lambda: layers.RandomBrightness(0.2, value_range=(1, 0)), "value_range"),
    (lambda: layers.RandomCrop(0, 3), "height"),
    (lambda: layers.Resizing(4, 4, interpolation="area"), "interpolation"),
])
def test_bad_arguments_name_the_argument(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


def test_configs_round_trip():
    layer = layers.RandomZoom(0.2, fill_mode="constant", seed=3)
    clone = layers.deserialize(layers.serialize(layer))
    assert clone.get_config()["height_factor"] == (-0.2, 0.2) and clone.fill_mode == "constant"


@pytest.mark.parametrize("make", AUGMENTATIONS + [lambda s: layers.Resizing(4, 5), lambda s: layers.CenterCrop(4, 5)])
def test_every_layer_explains_itself(make, images):
    layer = make(0)
    assert layer.explain().has_entry  # unbuilt: symbolic shapes
    layer(images)
    e = layer.explain()
    assert e.has_entry and e.forward and e.backward and str(e)


def test_random_crop_then_dense_trains_and_predicts(images):
    model = gn.Sequential([gn.Input((9, 12, 3)), layers.RandomCrop(5, 6, seed=0), layers.Flatten(),
                           layers.Dense(2)])
    model.compile("sgd", "mse")
    model.fit(images / 255, np.zeros((4, 2), np.float32), epochs=1, verbose=0)
    assert model.predict(images / 255, verbose=0).shape == (4, 2)
