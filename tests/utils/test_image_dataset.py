"""``image_dataset_from_directory``: small PNG/JPEG folders written into tmp_path.

Oracle for the pixels: Pillow's decoding and PyTorch's bilinear resize (half-pixel centres,
``align_corners=False``, as ``tf.image.resize``).
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

import glassnet as gn
from glassnet.utils import image_dataset_from_directory


@pytest.fixture
def folder(tmp_path):
    rng = np.random.default_rng(0)
    for name, count, ext in [("cats", 5, "png"), ("dogs", 4, "jpg"), ("zebras", 3, "png")]:
        (tmp_path / name).mkdir()
        for i in range(count):
            size = (10 + i, 14 + 2 * i, 3)  # images of different sizes are all resized
            Image.fromarray(rng.integers(0, 256, size, dtype=np.uint8)).save(tmp_path / name / f"{i}.{ext}")
    (tmp_path / "cats" / "notes.txt").write_text("not an image")
    return tmp_path


def test_batches_labels_and_class_names(folder):
    ds = image_dataset_from_directory(folder, image_size=(8, 9), batch_size=5, seed=1, verbose=False)
    assert ds.class_names == ["cats", "dogs", "zebras"]
    assert len(ds) == 3
    batches = list(ds)
    x, y = batches[0]
    assert x.shape == (5, 8, 9, 3) and x.dtype == np.float32 and y.dtype == np.int32
    assert 0 <= x.min() and x.max() <= 255
    labels = np.concatenate([b[1] for b in batches])
    np.testing.assert_array_equal(np.bincount(labels), [5, 4, 3])
    # Each label agrees with its file's folder.
    for path, label in zip(ds.file_paths, labels):
        assert f"/{ds.class_names[label]}/" in path
    assert len(list(ds.take(2))) == 2
    scaled = next(iter(ds.map(lambda a, b: (a / 255.0, b))))
    assert scaled[0].max() <= 1.0


def test_pixels_match_pillow_and_torch_resize(folder):
    ds = image_dataset_from_directory(folder, image_size=(7, 5), batch_size=None, shuffle=False, verbose=False)
    x, y = ds[0]
    raw = np.asarray(Image.open(ds.file_paths[0]).convert("RGB"), dtype=np.float32)
    expected = F.interpolate(torch.from_numpy(raw).permute(2, 0, 1)[None], size=(7, 5), mode="bilinear",
                             align_corners=False, antialias=False)[0].permute(1, 2, 0).numpy()
    np.testing.assert_allclose(x, expected, atol=1e-3)
    assert y == 0


@pytest.mark.parametrize("label_mode, shape, dtype", [("categorical", (4, 3), np.float32), ("int", (4,), np.int32)])
def test_label_modes(folder, label_mode, shape, dtype):
    ds = image_dataset_from_directory(folder, label_mode=label_mode, image_size=(6, 6), batch_size=4, seed=0,
                                      verbose=False)
    y = ds[0][1]
    assert y.shape == shape and y.dtype == dtype


def test_binary_grayscale_and_no_labels(folder):
    shutil.rmtree(folder / "zebras")  # binary needs two classes; class_names reorders them
    ds = image_dataset_from_directory(folder, class_names=["dogs", "cats"], label_mode="binary",
                                      color_mode="grayscale", image_size=(6, 6), batch_size=16, seed=0,
                                      verbose=False)
    x, y = ds[0]
    assert x.shape == (9, 6, 6, 1) and y.shape == (9, 1) and set(np.unique(y)) == {0.0, 1.0}
    assert ds.class_names == ["dogs", "cats"]
    x_only = image_dataset_from_directory(folder / "cats", labels=None, image_size=(4, 4), verbose=False)[0]
    assert x_only.shape == (5, 4, 4, 3)


def test_validation_split_both_is_disjoint(folder):
    train, val = image_dataset_from_directory(folder, validation_split=0.25, subset="both", seed=7,
                                              image_size=(5, 5), batch_size=4, verbose=False)
    assert len(train.file_paths) == 9 and len(val.file_paths) == 3
    assert not set(train.file_paths) & set(val.file_paths)
    again = image_dataset_from_directory(folder, validation_split=0.25, subset="validation", seed=7,
                                         image_size=(5, 5), verbose=False)
    assert again.file_paths == val.file_paths


def test_crop_to_aspect_ratio(folder):
    ds = image_dataset_from_directory(folder / "cats", labels=None, image_size=(4, 4), crop_to_aspect_ratio=True,
                                      shuffle=False, batch_size=None, verbose=False)
    raw = np.asarray(Image.open(ds.file_paths[0]).convert("RGB"), dtype=np.float32)  # 10 x 14: keep 10 x 10
    expected = F.interpolate(torch.from_numpy(raw[:, 2:12]).permute(2, 0, 1)[None], size=(4, 4), mode="bilinear",
                             align_corners=False)[0].permute(1, 2, 0).numpy()
    np.testing.assert_allclose(ds[0], expected, atol=1e-3)


def test_fit_reads_the_dataset(folder):
    ds = image_dataset_from_directory(folder, image_size=(8, 8), batch_size=4, seed=0, verbose=False)
    model = gn.Sequential([gn.Input((8, 8, 3)), gn.layers.RandomFlip("horizontal", seed=0),
                           gn.layers.Rescaling(1 / 255), gn.layers.Conv2D(2, 3, activation="relu"),
                           gn.layers.GlobalAveragePooling2D(), gn.layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(ds, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


@pytest.mark.parametrize("kwargs, message", [
    ({"label_mode": "onehot"}, "label_mode"),
    ({"color_mode": "cmyk"}, "color_mode"),
    ({"image_size": 8}, "image_size"),
    ({"validation_split": 0.2, "subset": "training"}, "seed"),
    ({"subset": "train", "validation_split": 0.2, "seed": 1}, "subset"),
    ({"class_names": ["a", "b"]}, "class_names"),
    ({"label_mode": "binary"}, "binary"),
])
def test_errors_name_the_argument(folder, kwargs, message):
    with pytest.raises(ValueError, match=message):
        image_dataset_from_directory(folder, verbose=False, **kwargs)


def test_empty_or_missing_folder(tmp_path):
    with pytest.raises(ValueError, match="no images"):
        image_dataset_from_directory(tmp_path, verbose=False)
    with pytest.raises(ValueError, match="not a folder"):
        image_dataset_from_directory(tmp_path / "missing", verbose=False)


def test_shuffle_changes_the_order_each_epoch(folder):
    ds = image_dataset_from_directory(folder, image_size=(4, 4), batch_size=12, seed=3, verbose=False)
    x1, y1 = ds[0]
    ds.on_epoch_end()
    x2, y2 = ds[0]
    assert not np.array_equal(y1, y2) or not np.array_equal(x1, x2)
    np.testing.assert_array_equal(np.sort(y1), np.sort(y2))  # the same images, another order
    fixed = image_dataset_from_directory(folder, image_size=(4, 4), shuffle=False, verbose=False)
    first = fixed[0][1]
    fixed.on_epoch_end()
    np.testing.assert_array_equal(fixed[0][1], first)
