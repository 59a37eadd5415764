"""The TensorFlow Playground's circle exercise, from Python.

    python examples/playground_exercise.py

The lecture's settings: the circle dataset, noise 10 %, half the points for training, batch size 10.

1. One neuron with the features x1^2 and x2^2 separates the circle: stop when the test loss < 0.05.
2. One neuron on the plain x1, x2 cannot (its boundary is a straight line); a hidden layer can.
3. A learning-rate sweep: 0.01, 0.1 and 1.

"Test loss" is the number the playground shows, 0.5 (o - t)^2 on its -1/+1 scale, logged here as the
metric ``playground_loss`` next to the binary cross-entropy the model is trained with.  At noise 10 %
some labels near the edge of the disc are flipped, so 0.05 is close to the best any model can do on
the test points: on some draws of the data no model gets below it (try other seeds).
"""

import os

import numpy as np

import glassnet as keras
from glassnet import layers, ops
from glassnet.callbacks import StopAtThreshold
from glassnet.datasets import playground

QUICK = os.environ.get("GLASSNET_EXAMPLES_QUICK") == "1"
MAX_EPOCHS = 100 if QUICK else 500

(x_train, y_train), (x_test, y_test) = playground.load_data("circle", noise=10, train_ratio=50, seed=3)
print(f"circle: {len(x_train)} training and {len(x_test)} test points, noise 10 %, labels 0/1")


def playground_loss(y_true, y_pred):
    # The playground's output is tanh o = 2 p - 1 and its label t = 2 y - 1, so 0.5 (o - t)^2 = 2 (p - y)^2.
    return ops.mean(ops.multiply(ops.square(ops.subtract(y_pred, ops.reshape(y_true, y_pred.shape))), 2.0), axis=-1)


def network(features, hidden_units=0, learning_rate=0.1):
    """Playground-style: chosen input features, optional tanh hidden layer, one sigmoid output, plain SGD."""
    stack = [keras.Input((2,)), layers.FeatureCross(features)]
    if hidden_units:
        stack.append(layers.Dense(hidden_units, activation="tanh"))
    model = keras.Sequential(stack + [layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate), loss="binary_crossentropy",
                  metrics=["accuracy", playground_loss])
    return model


def train(model, epochs=MAX_EPOCHS, stop=True):
    """Fit as the playground does (batch 10, no reshuffling between epochs); maybe stop at test loss < 0.05."""
    rule = StopAtThreshold(monitor="val_playground_loss", threshold=0.05, verbose=0)
    history = model.fit(x_train, y_train, batch_size=10, epochs=epochs, shuffle=False, verbose=0,
                        validation_data=(x_test, y_test), callbacks=[rule] if stop else [])
    logs = {key: values[-1] for key, values in history.history.items()}
    stopped = None if rule.stopped_epoch is None else rule.stopped_epoch + 1
    return stopped, len(history.epoch), logs


def report(title, stopped, ran, logs):
    ending = f"test loss < 0.05 after {stopped} epochs" if stopped else f"no stop in {ran} epochs"
    print(f"{title}: {ending}; test loss {logs['val_playground_loss']:.4f}, "
          f"test accuracy {logs['val_accuracy']:.1%}")


# 1. One neuron with x1^2 and x2^2: its boundary w1 x1^2 + w2 x2^2 + b = 0 is a circle.
keras.utils.set_random_seed(0)
squares = network(["x1^2", "x2^2"])
report("\n1. one neuron, features x1^2, x2^2", *train(squares))
kernel, bias = squares.layers[-1].get_weights()
w1, w2 = kernel.ravel()
print(f"   learned w = ({w1:.3f}, {w2:.3f}), b = {bias[0]:.3f}: the circle w.(x1^2, x2^2) + b = 0 has radius "
      f"{np.sqrt(-bias[0] / kernel.mean()):.2f} (the inner disc has radius 2.5, the outer ring starts at 3.5)")

# 2. One neuron on x1, x2 draws a straight line through the disc: it cannot do better than chance.
keras.utils.set_random_seed(0)
report("\n2a. one neuron, features x1, x2", *train(network(["x1", "x2"]), epochs=MAX_EPOCHS // 4, stop=False))
# A hidden layer bends the boundary: eight tanh units on x1, x2 close it around the disc.
keras.utils.set_random_seed(0)
report("2b. hidden layer of 8 tanh units, features x1, x2",
       *train(network(["x1", "x2"], hidden_units=8, learning_rate=0.3)))

# 3. The learning rate: too small crawls, large enough is quick (one neuron, x1^2 and x2^2 again).
print("\n3. learning-rate sweep (one neuron, x1^2, x2^2, SGD, batch 10)")
print(f"   {'learning rate':>13} | {'epochs to test loss < 0.05':>26} | {'test loss':>9} | {'test accuracy':>13}")
for learning_rate in (0.01, 0.1, 1.0):
    keras.utils.set_random_seed(0)
    stopped, ran, logs = train(network(["x1^2", "x2^2"], learning_rate=learning_rate))
    reached = str(stopped) if stopped else f"not in {ran}"
    print(f"   {learning_rate:>13g} | {reached:>26} | {logs['val_playground_loss']:>9.4f} | "
          f"{logs['val_accuracy']:>13.1%}")
