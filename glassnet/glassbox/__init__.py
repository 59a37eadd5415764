"""The glass box: look inside one training step, and check that its gradients are right.

:func:`trace` records one forward and backward pass of a few samples op by op (values, deltas,
dC/dW, the optimizer's update); :func:`gradcheck` compares a model's or a layer's analytic
gradients with finite differences in float64.  This package sits above ``models`` and nothing
below imports it.
"""

from .gradcheck import GradcheckResult, gradcheck
from .trace import LayerRecord, OpRecord, Trace, WeightRecord, trace

__all__ = ["GradcheckResult", "LayerRecord", "OpRecord", "Trace", "WeightRecord", "gradcheck", "trace"]
