"""Back-propagation, step by step, with numbers: trace one training step, then check the gradients.

    python examples/trace_backprop.py

The network is the classic worked example (Matt Mazur, "A Step by Step Backpropagation Example"):
2 inputs, 2 sigmoid hidden units, 2 sigmoid outputs, weights w1..w8 = 0.15 ... 0.55, biases 0.35
and 0.60, one sample x = (0.05, 0.10) with target (0.01, 0.99), plain SGD with learning rate 0.5.
Keras' MSE averages over the two outputs, which here equals the textbook's 1/2 * sum, so every
number printed below can be found in the article.
"""

import numpy as np

import glassnet as keras
from glassnet import layers

model = keras.Sequential([
    keras.Input(shape=(2,)),
    layers.Dense(2, activation="sigmoid", name="hidden"),
    layers.Dense(2, activation="sigmoid", name="output"),
])
model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.5), loss="mse")
# Row i of a kernel holds the weights leaving input i: [[w1, w3], [w2, w4]] and [[w5, w7], [w6, w8]].
model.set_weights([np.array([[0.15, 0.25], [0.20, 0.30]]), np.array([0.35, 0.35]),
                   np.array([[0.40, 0.50], [0.45, 0.55]]), np.array([0.60, 0.60])])
x, target = np.array([[0.05, 0.10]]), np.array([[0.01, 0.99]])

t = keras.trace(model, x, target)   # the model is left unchanged; apply=True would take the step
print(t)

output = t.layers["output"]
print(f"\ndC/dw5 = {output.gradients['kernel'][0, 0]:.7f}   (the article: 0.082167041; float32 here)")
print(f"new w5 = {output.weights['kernel'].after[0, 0]:.7f}   (the article: 0.35891648)")

# A gradient check of a small CNN: every analytic dC/dW against finite differences in float64.
rng = np.random.default_rng(0)
cnn = keras.Sequential([
    keras.Input(shape=(6, 6, 1)),
    layers.Conv2D(3, 3, activation="relu"),
    layers.MaxPooling2D(2),
    layers.Flatten(),
    layers.Dense(3, activation="softmax"),
])
cnn.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
print()
print(keras.gradcheck(cnn, rng.normal(size=(4, 6, 6, 1)), np.array([0, 1, 2, 1])))
