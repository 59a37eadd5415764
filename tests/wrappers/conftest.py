"""The wrappers need scikit-learn 1.6 or newer (``validate_data``, estimator tags): skip them without it."""

from __future__ import annotations

import importlib.util


def _sklearn_is_recent() -> bool:
    if importlib.util.find_spec("sklearn") is None:
        return False
    import sklearn

    return tuple(int(p) for p in sklearn.__version__.split(".")[:2] if p.isdigit()) >= (1, 6)


collect_ignore_glob = [] if _sklearn_is_recent() else ["test_*.py"]
