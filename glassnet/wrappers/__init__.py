"""scikit-learn wrappers (the scikeras contract): ``KerasClassifier`` and ``KerasRegressor``.

Importing this package imports scikit-learn, so ``import glassnet`` does not load it:
``from glassnet.wrappers import KerasClassifier``.
"""

try:
    import sklearn
except ImportError as err:  # pragma: no cover - depends on the environment
    raise ImportError("glassnet.wrappers needs scikit-learn (1.6 or newer): pip install 'glassnet[sklearn]'") from err
if tuple(int(p) for p in sklearn.__version__.split(".")[:2] if p.isdigit()) < (1, 6):  # pragma: no cover
    raise ImportError(f"glassnet.wrappers needs scikit-learn 1.6 or newer (validate_data, estimator tags); "
                      f"found {sklearn.__version__}: pip install -U scikit-learn")

from .base import BaseWrapper  # noqa: E402
from .estimators import KerasClassifier, KerasRegressor  # noqa: E402

__all__ = ["BaseWrapper", "KerasClassifier", "KerasRegressor"]
