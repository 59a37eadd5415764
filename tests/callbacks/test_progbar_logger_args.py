"""ProgbarLogger's Keras arguments: accepted, checked, and a user's logger replaces the default one."""

from __future__ import annotations

import io

import numpy as np
import pytest

import glassnet as keras


def fit_with(callbacks, verbose):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", loss="mse")
    x = np.ones((8, 2), "float32")
    return model.fit(x, x[:, :1], epochs=2, batch_size=4, verbose=verbose, callbacks=callbacks)


@pytest.mark.parametrize("count_mode", ["steps", "samples"])
def test_keras2_arguments_are_accepted(count_mode):
    bar = keras.callbacks.ProgbarLogger(count_mode=count_mode, stateful_metrics=["acc"])
    assert bar.count_mode == count_mode and bar.stateful_metrics == {"acc"}


def test_bad_count_mode():
    with pytest.raises(ValueError, match="count_mode"):
        keras.callbacks.ProgbarLogger(count_mode="epochs")


@pytest.mark.parametrize("verbose, lines", [(2, 2), (0, 0)])
def test_users_logger_is_the_only_one(capsys, verbose, lines):
    out = io.StringIO()
    fit_with([keras.callbacks.ProgbarLogger(stream=out)], verbose)
    assert capsys.readouterr().out == ""  # no second, default bar on stdout
    assert sum(line.startswith("Epoch ") for line in out.getvalue().splitlines()) == lines


def test_auto_verbose_means_a_live_bar():
    bar = keras.callbacks.ProgbarLogger()
    bar.set_params({"verbose": "auto", "epochs": 1, "steps": 2})
    assert bar.params["verbose"] == 1
