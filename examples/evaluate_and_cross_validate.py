"""Judging a classifier the way the lectures do: stateful metrics during training, scikit-learn style
scores afterwards, plots, and K-fold cross-validation.

    python examples/evaluate_and_cross_validate.py        # writes PNGs to ./evaluation-plots/
"""

import os
from pathlib import Path

import numpy as np

import glassnet as keras
from glassnet import layers, metrics, plotting
from glassnet.model_selection import cross_validate, train_test_split

OUT = Path(os.environ.get("GLASSNET_EXAMPLES_OUT", "evaluation-plots"))
OUT.mkdir(exist_ok=True)

# Two interleaved half-moons: a classic 2-input problem whose decision boundary we can draw.
rng = np.random.default_rng(0)
n = 600
angle = rng.uniform(0, np.pi, n)
label = rng.integers(0, 2, n)
x = np.stack([np.cos(angle) + label * 1.0, np.sin(angle) * (1 - 2 * label) + label * 0.4], axis=1)
x = (x + 0.15 * rng.normal(size=x.shape)).astype("float32")
x_train, x_test, y_train, y_test = train_test_split(x, label, test_size=0.25, stratify=label, random_state=0)


def build_model() -> keras.Model:
    model = keras.Sequential([keras.Input(shape=(2,)), layers.Dense(16, activation="relu"),
                              layers.Dense(16, activation="relu"), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="binary_crossentropy",
                  metrics=["accuracy", keras.metrics.Precision(), keras.metrics.Recall(), keras.metrics.AUC()])
    return model


model = build_model()
history = model.fit(x_train, y_train, epochs=40, batch_size=32, validation_split=0.2, verbose=0)
print("last epoch:", {k: round(float(v[-1]), 3) for k, v in history.history.items()})

probability = model.predict(x_test, verbose=0).ravel()
predicted = (probability > 0.5).astype(int)
print(metrics.classification_report(y_test, predicted, target_names=["lower moon", "upper moon"]))
print("ROC AUC:", round(metrics.roc_auc_score(y_test, probability), 4))
print("confusion matrix:\n", metrics.confusion_matrix(y_test, predicted))
# The medical-test view of the same predictions (class 1 as "positive").
print("sensitivity:", round(metrics.sensitivity_score(y_test, predicted), 3),
      " specificity:", round(metrics.specificity_score(y_test, predicted), 3),
      " NPV:", round(metrics.negative_predictive_value_score(y_test, predicted), 3))

history.plot(path=OUT / "history.png")
plotting.plot_confusion_matrix(y_test, predicted, path=OUT / "confusion.png")
plotting.plot_roc_curves(y_test, probability, path=OUT / "roc.png")
plotting.plot_decision_boundary(model, x_test, y_test, path=OUT / "boundary.png")
plotting.plot_activations(["sigmoid", "tanh", "relu"], path=OUT / "activations.png")

# 5-fold cross-validation: a fresh model per fold, two folds at a time (joblib).
results = cross_validate(build_model, x, label, k=5, fit_kwargs={"epochs": 20, "batch_size": 32}, n_jobs=2,
                         stratify=True)
print(results.summary())
print("plots written to", OUT)
