"""Keras 3's focal, generalized, Dice, Tversky and Circle losses: same values as real Keras, a tape
gradient, configs that round-trip, and failures that name the argument."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import losses

RNG = np.random.default_rng(0)
BIN_T = RNG.integers(0, 2, (6, 4)).astype(np.float32)
PROB = RNG.uniform(0.05, 0.95, (6, 4)).astype(np.float32)
LOGITS = RNG.normal(size=(6, 4)).astype(np.float32)
ONEHOT = np.eye(4, dtype=np.float32)[RNG.integers(0, 4, 6)]
LABELS = RNG.integers(0, 4, 6)
SW = np.array([0.5, 2.0, 1.0, 0.0, 1.5, 1.0], dtype=np.float32)
MASK_T = RNG.integers(0, 2, (6, 5, 5)).astype(np.float32)
MASK_P = RNG.uniform(0, 1, (6, 5, 5)).astype(np.float32)
_E = RNG.normal(size=(8, 5)).astype(np.float32)
EMB = _E / np.linalg.norm(_E, axis=1, keepdims=True)
EMB_LABELS = np.array([0, 1, 0, 2, 1, 0, 2, 3])  # label 3 has no positive: that sample is masked out
SEQ_LABELS = np.array([[1, 2, 2, 0], [3, 0, 0, 0], [0, 0, 0, 0], [2, 1, 3, 1], [1, 1, 1, 0], [4, 3, 0, 0]])
SEQ_LOGITS = RNG.normal(size=(6, 9, 5)).astype(np.float32)

CASES = [
    ("BinaryFocalCrossentropy", {}, BIN_T, PROB),
    ("BinaryFocalCrossentropy", {"apply_class_balancing": True, "alpha": 0.3, "gamma": 1.5}, BIN_T, PROB),
    ("BinaryFocalCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, BIN_T, LOGITS),
    ("CategoricalFocalCrossentropy", {}, ONEHOT, PROB),
    ("CategoricalFocalCrossentropy", {"from_logits": True, "label_smoothing": 0.2, "gamma": 3.0}, ONEHOT, LOGITS),
    ("CategoricalGeneralizedCrossEntropy", {}, LABELS, PROB / PROB.sum(-1, keepdims=True)),
    ("CategoricalGeneralizedCrossEntropy", {"q": 0.2}, LABELS, PROB / PROB.sum(-1, keepdims=True)),
    ("Dice", {}, MASK_T, MASK_P),
    ("Dice", {"axis": (1, 2)}, MASK_T, MASK_P),
    ("Tversky", {"alpha": 0.3, "beta": 0.7}, MASK_T, MASK_P),
    ("Tversky", {"alpha": 0.7, "beta": 0.3, "axis": (1, 2)}, MASK_T, MASK_P),
    ("Circle", {}, EMB_LABELS, EMB),
    ("Circle", {"gamma": 10.0, "margin": 0.25, "remove_diagonal": False}, EMB_LABELS, EMB),
    ("CTC", {}, SEQ_LABELS, SEQ_LOGITS),
]


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", None])
@pytest.mark.parametrize("name, kwargs, y, p", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_same_value_as_keras(keras, name, kwargs, y, p, reduction) -> None:
    ours = getattr(losses, name)(reduction=reduction, **kwargs)
    theirs = getattr(keras.losses, name)(reduction=reduction, **kwargs)
    np.testing.assert_allclose(np.asarray(ours(y, p).numpy()), keras.ops.convert_to_numpy(theirs(y, p)),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name, kwargs, y, p", CASES[:7] + [CASES[8], CASES[10], CASES[11], CASES[13]])
def test_sample_weights_as_keras(keras, name, kwargs, y, p) -> None:
    sw = SW if len(y) == 6 else np.linspace(0.0, 2.0, len(y)).astype(np.float32)
    ours = getattr(losses, name)(**kwargs)(y, p, sample_weight=sw)
    theirs = getattr(keras.losses, name)(**kwargs)(y, p, sample_weight=sw)
    np.testing.assert_allclose(float(ours), float(theirs), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("fn", ["binary_focal_crossentropy", "categorical_focal_crossentropy", "dice", "tversky"])
def test_function_forms_match_keras(keras, fn) -> None:
    y, p = {"binary_focal_crossentropy": (BIN_T, PROB), "categorical_focal_crossentropy": (ONEHOT, PROB)}.get(
        fn, (MASK_T, MASK_P))
    np.testing.assert_allclose(np.asarray(getattr(losses, fn)(y, p).numpy()),
                               keras.ops.convert_to_numpy(getattr(keras.losses, fn)(y, p)), rtol=1e-5, atol=1e-6)
    assert getattr(gn.metrics, fn) if hasattr(keras.metrics, fn) else True


def test_gradients_match_keras_torch_autograd(keras) -> None:
    import torch

    for name, kwargs, y, p in CASES:
        z = gn.Tensor(p.astype(np.float64), requires_grad=True)
        with gn.GradientTape() as tape:
            value = getattr(losses, name)(**kwargs)(y, z)
        ours = tape.gradient(value, z)
        zt = torch.tensor(p.astype(np.float64), requires_grad=True)
        getattr(keras.losses, name)(**kwargs)(torch.tensor(y), zt).backward()
        expected = zt.grad.numpy()  # Keras computes parts in float32: compare to that precision
        np.testing.assert_allclose(np.asarray(ours), expected, rtol=1e-5, atol=1e-6 * np.abs(expected).max(),
                                   err_msg=name)


@pytest.mark.parametrize("name", ["BinaryFocalCrossentropy", "CategoricalFocalCrossentropy",
                                  "CategoricalGeneralizedCrossEntropy", "Dice", "Tversky", "Circle", "CTC"])
def test_configs_match_keras_and_round_trip(keras, name) -> None:
    ours = getattr(losses, name)()
    theirs = getattr(keras.losses, name)().get_config()
    theirs.pop("dtype", None)
    assert ours.get_config() == theirs
    again = losses.deserialize(losses.serialize(ours))
    assert type(again) is type(ours) and again.get_config() == ours.get_config()
    assert type(losses.get(name)) is type(ours)
    assert ours.explain((None, 4)).has_entry


def test_saved_model_keeps_a_new_loss(tmp_path) -> None:
    model = gn.Sequential([gn.Input(shape=(3,)), gn.layers.Dense(4, activation="softmax")])
    model.compile("adam", loss=losses.CategoricalFocalCrossentropy(gamma=3.0),
                  metrics=[gn.metrics.OneHotMeanIoU(num_classes=4), gn.metrics.PrecisionAtRecall(0.5),
                           gn.metrics.CategoricalHinge(name="ch"), gn.metrics.CosineSimilarity(axis=-1),
                           gn.metrics.KLDivergence(), "pearson_correlation", "cosine_similarity"])
    x = RNG.normal(size=(6, 3)).astype(np.float32)
    model.fit(x, ONEHOT, epochs=1, verbose=0)
    before = model.evaluate(x, ONEHOT, verbose=0, return_dict=True)
    model.save(tmp_path / "m.keras")
    loaded = gn.models.load_model(tmp_path / "m.keras")
    assert isinstance(loaded.loss, losses.CategoricalFocalCrossentropy) and loaded.loss.fn_kwargs["gamma"] == 3.0
    after = loaded.evaluate(x, ONEHOT, verbose=0, return_dict=True)
    assert after == pytest.approx(before, rel=1e-5)
    assert {"one_hot_mean_io_u", "precision_at_recall", "ch", "kl_divergence"} <= set(after)
    assert after["cosine_similarity"] > 0  # the metric, not the (negated) loss


def test_ctc_is_torch_ctc_in_float64_and_infeasible_labels_cost_inf() -> None:
    import torch

    z = torch.tensor(SEQ_LOGITS.astype(np.float64))
    expected = torch.nn.functional.ctc_loss(torch.log_softmax(z, -1).transpose(0, 1), torch.tensor(SEQ_LABELS),
                                            torch.full((6,), 9), torch.tensor((SEQ_LABELS != 0).sum(-1)),
                                            reduction="none")
    np.testing.assert_allclose(losses.ctc(SEQ_LABELS, SEQ_LOGITS.astype(np.float64)).numpy(), expected.numpy(),
                               rtol=1e-10)
    # 3 steps cannot spell 1, 1, 1 (repeats need a blank between them): P = 0, as torch's inf.
    assert np.isinf(float(losses.ctc(np.array([[1, 1, 1]]), SEQ_LOGITS[:1, :3]).numpy()[0]))


def test_bad_arguments_are_named() -> None:
    with pytest.raises(ValueError, match="q must be in the interval"):
        losses.CategoricalGeneralizedCrossEntropy(q=1.5)
    with pytest.raises(ValueError, match="axis must be an int"):
        losses.categorical_focal_crossentropy(ONEHOT, PROB, axis=True)
    with pytest.raises(ValueError, match="one-hot labels"):
        losses.CategoricalFocalCrossentropy()(LABELS, PROB)
    with pytest.raises(ValueError, match="integer labels of shape"):
        losses.CategoricalGeneralizedCrossEntropy()(ONEHOT, PROB)
    with pytest.raises(ValueError, match=r"binary_focal_crossentropy: labels of shape \(6, 3\)"):
        losses.BinaryFocalCrossentropy()(BIN_T[:, :3], PROB)
    with pytest.raises(ValueError, match="circle: y_pred must be embeddings"):
        losses.Circle()(EMB_LABELS, EMB[None])
    with pytest.raises(ValueError, match="one integer label per embedding"):
        losses.Circle()(EMB_LABELS[:3], EMB)
    with pytest.raises(ValueError, match=r"ctc: y_true must be integer labels of shape \(batch_size, max_length\)"):
        losses.CTC()(SEQ_LABELS[:, :, None], SEQ_LOGITS)
    with pytest.raises(ValueError, match="ctc: y_pred must be logits of shape"):
        losses.CTC()(SEQ_LABELS, SEQ_LOGITS[:, 0])
    with pytest.raises(ValueError, match=r"ctc: labels must be class indices in \[0, 5\)"):
        losses.CTC()(SEQ_LABELS + 2, SEQ_LOGITS)
    with pytest.raises(TypeError, match="unexpected keyword argument 'delta'"):
        losses.Dice(delta=1.0)
