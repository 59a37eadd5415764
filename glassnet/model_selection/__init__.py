"""Model selection: hold-out splits, K folds and cross-validation (scikit-learn's names).

>>> import numpy as np
>>> from glassnet.model_selection import KFold, train_test_split
>>> x_train, x_test = train_test_split(np.arange(10), test_size=0.3, random_state=0)
>>> len(x_train), len(x_test)
(7, 3)
>>> [test.tolist() for _, test in KFold(3).split(np.arange(7))]
[[0, 1, 2], [3, 4], [5, 6]]

Cross-validation builds a fresh model per fold (``build_model`` returns a compiled model)::

    results = cross_validate(build_model, x, y, k=5, fit_kwargs={"epochs": 5}, n_jobs=2)
    print(results.summary())      # mean +- std of each score, and the per-fold values
"""

from .split import KFold, StratifiedKFold, train_test_split
from .validation import CrossValidationResults, cross_validate, fold_seeds

__all__ = ["CrossValidationResults", "KFold", "StratifiedKFold", "cross_validate", "fold_seeds", "train_test_split"]
