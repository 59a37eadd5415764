"""Plots for judging a model: training curves, confusion matrices, ROC curves, decision
boundaries, misclassified images and activation functions (matplotlib).

Every function returns the matplotlib ``Figure`` and saves it when given
``path=`` (.png or .svg).  Without a display the Agg backend is used.
"""

from ._figure import close, save_figure
from .activations import activation_and_derivative, plot_activations
from .boundary import plot_decision_boundary
from .classification import plot_confusion_matrix, plot_roc_curves
from .history import plot_history
from .images import plot_misclassified
from .report import HeldOutCurves, write_classifier_report

__all__ = ["HeldOutCurves", "activation_and_derivative", "close", "plot_activations", "plot_confusion_matrix",
           "plot_decision_boundary", "plot_history", "plot_misclassified", "plot_roc_curves", "save_figure",
           "write_classifier_report"]
