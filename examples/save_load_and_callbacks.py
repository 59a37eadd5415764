"""Nothing you trained is lost: callbacks during training, saving to .keras/.h5, loading, resuming.

    python examples/save_load_and_callbacks.py        # writes into ./saved-models/
"""

import os
from pathlib import Path

import numpy as np

import glassnet as keras
from glassnet import callbacks, layers

OUT = Path(os.environ.get("GLASSNET_EXAMPLES_OUT", "saved-models"))
OUT.mkdir(exist_ok=True)
keras.utils.set_random_seed(7)

rng = np.random.default_rng(7)
x = rng.normal(size=(800, 6)).astype("float32")
y = (x[:, :3].sum(axis=1) > 0).astype("int64")

model = keras.Sequential([keras.Input(shape=(6,)), layers.Dense(32, activation="relu"), layers.Dropout(0.2),
                          layers.Dense(2, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])

history = model.fit(
    x, y, epochs=30, batch_size=32, validation_split=0.2, verbose=0,
    callbacks=[
        callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True),
        callbacks.ModelCheckpoint(str(OUT / "best.keras"), monitor="val_accuracy", save_best_only=True),
        callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=2),
        callbacks.CSVLogger(str(OUT / "training.csv")),
    ],
)
print(f"stopped after {len(history.epoch)} epochs; best val_loss {min(history.history['val_loss']):.4f}")

model.save(OUT / "model.keras")              # Keras 3 zip: config.json + model.weights.h5
model.save(OUT / "model.h5")                 # legacy HDF5 (h5py)
model.save_weights(OUT / "model.weights.h5")
restored = keras.models.load_model(OUT / "model.keras")
same = np.array_equal(model.predict(x, verbose=0), restored.predict(x, verbose=0))
print("reloaded model predicts identically:", same)
print("JSON architecture:", model.to_json()[:60], "...")

# Resume training where it stopped: the optimizer state and random generator come back with the file.
resumed = keras.models.load_model(OUT / "model.keras")
resumed.fit(x, y, epochs=len(history.epoch) + 2, initial_epoch=len(history.epoch), batch_size=32, verbose=2)
