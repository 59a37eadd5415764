"""Draw a digit: MNIST's preprocessing of a canvas, and real test digits drawn large and off-centre are read."""

from __future__ import annotations

import base64

import numpy as np
import pytest
from scipy import ndimage

from glassnet.datasets import mnist
from glassnet.playground import Session, decode_grid, digits


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """The digit model, trained once into a private cache (never the user's)."""
    folder = tmp_path_factory.mktemp("cache")
    patch = pytest.MonkeyPatch()
    patch.setenv("GLASSNET_CACHE", str(folder))
    patch.setattr(digits, "_model", None)
    model = digits.model()
    assert (folder / digits._CACHE_NAME).exists()
    yield model
    patch.undo()


def test_a_drawn_box_is_scaled_to_20_pixels_and_centred():
    canvas = np.zeros((280, 280), np.uint8)
    canvas[10:110, 200:250] = 255  # 100 tall, 50 wide, in the top right corner
    out = digits.preprocess(canvas)
    assert out.shape == (28, 28) and out.dtype == np.float32 and out.max() == pytest.approx(1.0)
    rows, cols = np.nonzero(out > 0.5)
    assert rows.max() - rows.min() + 1 == pytest.approx(20, abs=1)  # the longer side
    assert cols.max() - cols.min() + 1 == pytest.approx(10, abs=1)  # the aspect ratio kept
    cy, cx = ndimage.center_of_mass(out)
    assert abs(cy - 13.5) <= 0.5 and abs(cx - 13.5) <= 0.5


def test_an_empty_canvas_is_a_clear_error():
    with pytest.raises(ValueError, match="the canvas is empty; draw a digit"):
        digits.preprocess(np.zeros((280, 280), np.uint8))
    reply = Session(seed=0).handle({"type": "digit", "pixels": base64.b64encode(bytes(280 * 280)).decode()})
    assert reply[0]["type"] == "error" and "empty" in reply[0]["message"] and reply[0]["in_reply_to"] == "digit"


def test_real_test_digits_drawn_large_and_off_centre_are_read(trained):
    _, (x_test, y_test) = mnist.load_data()
    right = 0
    for i in range(20):
        canvas = np.zeros((280, 280), np.uint8)
        canvas[40:40 + 224, 5:5 + 224] = np.kron(x_test[i], np.ones((8, 8), np.uint8))  # 8x larger, shifted
        right += digits.predict_digit(canvas)["prediction"] == y_test[i]
    assert right >= 18


def test_the_digit_message(trained):
    _, (x_test, y_test) = mnist.load_data()
    canvas = np.zeros((280, 280), np.uint8)
    canvas[30:30 + 224, 50:50 + 224] = np.kron(x_test[0], np.ones((8, 8), np.uint8))
    reply = Session(seed=0).handle({"type": "digit", "pixels": base64.b64encode(canvas.tobytes()).decode()})[0]
    assert reply["type"] == "digit" and reply["prediction"] == y_test[0]
    assert len(reply["probabilities"]) == 10 and sum(reply["probabilities"]) == pytest.approx(1.0, abs=1e-5)
    assert reply["prediction"] == int(np.argmax(reply["probabilities"]))
    assert [len(a) for a in reply["activations"]] == [64, 10]
    assert reply["input"]["size"] == 28 and reply["gradient"]["size"] == 28
    # The gradient map against finite differences of p_pred, pixel by pixel (relative to its largest value).
    gradient = ((decode_grid(reply["gradient"]) + 1) / 2).ravel()
    x = digits.preprocess(canvas).ravel().astype(np.float64)
    pred, h = reply["prediction"], 1e-2

    def p(v):
        return trained.predict(v[None].astype(np.float32), verbose=0)[0, pred]

    def slope(i):
        step = np.zeros_like(x)
        step[i] = h
        return abs(p(x + step) - p(x - step)) / (2 * h)

    top = int(np.argmax(gradient))
    assert gradient[top] == pytest.approx(1.0)
    for i in np.argsort(gradient)[-40::6]:  # pixels the model is sensitive to (a zero would prove little)
        assert gradient[i] == pytest.approx(slope(i) / slope(top), abs=0.02)
