"""scikit-learn's own estimator checks on KerasClassifier and KerasRegressor.

Every applicable check runs.  Not run, each for a stated reason:

* ``check_sample_weight_equivalence_on_dense_data`` (expected to fail, listed below): it asks that
  fitting with integer sample weights equal fitting on repeated rows.  Mini-batch SGD sees
  different batches and a different number of steps in the two cases, so the fitted weights
  differ; the wrapper does pass weights to ``Model.fit``, which ``test_sklearn_wrappers`` checks.
* ``check_sample_weights_pandas_series``, ``check_classifier_data_not_an_array`` and
  ``check_regressor_data_not_an_array`` skip themselves when pandas is not installed
  (pandas is not a test dependency); with pandas they run.
* ``check_array_api_input`` skips itself unless ``SCIPY_ARRAY_API=1``: the estimators take NumPy
  arrays only.
"""

from __future__ import annotations

import functools
from typing import Any

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

import glassnet as keras
from glassnet.wrappers import KerasClassifier, KerasRegressor

# scikit-learn's check data is deliberately unscaled (values near 100): glassnet's hint about it is expected.
pytestmark = pytest.mark.filterwarnings("ignore::glassnet.HintWarning")

EXPECTED_FAILURES = {
    "check_sample_weight_equivalence_on_dense_data":
        "mini-batch SGD on weighted rows is not the same run as SGD on repeated rows (other batches, "
        "other step count), so the fitted weights differ",
}


class _Named:
    """A build function whose repr is its name, so the test ids stay the same from run to run."""

    def __init__(self, fn: Any) -> None:
        functools.update_wrapper(self, fn)  # inspect.signature follows __wrapped__

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.__wrapped__(*args, **kwargs)  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        return self.__name__.lstrip("_")  # type: ignore[attr-defined]


def _build_classifier(meta: dict[str, Any]) -> Any:
    return keras.Sequential([keras.Input((meta["n_features_in_"],)),
                             keras.layers.Dense(32, activation="relu"),
                             keras.layers.Dense(max(meta["n_classes_"], 2), activation="softmax")])


def _build_regressor(meta: dict[str, Any]) -> Any:
    return keras.Sequential([keras.Input((meta["n_features_in_"],)),
                             keras.layers.Dense(32, activation="relu"),
                             keras.layers.Dense(meta["n_outputs_expected_"])])


# Module-level names for the raw functions keep the estimators picklable (check_estimators_pickle).
build_classifier, build_regressor = _Named(_build_classifier), _Named(_build_regressor)

ESTIMATORS = [
    KerasClassifier(build_classifier, epochs=20, verbose=0, random_state=0, optimizer="adam",
                    optimizer__learning_rate=0.02),
    KerasRegressor(build_regressor, epochs=20, verbose=0, random_state=0, optimizer="adam",
                   optimizer__learning_rate=0.02),
]


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=lambda est: EXPECTED_FAILURES)
def test_sklearn_estimator_checks(estimator: Any, check: Any) -> None:
    check(estimator)
