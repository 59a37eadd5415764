"""The MNIST demo behind ``glassnet demo mnist`` and ``python3 run.py demo``.

It trains the classic lecture MLP
``Flatten(28x28) -> Dense(256, relu) -> Dense(64, relu) -> Dense(32, relu) -> Dense(10, softmax)``
with Adam(0.001), sparse categorical cross-entropy and batch 50 on the MNIST
copy bundled with glassnet, then prints the summary, the test accuracy and a
confusion matrix.  ``--model cnn`` trains Keras' simple convnet instead, ``--model lstm``
an LSTM(128) reading each image row by row (3 epochs, batch 128).
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


def build_cnn() -> Sequential:
    """Keras' "simple MNIST convnet": two 3x3 convolutions with 2x2 max pooling, dropout, softmax.

    Conv2D(32, 3x3, relu) -> MaxPooling2D(2) -> Conv2D(64, 3x3, relu) -> MaxPooling2D(2) -> Flatten
    -> Dropout(0.5) -> Dense(10, softmax): 34,826 parameters.  Takes (28, 28, 1) images.
    """
    return Sequential([
        layers.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(10, activation="softmax"),
    ], name="simple_mnist_convnet")


def build_lstm() -> Sequential:
    """An LSTM reading each image as a sequence of 28 rows of 28 pixels, as Keras' MNIST RNN examples.

    LSTM(128) -> Dense(10, softmax): 81,674 parameters.  Takes (28, 28) images; only the state after
    the last row reaches the classifier.
    """
    return Sequential([
        layers.Input(shape=(28, 28)),
        layers.LSTM(128),
        layers.Dense(10, activation="softmax"),
    ], name="mnist_lstm")


MODELS = {"mlp": build_mlp}
MODELS["cnn"] = build_cnn
MODELS["lstm"] = build_lstm


def run_mnist_demo(model_kind: str = "mlp", epochs: int = 5, batch_size: int = 50, samples: int | None = None,
                   seed: int = 0, verbose: int = 1, learning_rate: float = 0.001,
                   report_dir: str | None = "glassnet-report", test_samples: int | None = None) -> dict[str, Any]:
    """Train on MNIST and print summary, test accuracy and confusion matrix; return the figures.

    ``samples`` and ``test_samples`` keep only the first N training and test images (quick runs).

    With ``report_dir`` (None: no report) it also writes training curves, the confusion matrix,
    ROC curves, misclassified digits (PNG) and metrics.json there (see :mod:`glassnet.plotting.report`).
    """
    if model_kind not in MODELS:
        raise ValueError(f"Unknown demo model {model_kind!r}; choose one of {sorted(MODELS)}")
    set_random_seed(seed)
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    if samples is not None:
        x_train, y_train = x_train[:samples], y_train[:samples]
    if test_samples is not None:
        x_test, y_test = x_test[:test_samples], y_test[:test_samples]
    x_train = x_train.astype("float32") / 255.0
    x_test = x_test.astype("float32") / 255.0
    if model_kind == "cnn":  # the convnet reads images with a channel axis: (28, 28) -> (28, 28, 1)
        x_train, x_test = x_train[..., None], x_test[..., None]
    print(f"MNIST: {len(x_train):,} training and {len(x_test):,} test images of 28x28 pixels (bundled copy)")
    model = MODELS[model_kind]()
    model.summary()
    model.compile(optimizer=optimizers.Adam(learning_rate=learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    # The report's validation curves: test-set scores per epoch, kept out of fit's logs and its timing.
    curves = None
    if report_dir is not None:
        from .plotting.report import HeldOutCurves

        curves = HeldOutCurves(x_test, y_test)
    start = time.perf_counter()
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=batch_size, verbose=verbose,
                        callbacks=[curves] if curves is not None else None)
    seconds = time.perf_counter() - start - (curves.seconds if curves is not None else 0.0)
    test_loss, test_acc = model.evaluate(x_test, y_test, batch_size=500, verbose=0)
    predicted = model.predict(x_test, batch_size=500, verbose=0).argmax(axis=1)
    cm = confusion_matrix(y_test, predicted, labels=np.arange(10))
    print(f"\nTrained {epochs} epoch(s) in {seconds:.1f} s ({seconds / max(epochs, 1):.2f} s per epoch)")
    print(f"Test accuracy: {test_acc:.4f}   test loss: {test_loss:.4f}")
    print("\nConfusion matrix (rows: true digit, columns: predicted digit)")
    print(format_confusion_matrix(cm))
    report_files = None
    if report_dir is not None:
        from .plotting.report import write_classifier_report

        report_files = write_classifier_report(
            report_dir, model, history, x_test, y_test, held_out=curves.history,
            extra={"epochs": epochs, "batch_size": batch_size, "learning_rate": learning_rate, "seed": seed,
                   "training_images": len(x_train), "seconds": round(seconds, 3)})
        print(f"\nReport written to {report_dir}/: " + ", ".join(p.name for p in report_files.values()))
    return {"model": model, "history": history, "test_accuracy": float(test_acc), "test_loss": float(test_loss),
            "confusion_matrix": cm, "seconds": seconds, "report_files": report_files}
