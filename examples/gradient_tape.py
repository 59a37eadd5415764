"""Back-propagation by hand: a custom training loop with GradientTape, and a gradient check.

    python examples/gradient_tape.py
"""

import numpy as np

import glassnet as keras
from glassnet import layers

rng = np.random.default_rng(0)
x = rng.uniform(-1, 1, size=(256, 1)).astype("float32")
y = np.sin(3 * x) + 0.05 * rng.normal(size=x.shape).astype("float32")

model = keras.Sequential([keras.Input(shape=(1,)), layers.Dense(32, activation="tanh"), layers.Dense(1)])
loss_fn = keras.losses.MeanSquaredError()
optimizer = keras.optimizers.SGD(learning_rate=0.1, momentum=0.9)

# Before training: the tape's gradient equals the finite-difference slope of the loss.
w = model.layers[0].kernel
with keras.GradientTape() as tape:
    loss = loss_fn(y, model(x))
analytic = tape.gradient(loss, w)[0, 0]
eps = 1e-3
original = float(w.numpy()[0, 0])
w.data[0, 0] = original + eps
up = float(loss_fn(y, model(x)))
w.data[0, 0] = original - eps
down = float(loss_fn(y, model(x)))
w.data[0, 0] = original
print(f"dC/dw[0,0]: tape {analytic:.6f}, finite differences {(up - down) / (2 * eps):.6f}")


for step in range(301):
    with keras.GradientTape() as tape:
        prediction = model(x, training=True)          # forward propagation
        loss = loss_fn(y, prediction)                  # the cost C
    grads = tape.gradient(loss, model.trainable_weights)   # dC/dW for every weight W
    optimizer.apply_gradients(zip(grads, model.trainable_weights))
    if step % 100 == 0:
        print(f"step {step:3d}  mse {float(loss):.4f}")

