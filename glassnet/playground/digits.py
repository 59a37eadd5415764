""""Draw a digit": a canvas prepared as MNIST's digits were, a small MNIST model, and what it saw.

MNIST's digits were made by scaling each digit's bounding box so its longer side is 20 pixels
(keeping the aspect ratio, anti-aliased) and placing it in a 28 x 28 field so that its centre of
mass is at the centre.  :func:`preprocess` does the same to a drawn canvas; without it a digit
drawn in a corner or at another size is far from anything the model has seen.

The model is a 784-128-10 MLP (ReLU, softmax) trained with Adam for one epoch on half the bundled MNIST
training set the first time it is needed (a few seconds), then cached as an ``.npz`` of weights under
``$GLASSNET_CACHE`` or ``~/.cache/glassnet`` (the temporary folder if that cannot be written).
"""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path
from typing import Any

import numpy as np
from scipy import ndimage

from .. import backend
from ..engine.tensor import GradientTape, Tensor
from .protocol import encode_grid

BOX = 20          # the longer side of the digit in MNIST's 28 x 28
SIDE = 28
HIDDEN = 128
MAX_ACTIVATIONS = 64
TRAIN_SAMPLES = 30_000  # one epoch on half of MNIST: ~95 % test accuracy in a few seconds
_CACHE_NAME = "playground-mnist-784-128-10-v1.npz"
_lock = threading.Lock()
_model: Any = None


def preprocess(canvas: Any) -> np.ndarray:
    """A drawn canvas (0 = background, 255 = ink) as an MNIST digit: (28, 28) float32 in [0, 1].

    Raises
    ------
    ValueError
        The canvas is not a 2-D array, or it is empty (no ink).
    """
    image = np.asarray(canvas, dtype=np.float32)
    if image.ndim != 2:
        raise ValueError(f"digit: the canvas must be a 2-D grey image, got shape {image.shape}")
    rows, cols = np.nonzero(image > 0)
    if rows.size == 0:
        raise ValueError("digit: the canvas is empty; draw a digit first")
    crop = image[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    factor = BOX / max(crop.shape)
    if factor < 1:  # anti-alias before shrinking, or thin strokes fall between the samples
        crop = ndimage.gaussian_filter(crop, sigma=0.5 / factor - 0.5)
    small = ndimage.zoom(crop, factor, order=1, grid_mode=True, mode="nearest")
    small = np.clip(small, 0, None)
    top = small.max()
    if top <= 0:
        raise ValueError("digit: the canvas is empty; draw a digit first")
    small /= top
    cy, cx = ndimage.center_of_mass(small)
    # Put the centre of mass at the field's centre (13.5, 13.5), cropping whatever falls outside.
    oy, ox = int(round((SIDE - 1) / 2 - cy)), int(round((SIDE - 1) / 2 - cx))
    out = np.zeros((SIDE, SIDE), dtype=np.float32)
    y0, x0 = max(oy, 0), max(ox, 0)
    y1, x1 = min(oy + small.shape[0], SIDE), min(ox + small.shape[1], SIDE)
    out[y0:y1, x0:x1] = small[y0 - oy:y1 - oy, x0 - ox:x1 - ox]
    return out


def _cache_path() -> Path:
    folder = os.environ.get("GLASSNET_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "glassnet")
    try:
        os.makedirs(folder, exist_ok=True)
        if os.access(folder, os.W_OK):
            return Path(folder) / _CACHE_NAME
    except OSError:
        pass
    return Path(tempfile.gettempdir()) / _CACHE_NAME


def _build() -> Any:
    from .. import layers, optimizers
    from ..models import Sequential

    model = Sequential([layers.Input((SIDE * SIDE,)), layers.Dense(HIDDEN, activation="relu"),
                        layers.Dense(10, activation="softmax")])
    model.compile(optimizer=optimizers.Adam(0.001), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _train(model: Any) -> None:
    from ..datasets import mnist

    (x, y), _ = mnist.load_data()
    x = x.reshape(len(x), -1).astype(np.float32) / 255.0
    state = backend.rng().bit_generator.state  # training must not move the user's random stream
    try:
        backend.set_random_seed(0)
        model.fit(x[:TRAIN_SAMPLES], y[:TRAIN_SAMPLES].astype(np.int64), batch_size=64, epochs=1, verbose=0,
                  doctor=False)
    finally:
        backend.rng().bit_generator.state = state


def model() -> Any:
    """The digit model: loaded from the cache, or trained once and cached (thread-safe)."""
    global _model
    with _lock:
        if _model is None:
            net = _build()
            path = _cache_path()
            try:
                with np.load(path, allow_pickle=False) as f:
                    net.set_weights([f[f"w{i}"] for i in range(len(f.files))])
            except (OSError, ValueError, KeyError):  # no cache yet, or a damaged one: train again
                _train(net)
                tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
                np.savez(tmp, **{f"w{i}": w for i, w in enumerate(net.get_weights())})
                os.replace(tmp, path)  # atomic: a parallel process never reads half a file
            _model = net
        return _model


def predict_digit(pixels: Any) -> dict[str, Any]:
    """The ``digit`` message for a drawn canvas.

    Parameters
    ----------
    pixels : uint8 array (H, W)
        The canvas: 0 = background, 255 = ink.

    Returns
    -------
    dict
        ``probabilities`` (10 floats), ``prediction`` (int), ``input`` (grid 28 x 28 of the
        preprocessed digit), ``activations`` (per layer, at most 64 numbers: the first 64 hidden
        units, then the 10 outputs) and ``gradient`` (grid 28 x 28 of |d p_pred / d pixel|, scaled
        so its largest value is +1 and zero is -1).
    """
    digit = preprocess(pixels)
    net = model()
    x = Tensor(digit.reshape(1, -1).astype(backend.floatx()))
    hidden, output = net.layers[0], net.layers[1]
    with GradientTape() as tape:
        tape.watch(x)
        h = hidden(x)
        p = output(h)
        probabilities = p.numpy()[0].astype(np.float64)
        prediction = int(np.argmax(probabilities))
        chosen = p[:, prediction]  # inside the tape: the indexing is part of what is differentiated
    grad = tape.gradient(chosen, x)
    magnitude = np.abs(backend.to_numpy(getattr(grad, "data", grad))).reshape(SIDE, SIDE).astype(np.float64)
    top = magnitude.max()
    scaled = magnitude / top if top > 0 else magnitude
    return {"probabilities": probabilities.tolist(), "prediction": prediction,
            "input": encode_grid(digit * 2.0 - 1.0),
            "activations": [h.numpy()[0, :MAX_ACTIVATIONS].astype(np.float64).tolist(), probabilities.tolist()],
            "gradient": encode_grid(scaled * 2.0 - 1.0)}
