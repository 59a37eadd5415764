"""The pictures a deep-learning course shows, each drawn from glassnet's own numbers.

    python examples/course_pictures.py            # writes PNGs to ./course-pictures/
    python examples/course_pictures.py --docs     # also regenerates the images in docs/images/

Data samples, gradient descent with three optimizers at three learning rates, activation functions
(softmax with its Jacobian's diagonal), a feature-cross model's curved boundary in the raw plane,
and for a small CNN trained on MNIST: its first-layer filters, one digit's feature maps, its
weights against their initialisation, and the loss landscape around the trained weights.
"""

import os
import sys
from pathlib import Path

import numpy as np

import glassnet as keras
from glassnet import layers, plotting

QUICK = os.environ.get("GLASSNET_EXAMPLES_QUICK") == "1"
OUT = Path(os.environ.get("GLASSNET_EXAMPLES_OUT", "course-pictures"))
DOCS = Path(__file__).resolve().parents[1] / "docs" / "images"
keras.utils.set_random_seed(0)


def save(fig, name: str) -> None:
    path = OUT / name
    plotting.save_figure(fig, path)
    plotting.close(fig)
    print(f"wrote {path}")


# 1. What the data looks like.
(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
n_train = 1000 if QUICK else 12000
x_train = np.expand_dims(x_train[:n_train].astype("float32") / 255, -1)
y_train = y_train[:n_train]
x_test = np.expand_dims(x_test[:500].astype("float32") / 255, -1)
y_test = y_test[:500]
save(plotting.plot_samples(x_train, y_train, n=16 if QUICK else 32, ncols=8), "samples.png")

# 2. Gradient descent, momentum and Adam on small functions: the learning rate decides everything.
# (Quick mode, for the test suite, draws fewer pictures: each one takes matplotlib most of a second.)
for function in ("quartic",) if QUICK else ("quadratic", "quartic", "valley", "himmelblau"):
    save(plotting.plot_gradient_descent(function), f"descent_{function}.png")
if not QUICK:   # Rosenbrock's curved valley needs smaller steps than the defaults 0.01, 0.1, 1
    save(plotting.plot_gradient_descent("rosenbrock", learning_rates=(0.001, 0.003, 0.01), max_steps=3000),
         "descent_rosenbrock.png")
paths = plotting.gradient_descent_paths("quadratic", learning_rates=[0.1], optimizers=["gd"])
print("GD on x^2 with lr 0.1, the first points:", np.round(paths[0].points[:4, 0], 4).tolist(), "(x <- 0.8 x)")

# 3. Activation functions and their derivatives, softmax as a slice of its Jacobian.
names = ["relu", "softmax"] if QUICK else ["sigmoid", "tanh", "relu", "gelu", "softmax", "log_softmax"]
save(plotting.plot_activations(names), "activations.png")

# 4. A linear model on feature crosses draws a curved boundary in the raw plane.
rng = np.random.default_rng(0)
points = rng.uniform(-2, 2, size=(400, 2)).astype("float32")
inside = (np.sum(points ** 2, axis=1) < 1.6).astype("float32")


def crosses(p: np.ndarray) -> np.ndarray:
    """x1, x2, x1^2, x2^2, x1 x2: the features the linear model sees."""
    return np.c_[p, p ** 2, p[:, :1] * p[:, 1:]].astype("float32")


linear = keras.Sequential([keras.Input((5,)), layers.Dense(1, activation="sigmoid")])
linear.compile(optimizer=keras.optimizers.Adam(0.1), loss="binary_crossentropy", metrics=["accuracy"])
linear.fit(crosses(points), inside, epochs=30 if QUICK else 100, batch_size=32, verbose=0)
save(plotting.plot_decision_boundary(linear, points, inside, features=crosses, resolution=120,
                                     title="A linear model on x1, x2, x1^2, x2^2, x1 x2"), "feature_cross_boundary.png")

# 5. A small CNN: filters, feature maps, weights against their start, and the loss landscape.
cnn = keras.Sequential([
    keras.Input((28, 28, 1)),
    layers.Conv2D(8, 3, activation="relu"),
    layers.MaxPooling2D(2),
    layers.Conv2D(16, 3, activation="relu"),
    layers.MaxPooling2D(2),
    layers.Flatten(),
    layers.Dense(10, activation="softmax"),
])
cnn.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
initial = cnn.get_weights()                 # captured before fit, for the weight histograms
cnn.fit(x_train, y_train, epochs=1 if QUICK else 3, batch_size=64, verbose=0)
print("CNN test accuracy:", round(float(cnn.evaluate(x_test, y_test, verbose=0)[1]), 3))
save(plotting.plot_conv_filters(cnn), "conv_filters.png")
save(plotting.plot_feature_maps(cnn, x_test[0]), "feature_maps.png")
save(plotting.plot_weight_histograms(cnn, initial), "weight_histograms.png")
save(plotting.plot_loss_landscape(cnn, x_test, y_test, resolution=5 if QUICK else 21,
                                  max_samples=64 if QUICK else 500), "loss_landscape.png")

if "--docs" in sys.argv[1:]:
    # The images the docs show, regenerated from this script rather than drawn by hand.
    OUT = DOCS
    save(plotting.plot_gradient_descent("quartic"), "gradient-descent-quartic.png")
    save(plotting.plot_conv_filters(cnn), "mnist-conv-filters.png")
