"""Watching training: what each layer does, and the training doctor's diagnosis of a bad run.

    python examples/watch_training.py        # writes ./watch-training/inspector.png

An ``Inspector`` records, every few batches, each layer's activation statistics (dead ReLUs), its
gradient and weight norms and the update-to-weight ratio (healthy: about 1e-3).  ``fit`` with
``verbose >= 1`` also runs the training doctor, which prints what went wrong and what to try; a healthy
run prints nothing extra.
"""

import os
from pathlib import Path

import glassnet as keras
from glassnet import callbacks, layers, plotting

# Quick mode (used by the test suite): a small subset and fewer epochs.
QUICK = os.environ.get("GLASSNET_EXAMPLES_QUICK") == "1"
OUT = Path(os.environ.get("GLASSNET_EXAMPLES_OUT", "watch-training"))
keras.utils.set_random_seed(0)

(x_train, y_train), _ = keras.datasets.mnist.load_data()
n = 1000 if QUICK else 20000
x_train, y_train = x_train[:n].reshape(n, 784) / 255.0, y_train[:n]


def lecture_mlp(learning_rate: float) -> keras.Model:
    model = keras.Sequential([keras.Input(shape=(784,)), layers.Dense(256, activation="relu"),
                              layers.Dense(64, activation="relu"), layers.Dense(32, activation="relu"),
                              layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


# 1. A healthy run, watched every 5 batches.
inspector = callbacks.Inspector(every=5)
lecture_mlp(0.001).fit(x_train, y_train, epochs=2 if QUICK else 5, batch_size=50, verbose=2, callbacks=[inspector])
print(inspector.summary())
kernel = inspector.records["dense"]["weights"]["kernel"]
print("first layer's update/weight ratio over time:", [f"{r:.1e}" for r in kernel["update_ratio"]][:8], "...")
figure = plotting.plot_inspector(inspector, path=OUT / "inspector.png")
plotting.close(figure)
print(f"inspector plot written to {OUT / 'inspector.png'}")

# 2. The same network with a learning rate 1000x too high.  fit(verbose>=1) runs the training doctor by
#    itself (fit(..., doctor=False) turns it off); passing one in explicitly keeps its findings as data.
print("\nNow with Adam(learning_rate=1.0):")
doctor = callbacks.TrainingDoctor()
lecture_mlp(1.0).fit(x_train, y_train, epochs=2 if QUICK else 3, batch_size=50, verbose=2, callbacks=[doctor])
print("\nfindings:", [finding.code for finding in doctor.findings])
