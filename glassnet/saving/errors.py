"""The one error type for files that cannot be loaded (defined with the configs it also guards)."""

from __future__ import annotations

from ..serialization import SavedModelError

__all__ = ["SavedModelError"]
