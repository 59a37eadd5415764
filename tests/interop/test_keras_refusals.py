"""What does not move between the libraries is refused with a message naming it, never computed differently."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.saving import SavedModelError


def test_a_glassnet_only_layer_is_named_when_keras_refuses_the_file(keras, tmp_path):
    x = gn.Input((2,))
    model = gn.Model(x, gn.layers.Dense(1)(gn.layers.FeatureCross(["x1", "x2", "x1*x2"])(x)))
    model.save(tmp_path / "m.keras")
    with pytest.raises(Exception, match="FeatureCross"):
        keras.saving.load_model(tmp_path / "m.keras")


def test_a_glassnet_only_metric_is_named_when_keras_refuses_the_file(keras, tmp_path):
    model = gn.Sequential([gn.Input((3,)), gn.layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy", metrics=[gn.metrics.Specificity()])
    model.save(tmp_path / "m.keras")
    with pytest.raises(Exception, match="Specificity"):
        keras.saving.load_model(tmp_path / "m.keras")


@pytest.mark.parametrize("make,words", [
    (lambda k: k.layers.BatchNormalization(renorm=True), ["batch_normalization", "renorm=True"]),
    (lambda k: k.layers.Dense(2, dtype="mixed_float16"), ["dense", "mixed_float16"]),
    (lambda k: k.layers.MultiHeadAttention(2, 3, use_gate=True), ["multi_head_attention", "use_gate=True"]),
])
def test_a_keras_setting_glassnet_lacks_is_refused_with_the_layer_and_key(keras, tmp_path, make, words):
    inputs = keras.Input((4, 3))
    layer = make(keras)
    out = layer(inputs, inputs) if isinstance(layer, keras.layers.MultiHeadAttention) else layer(inputs)
    keras.Model(inputs, out).save(tmp_path / "m.keras")
    with pytest.raises(SavedModelError) as info:
        gn.models.load_model(tmp_path / "m.keras")
    for word in words:
        assert word in str(info.value)


def test_an_optimizer_feature_glassnet_lacks_is_refused(keras, tmp_path):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.Adam(use_ema=True), "mse")
    model.save(tmp_path / "m.keras")
    with pytest.warns(UserWarning, match="use_ema=True"):  # the model still loads, uncompiled
        loaded = gn.models.load_model(tmp_path / "m.keras")
    assert getattr(loaded, "optimizer", None) is None


def test_keras_bytecode_lambda_is_never_run_but_the_user_may_supply_the_function(keras, tmp_path):
    inputs = keras.Input((3,))
    keras.Model(inputs, keras.layers.Lambda(lambda t: t * 2.0, name="double")(inputs)).save(tmp_path / "m.keras")
    with pytest.raises(SavedModelError, match="never runs code"):
        gn.models.load_model(tmp_path / "m.keras")
    with pytest.raises(SavedModelError, match="never runs code"):
        gn.models.load_model(tmp_path / "m.keras", safe_mode=False)  # not even when safety is waived
    loaded = gn.models.load_model(tmp_path / "m.keras", custom_objects={"double": lambda t: t * 2.0})
    np.testing.assert_allclose(loaded.predict(np.ones((1, 3), "float32"), verbose=0), [[2.0, 2.0, 2.0]])


def test_a_failed_load_of_a_keras_file_changes_nothing(keras, tmp_path):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2), keras.layers.BatchNormalization(renorm=True)])
    model.save(tmp_path / "m.keras")
    state = gn.backend.rng().bit_generator.state
    counts = dict(gn.layers.naming._NAME_COUNTS)
    with pytest.raises(SavedModelError):
        gn.models.load_model(tmp_path / "m.keras")
    assert gn.backend.rng().bit_generator.state == state
    assert dict(gn.layers.naming._NAME_COUNTS) == counts
