"""Cross-validation on joblib's Dask backend: a local two-process cluster gives the serial run's scores."""

from __future__ import annotations

import sys

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")
joblib = pytest.importorskip("joblib")
cloudpickle = pytest.importorskip("cloudpickle")

import glassnet as gn  # noqa: E402
from glassnet.model_selection import cross_validate  # noqa: E402

# The workers are fresh processes that cannot import this test file (tests/ is no package on their
# path), so functions defined here travel by value.
cloudpickle.register_pickle_by_value(sys.modules[__name__])


def build_classifier() -> gn.Sequential:
    model = gn.Sequential([gn.layers.Input((4,)), gn.layers.Dense(6, activation="relu"),
                           gn.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def test_cross_validate_on_a_local_dask_cluster():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int64") + (x[:, 1] > 0.5)
    kwargs = {"k": 3, "fit_kwargs": {"epochs": 2, "batch_size": 16}, "seed": 3}
    serial = cross_validate(build_classifier, x, y, n_jobs=1, **kwargs)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as cluster, distributed.Client(cluster) as client:
        with joblib.parallel_backend("dask"):
            on_cluster = cross_validate(build_classifier, x, y, n_jobs=-1, **kwargs)
        # The folds really ran in the worker processes, which imported glassnet themselves.
        workers = client.run(lambda: "glassnet" in sys.modules)
    assert len(workers) == 2
    scores = [k for k in serial if "time" not in k]
    assert scores == [k for k in on_cluster if "time" not in k]
    for key in scores:
        np.testing.assert_array_equal(serial[key], on_cluster[key], err_msg=key)


def test_cross_validate_on_ray():
    """The same route through Ray's joblib backend (runs only where ray is installed)."""
    ray = pytest.importorskip("ray")
    from ray.util.joblib import register_ray

    rng = np.random.default_rng(1)
    x = rng.normal(size=(30, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int64")
    kwargs = {"k": 2, "fit_kwargs": {"epochs": 1}, "seed": 1}
    serial = cross_validate(build_classifier, x, y, n_jobs=1, **kwargs)
    ray.init(num_cpus=2, include_dashboard=False)
    try:
        register_ray()
        with joblib.parallel_backend("ray"):
            on_ray = cross_validate(build_classifier, x, y, n_jobs=-1, **kwargs)
    finally:
        ray.shutdown()
    np.testing.assert_array_equal(serial["test_loss"], on_ray["test_loss"])
