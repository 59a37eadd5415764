"""The perceptron and the logic gates: Rosenblatt's rule learns AND and OR, never XOR; two layers do.

    python examples/perceptron_logic_gates.py

Every weight update of the perceptron rule is recorded, so the run can be checked by hand against
the rule  w <- w + lr (t - y) x,  b <- b + lr (t - y).
"""

import numpy as np

import glassnet as keras
from glassnet.datasets import logic_gates
from glassnet.models import Perceptron, xor_network


def truth_table(model, gate):
    x, y = logic_gates.load_data(gate)
    out = model.predict(x, verbose=0).ravel()
    for xi, ti, oi in zip(x, y, out):
        print(f"  {int(xi[0])} {int(xi[1])} -> {oi:.3f}   (target {int(ti)})")


# 1. AND, from zero weights with lr = 0.5: one line per epoch, then the full update table.
print("== The perceptron learns AND ==")
perceptron = Perceptron(input_dim=2)
history = perceptron.fit(*logic_gates.load_data("and"), learning_rate=0.5, verbose=1)
print("\nEvery application of the rule (the weights change only where the output was wrong):")
print(history.table())
print("\nErrors per epoch:", history.history["errors"])
truth_table(perceptron, "and")

# 2. OR converges too (any linearly separable gate does: the perceptron convergence theorem).
print("\n== The perceptron learns OR ==")
history = Perceptron().fit(*logic_gates.load_data("or"), learning_rate=0.5, verbose=0)
print(history.message)
print(history.table(only_updates=True))

# 3. XOR: no line separates {01, 10} from {00, 11}, so the rule goes round in circles.
print("\n== The perceptron on XOR ==")
history = Perceptron().fit(*logic_gates.load_data("xor"), epochs=50, learning_rate=1.0, verbose=1)
print("converged:", history.converged)

# 4. Two layers solve XOR.  By hand: XOR(a, b) = AND(OR(a, b), NAND(a, b)), each gate one step neuron.
print("\n== A two-layer network, weights set by hand (hidden OR and NAND, output AND) ==")
hand = xor_network(hand_set=True)
for layer in hand.layers:
    kernel, bias = layer.get_weights()
    print(f"  {layer.name}: W = {kernel.tolist()}, b = {bias.tolist()}")
truth_table(hand, "xor")

# ... and trained: tanh hidden units, a sigmoid output, binary cross-entropy and Adam.
print("\n== The same architecture trained by gradient descent ==")
keras.utils.set_random_seed(0)
trained = xor_network(hand_set=False)
x, y = logic_gates.load_data("xor")
history = trained.fit(x, y, epochs=300, batch_size=4, verbose=0)
print(f"after 300 epochs: loss {history.history['loss'][-1]:.4f}, accuracy {history.history['accuracy'][-1]:.0%}")
truth_table(trained, "xor")
assert np.array_equal(trained.predict(x, verbose=0).ravel() > 0.5, y == 1)
