"""Plots for judging a model: training curves, confusion matrices, ROC curves, decision
boundaries, misclassified images and activation functions (matplotlib); and the pictures a course
shows: data samples, conv filters, feature maps, weight histograms, gradient-descent paths and
loss landscapes.

Every function returns the matplotlib ``Figure`` and saves it when given
``path=`` (.png or .svg).  Without a display the Agg backend is used.
"""

from ._figure import close, save_figure
from .activations import activation_and_derivative, plot_activations
from .boundary import plot_decision_boundary
from .classification import plot_confusion_matrix, plot_roc_curves
from .descent import DescentPath, gradient_descent_paths, plot_gradient_descent
from .filters import feature_maps, plot_conv_filters, plot_feature_maps
from .history import plot_history
from .images import plot_misclassified, plot_samples
from .inspector import plot_inspector
from .landscape import LossLandscape, loss_landscape, plot_loss_landscape
from .report import HeldOutCurves, write_classifier_report
from .weights import plot_weight_histograms

__all__ = ["HeldOutCurves", "activation_and_derivative", "close", "plot_activations", "plot_confusion_matrix",
           "plot_decision_boundary", "plot_history", "plot_inspector", "plot_misclassified", "plot_roc_curves", "save_figure",
           "write_classifier_report"]
__all__ += ["DescentPath", "LossLandscape", "feature_maps", "gradient_descent_paths", "loss_landscape",
            "plot_conv_filters", "plot_feature_maps", "plot_gradient_descent", "plot_loss_landscape", "plot_samples",
            "plot_weight_histograms"]
