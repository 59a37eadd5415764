"""TensorFlow Playground's training loop on a glassnet model: its batches across epochs and its L1 freeze.

The exported script embeds :func:`train_epoch` and :class:`L1Freeze` as they are written here
(``inspect.getsource``), so the session and the script run the very same code.

*Batches* (TF Playground's ``oneStep``): one epoch is one pass over the training points in a fixed
order; gradients accumulate per example and the update is applied when ``(i + 1) % batch_size == 0``
for the epoch's index ``i``.  The last ``n % batch_size`` points of an epoch are not applied then:
their gradients wait and join the first batch of the next epoch, which therefore averages
``n % batch_size + batch_size`` examples.  No weight changes between the end of an epoch and the
start of the next, so accumulating those gradients is one batch of the carried points and the first
``batch_size`` ones, which is how :func:`train_epoch` trains them.  With fewer training points than
``batch_size`` no update ever happens (as in TF Playground).

*L1* (TF Playground's ``updateWeights``): after the gradient step ``w1 = w - lr * g`` the L1 step
gives ``w2 = w1 - lr * rate * sign(w)``; when ``w1 * w2 < 0`` (the L1 step crossed zero) the weight is
set to 0 and marked dead, and it is never updated again.  glassnet's ``regularizers.l1(rate)`` adds
``rate * sign(w)`` to the gradient, so with plain SGD ``w1 = w2 + lr * rate * sign(w)`` is recovered
exactly after the step.  With momentum or Adam the L1 part of a step cannot be told apart: any weight
whose sign flips (or that becomes exactly 0) in a step is taken as crossed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..callbacks import Callback


def train_epoch(model, x, y, batch_size, carry, callbacks=None, **fit_options):
    """One TF Playground epoch; ``carry`` (indices) are the last epoch's points still waiting for their update.

    Returns the indices that wait for the next epoch.
    """
    n = len(x)
    full = n // batch_size * batch_size  # the points applied this epoch (with the carried ones)
    if full == 0:
        return carry  # fewer points than one batch: TF Playground never applies an update
    options = dict(epochs=1, shuffle=False, verbose=0, callbacks=callbacks, **fit_options)
    if len(carry) == 0:
        model.fit(x[:full], y[:full], batch_size=batch_size, **options)
    else:
        first = np.concatenate([carry, np.arange(batch_size)])
        model.fit(x[first], y[first], batch_size=len(first), **options)
        if full > batch_size:
            model.fit(x[batch_size:full], y[batch_size:full], batch_size=batch_size, **options)
    return np.arange(full, n)


class L1Freeze(Callback):
    """TF Playground's L1 rule: a weight whose L1 step crosses zero becomes 0, dead, and stays 0."""

    def __init__(self, dense, learning_rate, rate, plain_sgd):
        super().__init__()
        self.dense, self.step, self.plain_sgd = dense, learning_rate * rate, plain_sgd
        self.dead = [np.zeros(layer.kernel.shape, dtype=bool) for layer in dense]
        self.before = []

    def on_train_begin(self, logs=None):
        self.before = [layer.kernel.numpy().copy() for layer in self.dense]  # hand edits happen between fits

    def on_train_batch_end(self, batch, logs=None):
        for i, (layer, old, dead) in enumerate(zip(self.dense, self.before, self.dead)):
            new = layer.kernel.numpy()
            if self.plain_sgd:  # the weight after the gradient step alone
                pre = new + np.float32(self.step) * np.sign(old)
                crossed = (pre * new < 0) | ((new == 0) & (pre != 0))
            else:
                crossed = (old * new < 0) | ((new == 0) & (old != 0))
            dead |= crossed
            if (dead & (new != 0)).any():
                new = np.where(dead, np.float32(0), new).astype(new.dtype)
                layer.kernel.assign(new)
            self.before[i] = new.copy()


def dead_links(freeze: Any) -> list[list[list[int]]]:
    """The ``frame.dead`` lists: per Dense layer, the [from, to] of every dead weight."""
    if freeze is None:
        return []
    return [np.argwhere(mask).tolist() for mask in freeze.dead]
