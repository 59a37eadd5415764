"""The MNIST demo behind ``glassnet demo mnist`` and ``python3 run.py demo``.

It trains the classic lecture MLP
``Flatten(28x28) -> Dense(256, relu) -> Dense(64, relu) -> Dense(32, relu) -> Dense(10, softmax)``
with Adam(0.001), sparse categorical cross-entropy and batch 50 on the MNIST
copy bundled with glassnet, then prints the summary, the test accuracy and a
confusion matrix.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from . import layers, optimizers
from .backend import set_random_seed
from .datasets import mnist
from .metrics.classification import confusion_matrix, format_confusion_matrix
from .models import Sequential


def build_mlp() -> Sequential:
    """The lecture MLP: 784-256-64-32-10 with ReLU and a softmax output."""
    return Sequential([
        layers.Input(shape=(28, 28)),
        layers.Flatten(),
        layers.Dense(256, activation="relu"),
        layers.Dense(64, activation="relu"),
        layers.Dense(32, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ], name="lecture_mlp")


MODELS = {"mlp": build_mlp}


def run_mnist_demo(model_kind: str = "mlp", epochs: int = 5, batch_size: int = 50, samples: int | None = None,
                   seed: int = 0, verbose: int = 1, learning_rate: float = 0.001) -> dict[str, Any]:
    """Train on MNIST and print summary, test accuracy and confusion matrix; return the figures."""
    if model_kind not in MODELS:
        raise ValueError(f"Unknown demo model {model_kind!r}; choose one of {sorted(MODELS)}")
    set_random_seed(seed)
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    if samples is not None:
        x_train, y_train = x_train[:samples], y_train[:samples]
    x_train = x_train.astype("float32") / 255.0
    x_test = x_test.astype("float32") / 255.0
    print(f"MNIST: {len(x_train):,} training and {len(x_test):,} test images of 28x28 pixels (bundled copy)")
    model = MODELS[model_kind]()
    model.summary()
    model.compile(optimizer=optimizers.Adam(learning_rate=learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=batch_size, verbose=verbose)
    seconds = time.perf_counter() - start
    test_loss, test_acc = model.evaluate(x_test, y_test, batch_size=500, verbose=0)
    predicted = model.predict(x_test, batch_size=500, verbose=0).argmax(axis=1)
    cm = confusion_matrix(y_test, predicted, labels=np.arange(10))
    print(f"\nTrained {epochs} epoch(s) in {seconds:.1f} s ({seconds / max(epochs, 1):.2f} s per epoch)")
    print(f"Test accuracy: {test_acc:.4f}   test loss: {test_loss:.4f}")
    print("\nConfusion matrix (rows: true digit, columns: predicted digit)")
    print(format_confusion_matrix(cm))
    return {"model": model, "history": history, "test_accuracy": float(test_acc), "test_loss": float(test_loss),
            "confusion_matrix": cm, "seconds": seconds}
