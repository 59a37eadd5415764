"""The one error type for files that cannot be loaded."""

from __future__ import annotations


class SavedModelError(ValueError):
    """A saved model or weights file is unreadable, damaged, of another format or a newer version,
    or names an object that is not registered.  The message names the file and the problem."""
